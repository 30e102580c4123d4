import {
  CommandError,
  isErrorBody,
  type AppEvent,
  type CommandName,
  type CommandOutput,
  type Transport,
} from './transport';

/** What the Electron preload exposes, and nothing more. */
export interface ScripBridge {
  invoke(name: string, input?: unknown): Promise<unknown>;
  on(listener: (e: unknown) => void): () => void;
}

export function ipcTransport(bridge: ScripBridge): Transport {
  return {
    async invoke<N extends CommandName>(name: N, input?: unknown): Promise<CommandOutput<N>> {
      try {
        return (await bridge.invoke(name, input ?? {})) as CommandOutput<N>; // validated against the schema by main
      } catch (e) {
        throw isErrorBody(e) ? new CommandError(e) : e;
      }
    },
    on(listener) {
      return bridge.on((e) => listener(e as AppEvent));
    },
  };
}
