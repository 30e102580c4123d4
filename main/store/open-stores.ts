// The stores the CLI opens in its own process (no services, no hardware): the database, the audit
// log and the API keys. Kept apart from the composition root so the CLI loads only these.
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { openDatabase, type Db } from './database';
import { AuditLog } from './audit';
import { ApiKeyStore } from '../api/api-keys';
import { keyStoreFor, type Keychain, type KeyStore } from '../../native/keychain/keychain';

export function databasePath(dataDir: string): string {
  return join(dataDir, 'scrip.db');
}

/** Opens the database and the services that need no running hardware (CLI in-process use). */
export function openStores(dataDir: string, keys?: (() => Keychain) | KeyStore): { db: Db; audit: AuditLog; apiKeys: ApiKeyStore } {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const db = openDatabase(databasePath(dataDir));
  // The OS keychain, or the file store when SCRIP_KEYCHAIN=file asks for it by name (keyStoreFor).
  const keychain = typeof keys === 'function' ? keys : undefined;
  const store = keychain ? null : typeof keys === 'object' ? keys : keyStoreFor(dataDir);
  // One keychain entry per data directory, as each has its own database of keys.
  return { db, audit: new AuditLog(db), apiKeys: new ApiKeyStore(db, {
    keychain: keychain ?? (() => store!.open()), account: `api-key-secret:${dataDir}`, ...(store ? { where: store.where } : {}),
  }) };
}
