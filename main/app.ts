// The composition root: builds the services every surface shares. Electron, `scrip agent` and
// browser mode all start here; only what differs (window vs. loopback page) lives elsewhere.
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { EventBus } from './events';
import { openDatabase, type Db } from './store/database';
import { AuditLog } from './store/audit';
import { ApiKeyStore } from './api/api-keys';
import { ReaderService } from './card/reader-service';
import { PcscReaderWatch, type ReaderWatch } from '../native/pcsc/reader-watch';
import { createRegistry } from './commands';
import type { Registry } from './commands/registry';
import type { Services } from './services';
import { appVersion, defaultDataDir } from './config';

export interface AppOptions {
  dataDir?: string;
  /** A reader source other than pcscd (unit tests). */
  readerWatch?: ReaderWatch;
}

export interface App {
  services: Services;
  registry: Registry;
  db: Db;
  close(): Promise<void>;
}

export function databasePath(dataDir: string): string {
  return join(dataDir, 'scrip.db');
}

/** Opens the database and the services that need no running hardware (CLI in-process use). */
export function openStores(dataDir: string): { db: Db; audit: AuditLog; apiKeys: ApiKeyStore } {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const db = openDatabase(databasePath(dataDir));
  return { db, audit: new AuditLog(db), apiKeys: new ApiKeyStore(db) };
}

export async function createApp(opts: AppOptions = {}): Promise<App> {
  const dataDir = opts.dataDir ?? defaultDataDir();
  const { db, audit, apiKeys } = openStores(dataDir);
  const events = new EventBus();
  const readers = new ReaderService(opts.readerWatch ?? new PcscReaderWatch(), events);
  const services: Services = { config: { dataDir, version: appVersion }, events, readers, apiKeys, audit };
  readers.start();
  return {
    services,
    registry: createRegistry(),
    db,
    async close() {
      readers.stop();
      db.close();
    },
  };
}
