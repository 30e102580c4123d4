import type { CommandError, CommandName, CommandOutput } from '../transport';
import { useLive } from './useLive';

const noEvent = () => undefined;

/** A command's answer (or its error), asked once when the component mounts; `reload` asks again. */
export function useCommand<N extends CommandName>(
  name: N,
): { value: CommandOutput<N> | null; error: CommandError | null; reload: () => void } {
  return useLive(name, noEvent);
}
