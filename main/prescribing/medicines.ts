// Medicines for the pad: the imported dm+d release when there is one, else the small bundled subset
// built from the public EPS examples (labelled as such in releaseInfo).
import { existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { MedicineIndex } from './dmd/search';
import { openBundledSubset } from './dmd/subset';
import { importDmdRelease, type ImportSummary } from './dmd/import';

export class MedicinesService {
  readonly #path: string;
  #index: Promise<MedicineIndex> | null = null;

  constructor(dataDir: string) { this.#path = join(dataDir, 'dmd.sqlite'); }

  index(): Promise<MedicineIndex> {
    this.#index ??= existsSync(this.#path) ? Promise.resolve(new MedicineIndex(this.#path)) : openBundledSubset();
    return this.#index;
  }

  /** Imports a dm+d release zip into a new database, then switches to it; the old one serves until then. */
  async import(zipPath: string): Promise<ImportSummary> {
    const staging = `${this.#path}.importing`;
    rmSync(staging, { force: true });
    const summary = await importDmdRelease(staging, zipPath);
    const old = this.#index;
    this.#index = null;
    (await old)?.close();
    renameSync(staging, this.#path);
    rmSync(`${this.#path}-wal`, { force: true });
    rmSync(`${this.#path}-shm`, { force: true });
    return summary;
  }

  async close(): Promise<void> { (await this.#index)?.close(); }
}
