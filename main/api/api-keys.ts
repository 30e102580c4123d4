// API keys for local programs. A key is shown once; the database keeps only a SHA-256 hash of its
// secret (the secret is 256 random bits, so a plain hash cannot be brute-forced).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { migrate, type Db } from '../store/database';
import { scopes as allScopes, type Scope } from '../commands/registry';

export interface ApiKeyInfo {
  id: string;
  name: string;
  scopes: Scope[];
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

const KEY_PATTERN = /^scrip_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

// Recording "last used" on every call would cost a synced write per request; once a minute is
// precise enough for "who has used my keys".
const LAST_USED_RESOLUTION_MS = 60_000;

export class ApiKeyStore {
  readonly #db: Db;
  readonly #lastWritten = new Map<string, number>();
  constructor(db: Db) {
    this.#db = db;
    migrate(db, [{
      id: 'api-keys-1',
      sql: `CREATE TABLE api_keys (id TEXT PRIMARY KEY, name TEXT NOT NULL, scopes TEXT NOT NULL, secret_hash BLOB NOT NULL,
              created_at TEXT NOT NULL, last_used_at TEXT, revoked_at TEXT)`,
    }]);
  }

  /** Creates a key; the returned `key` is the only time the secret exists outside the caller's hands. */
  create(name: string, scopes: Scope[]): { key: string; info: ApiKeyInfo } {
    const unknown = scopes.filter((s) => !allScopes.includes(s));
    if (unknown.length) throw new Error(`unknown scopes: ${unknown.join(', ')}`);
    const id = randomBytes(8).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const createdAt = new Date().toISOString();
    const unique = [...new Set(scopes)];
    this.#db.prepare('INSERT INTO api_keys (id, name, scopes, secret_hash, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(id, name, unique.join(' '), hashSecret(secret), createdAt);
    return { key: `scrip_${id}_${secret}`, info: { id, name, scopes: unique, createdAt, lastUsedAt: null, revokedAt: null } };
  }

  /** The key's record if the key is well-formed, known, matches and is not revoked; else null. */
  authenticate(key: string): ApiKeyInfo | null {
    const m = KEY_PATTERN.exec(key);
    if (!m) return null;
    const row = this.#db.prepare('SELECT * FROM api_keys WHERE id = ?').get(m[1]) as Record<string, unknown> | undefined;
    if (!row || row.revoked_at) return null;
    if (!timingSafeEqual(row.secret_hash as Buffer, hashSecret(m[2]!))) return null;
    const now = Date.now();
    if (now - (this.#lastWritten.get(m[1]!) ?? 0) < LAST_USED_RESOLUTION_MS) return toInfo(row);
    this.#lastWritten.set(m[1]!, now);
    const at = new Date(now).toISOString();
    this.#db.prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ?').run(at, m[1]);
    return { ...toInfo(row), lastUsedAt: at };
  }

  list(): ApiKeyInfo[] {
    return (this.#db.prepare('SELECT * FROM api_keys ORDER BY created_at').all() as Array<Record<string, unknown>>).map(toInfo);
  }

  revoke(id: string): ApiKeyInfo | null {
    const res = this.#db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(new Date().toISOString(), id);
    const row = this.#db.prepare('SELECT * FROM api_keys WHERE id = ?').get(id) as Record<string, unknown> | undefined;
    return res.changes || row ? (row ? toInfo(row) : null) : null;
  }
}

function toInfo(r: Record<string, unknown>): ApiKeyInfo {
  return {
    id: String(r.id), name: String(r.name), scopes: String(r.scopes).split(' ').filter(Boolean) as Scope[],
    createdAt: String(r.created_at), lastUsedAt: (r.last_used_at as string | null) ?? null, revokedAt: (r.revoked_at as string | null) ?? null,
  };
}
