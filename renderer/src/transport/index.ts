import { ipcTransport, type ScripBridge } from './ipc';
import { httpTransport } from './http';
import type { Transport } from './transport';

/** IPC when the Electron preload is there, else HTTP (browser mode). */
export function chooseTransport(): Transport {
  const bridge = (globalThis as { scrip?: ScripBridge }).scrip;
  return bridge ? ipcTransport(bridge) : httpTransport();
}

export * from './transport';
