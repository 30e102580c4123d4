// The renderer's only way to the app: commands by name and a stream of events. Two
// implementations (Electron IPC, HTTP+SSE in browser mode); nothing else knows which is in use.
import type { ErrorBody } from '../../../main/errors';
import type { ScripEvent } from '../../../main/event-types';
import type { CommandInput, CommandName, CommandOutput } from '../../../main/commands/command-map';

export type { CommandInput, CommandName, CommandOutput };

/** The readers and their cards, as `readers.list` answers (and `reader.changed` carries). */
export type ReadersView = CommandOutput<'readers.list'>;

/**
 * The link to Scrip itself dropped or came back (browser mode: the event stream). Events may have
 * been missed meanwhile, so whatever shows live state reads it again on `connection.restored`.
 */
type ConnectionEvent = { type: 'connection.lost' | 'connection.restored'; at: string; data: null };

export type AppEvent = ScripEvent | ConnectionEvent;

export interface Transport {
  /**
   * Runs a command by name: the input and the answer are typed by the command's own zod schemas
   * (main/commands/command-map.ts), so a screen cannot read a field the command does not send.
   */
  invoke<N extends CommandName>(name: N, input?: CommandInput<N>): Promise<CommandOutput<N>>;
  /** Listens to every event; returns the function that stops listening. */
  on(listener: (e: AppEvent) => void): () => void;
}

/** An error answer from a command: what went wrong and what the person can do. */
export class CommandError extends Error {
  readonly body: ErrorBody;
  constructor(body: ErrorBody) {
    super(body.message);
    this.body = body;
  }
}

export function isErrorBody(v: unknown): v is ErrorBody {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as { code?: unknown }).code === 'string' &&
    typeof (v as { message?: unknown }).message === 'string'
  );
}

export function asCommandError(e: unknown): CommandError {
  if (e instanceof CommandError) return e;
  if (isErrorBody(e)) return new CommandError(e);
  return new CommandError({
    code: 'internal',
    message: 'Scrip could not be reached.',
    action: 'Check that Scrip is still running, then reload this page.',
    retriable: true,
  });
}
