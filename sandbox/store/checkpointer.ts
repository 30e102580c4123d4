// WAL checkpoints mostly off the event loop. Every commit appends to sandbox.db-wal; by default the
// commit that passes 1000 pages copies them back into the database itself (with two fsyncs),
// stalling every request queued behind it. Here a worker thread with its own connection copies
// pages continuously (PASSIVE: it never waits for, nor blocks, the writer), and the serving
// connection, when the WAL has grown past `restartPages`, runs a PASSIVE checkpoint of its own just
// after a commit: by then only the last few pages are left to copy, and once all are copied the next
// commit starts the WAL from its beginning again, which keeps its size bounded. If the worker
// cannot start or stops, SQLite's own checkpoints are switched back on. What is durable is
// unchanged: a commit is in the WAL either way.
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import type { SandboxDb } from './db';

// Plain CommonJS, so the worker needs no TypeScript loader; the driver's path comes from here.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
const checkpoint = () => {
  try { const [r] = db.pragma('wal_checkpoint(PASSIVE)'); parentPort.postMessage(r.log); } catch { /* the next one catches up */ }
};
const timer = setInterval(checkpoint, workerData.everyMs);
parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort.close();
});
parentPort.postMessage('ready');
`;

export interface Checkpointer {
  /** Call after each commit of the serving connection. */
  committed(): void;
  stop(): Promise<void>;
}

export function startCheckpointer(db: SandboxDb, opts: { everyMs?: number; restartBytes?: number } = {}): Checkpointer {
  // The WAL is started again once past 16 MB, whatever the page size.
  const restartPages = Math.ceil(
    (opts.restartBytes ?? 16 * 1024 * 1024) / (db.pragma('page_size', { simple: true }) as number),
  );
  let active = false,
    stopped = false;
  let walPages = 0; // as the worker last saw it
  const ownCheckpoints = () => {
    active = false;
    try {
      db.pragma('wal_autocheckpoint = 1000');
    } catch {
      /* closed */
    }
  };
  let worker: Worker;
  try {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { driver, file: db.name, everyMs: opts.everyMs ?? 50 },
    });
  } catch {
    return { committed: () => undefined, stop: async () => undefined }; // e.g. bundled, no module path: SQLite's own checkpoints stay
  }
  worker.unref();
  worker.on('message', (m) => {
    if (typeof m === 'number') walPages = m;
    else if (m === 'ready' && !stopped) {
      db.pragma('wal_autocheckpoint = 0');
      active = true;
    }
  });
  worker.on('error', () => {
    if (!stopped) ownCheckpoints();
  });
  worker.on('exit', () => {
    if (!stopped) ownCheckpoints();
  });
  return {
    committed() {
      if (!active || walPages < restartPages || db.inTransaction) return;
      try {
        const [r] = db.pragma('wal_checkpoint(PASSIVE)') as Array<{ busy: number; log: number; checkpointed: number }>;
        if (r && r.busy === 0 && r.checkpointed === r.log) walPages = 0; // all copied: the next commit restarts the WAL
      } catch {
        /* busy: the worker is copying; next time */
      }
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      ownCheckpoints();
      // Kept alive while it closes its connection (it is unref'd so it never holds the process up).
      worker.ref();
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.postMessage('stop');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        exited,
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, 2000);
        }),
      ]);
      clearTimeout(timer);
      await worker.terminate();
    },
  };
}
