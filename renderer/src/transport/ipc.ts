import { CommandError, isErrorBody, type AppEvent, type Transport } from './transport';

/** What the Electron preload exposes, and nothing more. */
export interface ScripBridge {
  invoke(name: string, input?: unknown): Promise<unknown>;
  on(listener: (e: unknown) => void): () => void;
}

export function ipcTransport(bridge: ScripBridge): Transport {
  return {
    async invoke<T>(name: string, input?: unknown): Promise<T> {
      try {
        return (await bridge.invoke(name, input ?? {})) as T;
      } catch (e) {
        throw isErrorBody(e) ? new CommandError(e) : e;
      }
    },
    on(listener) {
      return bridge.on((e) => listener(e as AppEvent));
    },
  };
}
