// Binds the registry to Electron IPC. Kept free of runtime Electron imports so the parity test can
// drive it with a stand-in for ipcMain; main.ts passes the real one.
import type { IpcMainInvokeEvent } from 'electron';
import { invokeCommand } from '../commands/invoke';
import type { Caller, Registry } from '../commands/registry';
import { scopes as allScopes } from '../api/scopes';
import { ScripError, toScripError, type ErrorBody } from '../errors';
import type { Services } from '../services';

export const INVOKE_CHANNEL = 'scrip:invoke';
const EVENT_CHANNEL = 'scrip:event';
/** The only origin whose frames may call commands: the app:// page Scrip serves itself. */
export const APP_ORIGIN = 'app://scrip';

export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

interface WebContentsLike {
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
}

export type IpcResult = { ok: true; value: unknown } | { ok: false; error: ErrorBody };

const uiCaller: Caller = { kind: 'ui', scopes: new Set(allScopes), label: 'UI' };

/** A frame may call only if it is the top frame of Scrip's own app:// page. */
export function senderAllowed(event: Pick<IpcMainInvokeEvent, 'senderFrame'>): boolean {
  const frame = event.senderFrame;
  if (!frame || frame.parent) return false;
  try {
    // Not `.origin`: for a non-special scheme such as app:// the WHATWG URL origin is "null".
    const u = new URL(frame.url);
    return u.protocol === 'app:' && u.host === 'scrip' && u.username === '' && u.password === '';
  } catch {
    return false;
  }
}

/** Errors cross IPC as data (Electron would otherwise flatten them to a string). */
export function bindIpc(ipcMain: IpcMainLike, registry: Registry, services: Services): () => void {
  ipcMain.handle(INVOKE_CHANNEL, async (event, name, input): Promise<IpcResult> => {
    try {
      if (!senderAllowed(event)) throw new ScripError('forbidden', 'This frame may not call Scrip.');
      if (typeof name !== 'string') throw new ScripError('invalid-input', 'A command name is a string.');
      return { ok: true, value: await invokeCommand(registry, services, name, input, uiCaller) };
    } catch (e) {
      return { ok: false, error: toScripError(e).toBody() };
    }
  });
  return () => ipcMain.removeHandler(INVOKE_CHANNEL);
}

/** Forwards every app event to a window. */
export function forwardEvents(services: Services, target: WebContentsLike): () => void {
  return services.events.subscribe((e) => {
    if (!target.isDestroyed()) target.send(EVENT_CHANNEL, e);
  });
}
