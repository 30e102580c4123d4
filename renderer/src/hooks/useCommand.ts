import type { CommandError } from '../transport';
import { useLive } from './useLive';

const noEvent = () => undefined;

/** A command's answer (or its error), asked once when the component mounts; `reload` asks again. */
export function useCommand<T>(name: string): { value: T | null; error: CommandError | null; reload: () => void } {
  return useLive<T>(name, noEvent);
}
