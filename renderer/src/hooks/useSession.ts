import type { z } from 'zod';
import type { sessionView } from '../../../main/identity/schemas';
import { useLive } from './useLive';

export type SessionView = z.infer<typeof sessionView>;

export function useSession() {
  return useLive('session.get', (e) => (e.type === 'session.changed' ? e.data : undefined));
}
