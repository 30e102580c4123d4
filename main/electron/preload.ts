// The preload exposes exactly two functions to the page and nothing of Node or Electron.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';

const INVOKE_CHANNEL = 'scrip:invoke';
const EVENT_CHANNEL = 'scrip:event';

type IpcResult = { ok: true; value: unknown } | { ok: false; error: unknown };

contextBridge.exposeInMainWorld('scrip', {
  async invoke(name: string, input?: unknown): Promise<unknown> {
    const result = (await ipcRenderer.invoke(INVOKE_CHANNEL, name, input ?? {})) as IpcResult;
    if (result.ok) return result.value;
    throw result.error; // the ErrorBody, as the HTTP transport throws it
  },
  on(listener: (event: unknown) => void): () => void {
    const wrapped = (_e: IpcRendererEvent, payload: unknown) => listener(payload);
    ipcRenderer.on(EVENT_CHANNEL, wrapped);
    return () => ipcRenderer.off(EVENT_CHANNEL, wrapped);
  },
});
