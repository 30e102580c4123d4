// Medicines for the pad: the imported dm+d release when there is one, else the small bundled subset
// built from the public EPS examples (labelled as such in releaseInfo). Importing a release runs in
// a worker thread: the API and the UI keep answering (search keeps using the old release) while
// it parses, and progress goes out as `medicines.import` events.
import { existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../../native/worker-entry';
import { ScripError, errorCatalogue, type ErrorCode } from '../errors';
import type { EventBus } from '../events';
import { MedicineIndex } from './dmd/search';
import { openBundledSubset, readSubset, subsetPath } from './dmd/subset';
import type { ImportSummary } from './dmd/import';
import type { ImportWorkerData, ImportWorkerMessage } from './dmd/import-worker';

interface MedicinesOptions {
  events?: EventBus;
  /** The bundled subset file (default: found from the app's own files, see subsetPath()). */
  subsetPath?: string;
}

/** The worker's entry: the TypeScript module through tsx from source, the bundled .cjs in Electron. */
function startImportWorker(data: ImportWorkerData): Worker {
  return startWorker(
    import.meta.url,
    new URL('./dmd/import-worker.ts', import.meta.url),
    'dmd-import-worker.cjs',
    data,
  );
}

export class MedicinesService {
  readonly #path: string;
  readonly #opts: MedicinesOptions;
  #index: Promise<MedicineIndex> | null = null;
  #importing: Promise<ImportSummary> | null = null;
  #worker: Worker | null = null;

  constructor(dataDir: string, opts: MedicinesOptions = {}) {
    this.#path = join(dataDir, 'dmd.sqlite');
    this.#opts = opts;
  }

  index(): Promise<MedicineIndex> {
    this.#index ??= existsSync(this.#path)
      ? Promise.resolve(new MedicineIndex(this.#path))
      : openBundledSubset({ subset: readSubset(this.#opts.subsetPath ?? subsetPath()) });
    return this.#index;
  }

  /** Whether an import is running now. */
  get importing(): boolean {
    return this.#importing !== null;
  }

  /**
   * Imports a dm+d release zip into a new database in a worker thread, then switches to it; the old
   * one serves searches until then. One import at a time.
   */
  import(zipPath: string): Promise<ImportSummary> {
    if (this.#importing)
      return Promise.reject(
        new ScripError(
          'bad-state',
          'A dm+d release is being imported already.',
          undefined,
          'Wait for it to finish; progress is shown as it goes.',
        ),
      );
    this.#importing = this.#import(zipPath).finally(() => {
      this.#importing = null;
    });
    return this.#importing;
  }

  async #import(zipPath: string): Promise<ImportSummary> {
    const staging = `${this.#path}.importing`;
    rmSync(staging, { force: true });
    const events = this.#opts.events;
    events?.emit('medicines.import', { phase: 'start', file: null, records: 0, zip: zipPath });
    let summary: ImportSummary;
    try {
      summary = await new Promise<ImportSummary>((resolve, reject) => {
        const w = startImportWorker({ dbPath: staging, zipPath });
        this.#worker = w;
        let settled = false;
        w.on('message', (m: ImportWorkerMessage) => {
          if (m.type === 'progress')
            events?.emit('medicines.import', {
              phase: m.phase === 'done' ? 'index' : m.phase,
              file: m.file ?? null,
              records: m.records,
              zip: zipPath,
            });
          else if (m.type === 'done') {
            settled = true;
            resolve(m.summary);
          } else {
            settled = true;
            const code = (m.error.code in errorCatalogue ? m.error.code : 'internal') as ErrorCode;
            reject(new ScripError(code, m.error.message, m.error.details, m.error.action));
          }
        });
        w.on('error', (e) => {
          if (!settled) {
            settled = true;
            reject(new ScripError('internal', `The dm+d import stopped: ${e.message}`));
          }
        });
        w.on('exit', (code) => {
          if (!settled) {
            settled = true;
            reject(new ScripError('internal', `The dm+d import stopped (exit ${code}).`));
          }
        });
      });
    } catch (e) {
      this.#worker = null;
      rmSync(staging, { force: true });
      rmSync(`${staging}-wal`, { force: true });
      rmSync(`${staging}-shm`, { force: true });
      events?.emit('medicines.import', {
        phase: 'failed',
        file: null,
        records: 0,
        zip: zipPath,
        error: e instanceof Error ? e.message : String(e),
      });
      throw e;
    }
    this.#worker = null;
    const old = this.#index;
    this.#index = null;
    (await old)?.close();
    renameSync(staging, this.#path);
    rmSync(`${this.#path}-wal`, { force: true });
    rmSync(`${this.#path}-shm`, { force: true });
    events?.emit('medicines.import', {
      phase: 'done',
      file: null,
      records: summary.counts.medicine ?? 0,
      zip: zipPath,
    });
    return summary;
  }

  async dispose(): Promise<void> {
    // An import in progress is abandoned; the previous release stays as it was.
    await this.#worker?.terminate();
    await this.#importing?.catch(() => undefined); // only waiting: the import's failure went to its caller
    (await this.#index)?.close();
  }
}
