// API keys for local programs. A key is shown once; the database keeps only HMAC-SHA-256 of its
// secret under a 256-bit key held in the OS keychain (signing-key.ts), so a copied database alone
// cannot be used to check guessed keys. Rows from before that (plain SHA-256) are upgraded the next
// time their key is used successfully (docs/decisions/0003-api-key-hashes.md).
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { migrate, type Db } from '../store/database';
import { scopes as allScopes, type Scope } from './scopes';
import { ScripError } from '../errors';
import type { Keychain } from '../../native/keychain/keychain';
import { ApiKeySigningKey } from './signing-key';

interface ApiKeyInfo {
  id: string;
  name: string;
  scopes: Scope[];
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

interface ApiKeyStoreOptions {
  /** The OS keychain (unit tests pass an in-memory one). Asked lazily: only creating or checking a key needs it. */
  keychain: () => Keychain;
  /** This data directory's entry in the keychain. */
  account: string;
  /** Where the keychain keeps it, in words ("the OS keychain", "the file …"): said by diagnostics and errors. */
  where?: string;
}

const KEY_PATTERN = /^scrip_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
const HMAC = 'hmac-sha256';
const LEGACY = 'sha256';

function hmacSecret(key: Buffer, secret: string): Buffer {
  return createHmac('sha256', key).update(secret).digest();
}
function sha256Secret(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

// Recording "last used" on every call would cost a synced write per request; once a minute is
// precise enough for "who has used my keys".
const LAST_USED_RESOLUTION_MS = 60_000;

export class ApiKeyStore {
  readonly #db: Db;
  readonly #signing: ApiKeySigningKey;
  readonly #lastWritten = new Map<string, number>();
  constructor(db: Db, opts: ApiKeyStoreOptions) {
    this.#db = db;
    this.#signing = new ApiKeySigningKey(db, opts.keychain, opts.account, opts.where);
    migrate(db, [
      {
        id: 'api-keys-1',
        sql: `CREATE TABLE api_keys (id TEXT PRIMARY KEY, name TEXT NOT NULL, scopes TEXT NOT NULL, secret_hash BLOB NOT NULL,
              created_at TEXT NOT NULL, last_used_at TEXT, revoked_at TEXT)`,
      },
      {
        // Rows before this are plain SHA-256; signing_key_id says which keychain secret signed an HMAC row.
        id: 'api-keys-2-hmac',
        sql: `ALTER TABLE api_keys ADD COLUMN hash_kind TEXT NOT NULL DEFAULT '${LEGACY}';
            ALTER TABLE api_keys ADD COLUMN signing_key_id TEXT;`,
      },
    ]);
  }

  /** Creates a key; the returned `key` is the only time the secret exists outside the caller's hands. */
  create(name: string, scopes: Scope[]): { key: string; info: ApiKeyInfo } {
    const unknown = scopes.filter((s) => !allScopes.includes(s));
    if (unknown.length)
      throw new ScripError(
        'invalid-input',
        `Unknown scopes: ${unknown.join(', ')}.`,
        undefined,
        `Use some of: ${allScopes.join(', ')}.`,
      );
    const signing = this.#signing.get(); // no keychain: refuse before anything is written
    const id = randomBytes(8).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const createdAt = new Date().toISOString();
    const unique = [...new Set(scopes)];
    this.#db
      .prepare(
        'INSERT INTO api_keys (id, name, scopes, secret_hash, hash_kind, signing_key_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(id, name, unique.join(' '), hmacSecret(signing.key, secret), HMAC, signing.id, createdAt);
    return {
      key: `scrip_${id}_${secret}`,
      info: { id, name, scopes: unique, createdAt, lastUsedAt: null, revokedAt: null },
    };
  }

  /**
   * The key's record if the key is well-formed, known, matches and is not revoked; else null.
   * Throws `no-keychain` when the key can only be checked with the keychain's secret and there is
   * no keychain, and `unauthenticated` (with the reason) for a key signed by a secret since lost.
   */
  authenticate(key: string): ApiKeyInfo | null {
    const m = KEY_PATTERN.exec(key);
    if (!m) return null;
    const id = m[1]!,
      secret = m[2]!;
    const row = this.#db.prepare('SELECT * FROM api_keys WHERE id = ?').get(id) as Record<string, unknown> | undefined;
    if (!row || row.revoked_at) return null;
    if (row.hash_kind === HMAC) {
      const signing = this.#signing.get();
      if (row.signing_key_id !== signing.id) {
        throw new ScripError(
          'unauthenticated',
          `The API key "${String(row.name)}" was made under a secret the OS keychain no longer holds (the keychain was reset, or this data directory came from elsewhere).`,
          undefined,
          'Revoke it and create a new key with "scrip api-key create".',
        );
      }
      if (!timingSafeEqual(row.secret_hash as Buffer, hmacSecret(signing.key, secret))) return null;
    } else {
      if (!timingSafeEqual(row.secret_hash as Buffer, sha256Secret(secret))) return null;
      this.#upgrade(id, secret);
    }
    const now = Date.now();
    if (now - (this.#lastWritten.get(id) ?? 0) < LAST_USED_RESOLUTION_MS) return toInfo(row);
    this.#lastWritten.set(id, now);
    const at = new Date(now).toISOString();
    this.#db.prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ?').run(at, id);
    return { ...toInfo(row), lastUsedAt: at };
  }

  /** Reads the signing secret off the event loop, so the first key check does not wait on the keychain (agent start). */
  warm(): Promise<void> {
    return this.#signing.warm();
  }

  /** Resolves when the keychain's first read (agent start) has answered, or after a bounded wait. */
  keychainAnswered(maxMs?: number): Promise<void> {
    return this.#signing.firstAnswer(maxMs);
  }

  /** Whether the keychain holding the signing secret answers (diagnostics; creates nothing). */
  keychainStatus(): { available: boolean; created: boolean; detail: string } {
    return this.#signing.status();
  }

  /** How many keys are still stored as plain SHA-256 (for diagnostics). */
  legacyCount(): number {
    return this.#db
      .prepare('SELECT COUNT(*) FROM api_keys WHERE hash_kind = ? AND revoked_at IS NULL')
      .pluck()
      .get(LEGACY) as number;
  }

  list(): ApiKeyInfo[] {
    return (this.#db.prepare('SELECT * FROM api_keys ORDER BY created_at').all() as Array<Record<string, unknown>>).map(
      toInfo,
    );
  }

  revoke(id: string): ApiKeyInfo | null {
    this.#db
      .prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL')
      .run(new Date().toISOString(), id);
    const row = this.#db.prepare('SELECT * FROM api_keys WHERE id = ?').get(id) as Record<string, unknown> | undefined;
    return row ? toInfo(row) : null;
  }

  /** A legacy row whose secret was just shown to be right is re-hashed under the keychain secret, if there is one. */
  #upgrade(id: string, secret: string): void {
    const signing = this.#signing.tryGet();
    if (!signing) return; // no keychain now: the key keeps working as before and is upgraded later
    this.#db
      .prepare('UPDATE api_keys SET secret_hash = ?, hash_kind = ?, signing_key_id = ? WHERE id = ? AND hash_kind = ?')
      .run(hmacSecret(signing.key, secret), HMAC, signing.id, id, LEGACY);
  }
}

function toInfo(r: Record<string, unknown>): ApiKeyInfo {
  return {
    id: String(r.id),
    name: String(r.name),
    scopes: String(r.scopes).split(' ').filter(Boolean) as Scope[],
    createdAt: String(r.created_at),
    lastUsedAt: (r.last_used_at as string | null) ?? null,
    revokedAt: (r.revoked_at as string | null) ?? null,
  };
}
