// Append-only audit log: every action that changes something is one entry, and each entry's hash
// covers the previous entry's hash, so a deleted or edited entry breaks the chain (`scrip audit verify`).
import { createHash } from 'node:crypto';
import { migrate, type Db } from './database';

export interface AuditEntry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  detail: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

const GENESIS = '0'.repeat(64);

function entryHash(prevHash: string, at: string, actor: string, action: string, detailJson: string): string {
  return createHash('sha256').update(JSON.stringify([prevHash, at, actor, action, detailJson])).digest('hex');
}

export class AuditLog {
  readonly #db: Db;
  constructor(db: Db) {
    this.#db = db;
    migrate(db, [{
      id: 'audit-1',
      sql: `CREATE TABLE audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, actor TEXT NOT NULL,
              action TEXT NOT NULL, detail TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
            CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
            CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;`,
    }]);
  }

  append(actor: string, action: string, detail: Record<string, unknown> = {}): AuditEntry {
    return this.#db.transaction(() => {
      const last = this.#db.prepare('SELECT hash FROM audit ORDER BY seq DESC LIMIT 1').pluck().get() as string | undefined;
      const prevHash = last ?? GENESIS;
      const at = new Date().toISOString();
      const detailJson = JSON.stringify(detail);
      const hash = entryHash(prevHash, at, actor, action, detailJson);
      const info = this.#db.prepare('INSERT INTO audit (at, actor, action, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?)')
        .run(at, actor, action, detailJson, prevHash, hash);
      return { seq: Number(info.lastInsertRowid), at, actor, action, detail, prevHash, hash };
    })();
  }

  list(opts: { sinceSeq?: number; limit?: number; action?: string } = {}): AuditEntry[] {
    const rows = this.#db.prepare(`SELECT * FROM audit WHERE seq > ? ${opts.action ? 'AND action = ?' : ''} ORDER BY seq DESC LIMIT ?`)
      .all(...[opts.sinceSeq ?? 0, ...(opts.action ? [opts.action] : []), opts.limit ?? 100]) as Array<Record<string, unknown>>;
    return rows.map(rowToEntry);
  }

  /** Walks the whole chain; returns the first broken entry, if any. */
  verify(): { ok: boolean; entries: number; brokenAt?: number; reason?: string } {
    let prev = GENESIS;
    let n = 0;
    for (const r of this.#db.prepare('SELECT * FROM audit ORDER BY seq').iterate() as Iterable<Record<string, unknown>>) {
      const e = rowToEntry(r);
      n++;
      if (e.prevHash !== prev) return { ok: false, entries: n, brokenAt: e.seq, reason: 'an entry before this one is missing or changed' };
      if (entryHash(e.prevHash, e.at, e.actor, e.action, String(r.detail)) !== e.hash) return { ok: false, entries: n, brokenAt: e.seq, reason: 'this entry was changed' };
      prev = e.hash;
    }
    return { ok: true, entries: n };
  }
}

function rowToEntry(r: Record<string, unknown>): AuditEntry {
  return {
    seq: Number(r.seq), at: String(r.at), actor: String(r.actor), action: String(r.action),
    detail: JSON.parse(String(r.detail)) as Record<string, unknown>, prevHash: String(r.prev_hash), hash: String(r.hash),
  };
}
