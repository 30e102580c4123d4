// Runs a dm+d import in a worker thread, so parsing a release (minutes of XML and SQLite) never
// blocks the API or the UI. Messages to the parent: progress, then done (the summary) or error
// (a ScripError's wire form).
import { parentPort, workerData } from 'node:worker_threads';
import { importDmdRelease } from './import';
import { toScripError } from '../../errors';

export interface ImportWorkerData {
  dbPath: string;
  zipPath: string;
}
export type ImportWorkerMessage =
  | { type: 'progress'; phase: 'file' | 'index' | 'done'; file?: string; records: number }
  | {
      type: 'done';
      summary: { releaseVersion: string; importedAt: string; counts: Record<string, number>; ms: number };
    }
  | { type: 'error'; error: { code: string; message: string; action: string; details?: Record<string, unknown> } };

const post = (m: ImportWorkerMessage) => parentPort!.postMessage(m);
const { dbPath, zipPath } = workerData as ImportWorkerData;
let last = 0;
importDmdRelease(dbPath, zipPath, {
  onProgress: (p) => {
    // At most ten progress messages a second: the parent forwards each as an event.
    const now = Date.now();
    if (p.phase !== 'file' || now - last >= 100) {
      last = now;
      post({ type: 'progress', ...p });
    }
  },
}).then(
  (summary) => post({ type: 'done', summary }),
  (e: unknown) => {
    const err = toScripError(e);
    post({
      type: 'error',
      error: {
        code: err.code,
        message: err.message,
        action: err.action,
        ...(err.details ? { details: err.details } : {}),
      },
    });
  },
);
