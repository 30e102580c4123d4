import { useCallback, useEffect, useState } from 'react';
import { asCommandError, type AppEvent, type CommandError, type CommandName, type CommandOutput } from '../transport';
import { useTransport } from './transport-context';
import { useEvents } from './useEvents';

/**
 * State that a command reads once and an event keeps current: e.g. `readers.list` + `reader.changed`.
 * `pick` takes the new value from an event, or returns undefined to ignore it.
 */
export function useLive<N extends CommandName, T extends CommandOutput<N> = CommandOutput<N>>(
  command: N,
  pick: (e: AppEvent) => T | undefined,
): { value: T | null; error: CommandError | null; reload: () => void } {
  const transport = useTransport();
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<CommandError | null>(null);
  const reload = useCallback(() => {
    transport.invoke(command).then(
      (v) => {
        setValue(v as T);
        setError(null);
      },
      (e: unknown) => setError(asCommandError(e)),
    );
  }, [transport, command]);
  useEffect(reload, [reload]);
  useEvents((e) => {
    if (e.type === 'connection.restored') {
      reload();
      return;
    }
    const next = pick(e);
    if (next !== undefined) {
      setValue(next);
      setError(null);
    }
  });
  return { value, error, reload };
}
