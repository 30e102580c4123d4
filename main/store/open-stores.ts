// The stores the CLI opens in its own process (no services, no hardware): the database, the audit
// log and the API keys. Kept apart from the composition root so the CLI loads only these.
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { openDatabase, type Db } from './database';
import { AuditLog } from './audit';
import { AuditKey } from './audit-key';
import { ApiKeyStore } from '../api/api-keys';
import { keyStoreFor, type Keychain, type KeyStore } from '../../native/keychain/keychain';

export function databasePath(dataDir: string): string {
  return join(dataDir, 'scrip.db');
}

/** The audit log's anchored head: its last sealed entry, outside the database. */
export function auditAnchorPath(dataDir: string): string {
  return join(dataDir, 'audit-head.json');
}

/** Opens the database and the services that need no running hardware (CLI in-process use). */
export function openStores(
  dataDir: string,
  keys?: (() => Keychain) | KeyStore,
): { db: Db; audit: AuditLog; apiKeys: ApiKeyStore } {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const db = openDatabase(databasePath(dataDir));
  // The OS keychain, or the file store when SCRIP_KEYCHAIN=file asks for it by name (keyStoreFor).
  const keychain = typeof keys === 'function' ? keys : undefined;
  const store = keychain ? null : typeof keys === 'object' ? keys : keyStoreFor(dataDir);
  const open = keychain ?? (() => store!.open());
  // One keychain entry per data directory and purpose, as each has its own database.
  // The audit log is sealed under its own key, its head anchored beside the database (decision 0012).
  const audit = new AuditLog(db, {
    key: new AuditKey(open, `audit-key:${dataDir}`, store?.where),
    anchorPath: auditAnchorPath(dataDir),
  });
  return {
    db,
    audit,
    apiKeys: new ApiKeyStore(db, {
      keychain: open,
      account: `api-key-secret:${dataDir}`,
      ...(store ? { where: store.where } : {}),
    }),
  };
}
