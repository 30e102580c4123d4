import type { ReadersView } from '../../../main/card/reader-state';
import { useLive } from './useLive';

export function useReaders() {
  return useLive<ReadersView>('readers.list', (e) => (e.type === 'reader.changed' ? e.data : undefined));
}
