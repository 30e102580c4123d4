// Append-only audit log: every action that changes something is one entry. Two chains guard it
// (decision 0012):
// - `hash`: SHA-256 over the entry and the previous entry's hash. Anyone can recompute it, so alone it
//   only catches careless edits.
// - `mac`: HMAC-SHA-256 under the audit key (kept in the key store, never in the database) over the
//   entry's sequence number, its hash and the previous entry's MAC. Without the key nobody can
//   re-chain after deleting or changing an entry.
// The head (last sealed sequence number and MAC, itself MACed) is anchored in a 0600 file beside the
// database, so cutting entries off the end is caught too. Sequence numbers have no gaps.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { migrate, type Db } from './database';
import type { AuditKey } from './audit-key';

interface AuditEntry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  detail: Record<string, unknown>;
  prevHash: string;
  hash: string;
  /** The entry's seal; null while it waits for the key store (sealed with the next entry that has it). */
  mac: string | null;
}

/** What went wrong, for the first bad entry. */
type AuditFaultKind =
  | 'gap' // sequence numbers jump: entries were deleted
  | 'broken-link' // the entry does not follow the one before it (missing or changed predecessor)
  | 'changed' // the entry's own content does not match its hash
  | 'bad-seal' // the MAC does not match: changed, re-chained or inserted without the key
  | 'unsealed-after-sealed' // a seal was removed (sealing always runs in order)
  | 'truncated' // the anchored head is past the end of the log: entries were cut off the end
  | 'head-replaced' // the entry the anchor names carries another seal: the log was re-chained
  | 'anchor-missing' // sealed entries but no anchor file
  | 'anchor-forged'; // the anchor file's own MAC is wrong (edited, or copied from elsewhere)

interface AuditFault {
  seq: number;
  kind: AuditFaultKind;
  message: string;
}

interface AuditVerification {
  ok: boolean;
  entries: number;
  sealed: number;
  unsealed: number;
  /** Whether the seals and the anchor could be checked; when not, why. */
  seals: 'checked' | 'not-checked' | 'not-keyed';
  note?: string;
  fault?: AuditFault;
  /** Kept for older callers: the fault's seq and message. */
  brokenAt?: number;
  reason?: string;
}

interface AuditKeying {
  key: AuditKey;
  /** The head anchor: a 0600 file outside the database (`<data dir>/audit-head.json`). */
  anchorPath: string;
}

interface Anchor {
  seq: number;
  mac: string;
  tag: string;
}

const GENESIS = '0'.repeat(64);

function entryHash(prevHash: string, at: string, actor: string, action: string, detailJson: string): string {
  return createHash('sha256')
    .update(JSON.stringify([prevHash, at, actor, action, detailJson]))
    .digest('hex');
}

function entryMac(key: Buffer, seq: number, hash: string, prevMac: string): string {
  return createHmac('sha256', key)
    .update(JSON.stringify(['scrip-audit-1', seq, hash, prevMac]))
    .digest('hex');
}

function anchorTag(key: Buffer, seq: number, mac: string): string {
  return createHmac('sha256', key)
    .update(JSON.stringify(['scrip-audit-head-1', seq, mac]))
    .digest('hex');
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a),
    y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class AuditLog {
  readonly #db: Db;
  readonly #keying: AuditKeying | null;

  constructor(db: Db, keying?: AuditKeying) {
    this.#db = db;
    this.#keying = keying ?? null;
    migrate(db, [
      {
        id: 'audit-1',
        sql: `CREATE TABLE audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, actor TEXT NOT NULL,
              action TEXT NOT NULL, detail TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
            CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
            CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;`,
      },
      {
        // The seal. Old entries have none until the key is first had; then they are sealed in order
        // (an `audit.sealed` entry says which). The one change an entry may ever see: NULL → its seal.
        id: 'audit-2-mac',
        sql: `ALTER TABLE audit ADD COLUMN mac TEXT;
            DROP TRIGGER audit_no_update;
            CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
              WHEN OLD.mac IS NOT NULL OR NEW.mac IS NULL OR NEW.seq IS NOT OLD.seq OR NEW.at IS NOT OLD.at
                OR NEW.actor IS NOT OLD.actor OR NEW.action IS NOT OLD.action OR NEW.detail IS NOT OLD.detail
                OR NEW.prev_hash IS NOT OLD.prev_hash OR NEW.hash IS NOT OLD.hash
              BEGIN SELECT RAISE(ABORT, 'audit log is append-only (an entry may only be sealed once)'); END;
            CREATE INDEX audit_unsealed ON audit (seq) WHERE mac IS NULL;`,
      },
    ]);
  }

  /** Reads the key off the event loop (agent start), so the first entry need not wait on the key store. */
  warm(): Promise<void> {
    return this.#keying?.key.warm() ?? Promise.resolve();
  }

  append(actor: string, action: string, detail: Record<string, unknown> = {}): AuditEntry {
    // IMMEDIATE: the agent and an in-process CLI share the database; the write lock orders their
    // entries, their seals and the anchor, and keeps two of them from creating two keys.
    return this.#db
      .transaction(() => {
        // Seal only on top of the anchored head: were the log cut or re-chained, sealing now would
        // vouch for the damage and move the anchor past it. Then entries stay unsealed, and verify
        // keeps naming the fault.
        const had = this.#key();
        const key = had && this.#headIsAnchored(had) ? had : null;
        if (key) this.#sealPending(key);
        const entry = this.#insert(actor, action, detail, key);
        if (key && entry.mac) this.#writeAnchor(key, entry.seq, entry.mac);
        return entry;
      })
      .immediate();
  }

  list(opts: { sinceSeq?: number; limit?: number; action?: string } = {}): AuditEntry[] {
    const rows = this.#db
      .prepare(`SELECT * FROM audit WHERE seq > ? ${opts.action ? 'AND action = ?' : ''} ORDER BY seq DESC LIMIT ?`)
      .all(...[opts.sinceSeq ?? 0, ...(opts.action ? [opts.action] : []), opts.limit ?? 100]) as Array<
      Record<string, unknown>
    >;
    return rows.map(rowToEntry);
  }

  /** Walks the whole log; names the first bad entry and the kind of fault. */
  verify(): AuditVerification {
    const key = this.#keying ? this.#keying.key.tryGet(!this.#hasSealed()) : null;
    let prevHash = GENESIS;
    let prevMac = GENESIS;
    let expect = 1;
    let n = 0,
      sealed = 0,
      unsealed = 0;
    let lastSeq = 0;
    let lastSealed: { seq: number; mac: string } | null = null;
    const done = (fault?: AuditFault): AuditVerification => {
      const seals: AuditVerification['seals'] = !this.#keying ? 'not-keyed' : key ? 'checked' : 'not-checked';
      const notes = [
        ...(seals === 'not-checked'
          ? [`the seals and the anchored head were not checked: ${this.#keying!.key.explain()}`]
          : []),
        ...(unsealed && !fault && seals !== 'not-keyed'
          ? [
              `${unsealed} entr${unsealed === 1 ? 'y is' : 'ies are'} not sealed yet; they are sealed with the next entry written once the audit key can be read`,
            ]
          : []),
      ];
      return {
        ok: !fault,
        entries: n,
        sealed,
        unsealed,
        seals,
        ...(notes.length ? { note: notes.join('; ') } : {}),
        ...(fault ? { fault, brokenAt: fault.seq, reason: fault.message } : {}),
      };
    };
    for (const r of this.#db.prepare('SELECT * FROM audit ORDER BY seq').iterate() as Iterable<
      Record<string, unknown>
    >) {
      const e = rowToEntry(r);
      n++;
      if (e.seq !== expect) {
        return done({
          seq: e.seq,
          kind: 'gap',
          message: `entr${e.seq - expect === 1 ? 'y' : 'ies'} ${expect}${e.seq - expect > 1 ? `–${e.seq - 1}` : ''} before this one ${e.seq - expect === 1 ? 'is' : 'are'} missing (the sequence jumps from ${expect - 1} to ${e.seq})`,
        });
      }
      if (e.prevHash !== prevHash)
        return done({
          seq: e.seq,
          kind: 'broken-link',
          message: 'this entry does not follow the one before it: an entry before it is missing or changed',
        });
      if (entryHash(e.prevHash, e.at, e.actor, e.action, String(r.detail)) !== e.hash)
        return done({ seq: e.seq, kind: 'changed', message: 'this entry was changed after it was written' });
      if (e.mac) {
        if (unsealed)
          return done({
            seq: e.seq,
            kind: 'unsealed-after-sealed',
            message: 'this entry is sealed but an earlier one is not: a seal was removed',
          });
        if (key && !same(entryMac(key, e.seq, e.hash, prevMac), e.mac)) {
          return done({
            seq: e.seq,
            kind: 'bad-seal',
            message:
              "this entry's seal does not match: it was changed, inserted or re-chained by someone without the audit key",
          });
        }
        sealed++;
        prevMac = e.mac;
        lastSealed = { seq: e.seq, mac: e.mac };
      } else {
        unsealed++;
      }
      prevHash = e.hash;
      lastSeq = e.seq;
      expect = e.seq + 1;
    }
    if (!this.#keying || !key) return done();
    const anchor = this.#readAnchor();
    if (!anchor) {
      return lastSealed
        ? done({
            seq: lastSealed.seq,
            kind: 'anchor-missing',
            message: `the log is sealed up to this entry but its anchored head (${this.#keying.anchorPath}) is missing: entries after the anchored head cannot be vouched for`,
          })
        : done();
    }
    if (anchor === 'unreadable' || !same(anchorTag(key, anchor.seq, anchor.mac), anchor.tag)) {
      return done({
        seq: lastSealed?.seq ?? 0,
        kind: 'anchor-forged',
        message: `the anchored head (${this.#keying.anchorPath}) was not written by Scrip with this log's key`,
      });
    }
    if (anchor.seq > lastSeq) {
      return done({
        seq: lastSeq + 1,
        kind: 'truncated',
        message: `the log ends at entry ${lastSeq} but its anchored head is entry ${anchor.seq}: entr${anchor.seq - lastSeq === 1 ? 'y' : 'ies'} ${lastSeq + 1}${anchor.seq > lastSeq + 1 ? `–${anchor.seq}` : ''} ${anchor.seq - lastSeq === 1 ? 'was' : 'were'} cut off the end`,
      });
    }
    if (!lastSealed || anchor.seq !== lastSealed.seq || !same(anchor.mac, lastSealed.mac)) {
      return done({
        seq: anchor.seq,
        kind: 'head-replaced',
        message: `the anchored head is entry ${anchor.seq}, but the log's last sealed entry is ${lastSealed ? `${lastSealed.seq} with another seal` : 'none'}: the log was re-chained or rolled back`,
      });
    }
    return done();
  }

  #hasSealed(): boolean {
    return this.#db.prepare('SELECT 1 FROM audit WHERE mac IS NOT NULL LIMIT 1').get() !== undefined;
  }

  #key(): Buffer | null {
    return this.#keying ? this.#keying.key.tryGet(!this.#hasSealed()) : null;
  }

  /** The anchor names the last sealed entry (or there is neither yet: a new or never-keyed log). */
  #headIsAnchored(key: Buffer): boolean {
    const lastSealed = this.#db
      .prepare('SELECT seq, mac FROM audit WHERE mac IS NOT NULL ORDER BY seq DESC LIMIT 1')
      .get() as { seq: number; mac: string } | undefined;
    const anchor = this.#readAnchor();
    if (anchor === null) return lastSealed === undefined;
    if (anchor === 'unreadable' || !lastSealed) return false;
    return (
      same(anchorTag(key, anchor.seq, anchor.mac), anchor.tag) &&
      anchor.seq === lastSealed.seq &&
      same(anchor.mac, lastSealed.mac)
    );
  }

  #last(): { seq: number; hash: string; mac: string | null } | undefined {
    return this.#db.prepare('SELECT seq, hash, mac FROM audit ORDER BY seq DESC LIMIT 1').get() as
      { seq: number; hash: string; mac: string | null } | undefined;
  }

  #insert(actor: string, action: string, detail: Record<string, unknown>, key: Buffer | null): AuditEntry {
    const last = this.#last();
    const prevHash = last?.hash ?? GENESIS;
    const at = new Date().toISOString();
    const detailJson = JSON.stringify(detail);
    const hash = entryHash(prevHash, at, actor, action, detailJson);
    // Never reuse a number: after a cut tail the next entry leaves a gap that verify names.
    const seq = Math.max(last?.seq ?? 0, this.#highestEver()) + 1;
    // The previous entry is sealed here whenever a key is had (#sealPending ran first).
    const mac = key ? entryMac(key, seq, hash, last?.mac ?? GENESIS) : null;
    this.#db
      .prepare(
        'INSERT INTO audit (seq, at, actor, action, detail, prev_hash, hash, mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(seq, at, actor, action, detailJson, prevHash, hash, mac);
    return { seq, at, actor, action, detail, prevHash, hash, mac };
  }

  /** AUTOINCREMENT's high-water mark: a log emptied by hand does not restart at 1 unnoticed. */
  #highestEver(): number {
    const v = this.#db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'audit'").pluck().get() as
      number | undefined;
    return v ?? 0;
  }

  /**
   * Seals, in order, the entries that have no seal yet: the old unkeyed log on the first run with a
   * key (the migration), or entries written while the key store did not answer. An `audit.sealed`
   * entry records the range and why. Sealing vouches only for what the entries hold now; their
   * unkeyed chain is still checked by verify, so an earlier break is not hidden.
   */
  #sealPending(key: Buffer): void {
    const pending = this.#db.prepare('SELECT seq, hash FROM audit WHERE mac IS NULL ORDER BY seq').all() as Array<{
      seq: number;
      hash: string;
    }>;
    if (!pending.length) return;
    const before = this.#db
      .prepare('SELECT mac FROM audit WHERE seq < ? AND mac IS NOT NULL ORDER BY seq DESC LIMIT 1')
      .pluck()
      .get(pending[0]!.seq) as string | undefined;
    const firstKeying = before === undefined;
    let prevMac = before ?? GENESIS;
    const seal = this.#db.prepare('UPDATE audit SET mac = ? WHERE seq = ?');
    for (const p of pending) {
      prevMac = entryMac(key, p.seq, p.hash, prevMac);
      seal.run(prevMac, p.seq);
    }
    this.#insert(
      'Scrip',
      'audit.sealed',
      {
        from: pending[0]!.seq,
        to: pending[pending.length - 1]!.seq,
        why: firstKeying ? 'written before the audit log was keyed' : 'written while the key store did not answer',
      },
      key,
    );
  }

  #writeAnchor(key: Buffer, seq: number, mac: string): void {
    const path = this.#keying!.anchorPath;
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ seq, mac, tag: anchorTag(key, seq, mac) }) + '\n', { mode: 0o600 });
    renameSync(tmp, path);
  }

  #readAnchor(): Anchor | 'unreadable' | null {
    let text: string;
    try {
      text = readFileSync(this.#keying!.anchorPath, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      return 'unreadable';
    }
    try {
      const a = JSON.parse(text) as Partial<Anchor>;
      return typeof a.seq === 'number' && typeof a.mac === 'string' && typeof a.tag === 'string'
        ? { seq: a.seq, mac: a.mac, tag: a.tag }
        : 'unreadable';
    } catch {
      return 'unreadable';
    }
  }
}

function rowToEntry(r: Record<string, unknown>): AuditEntry {
  return {
    seq: Number(r.seq),
    at: String(r.at),
    actor: String(r.actor),
    action: String(r.action),
    detail: JSON.parse(String(r.detail)) as Record<string, unknown>,
    prevHash: String(r.prev_hash),
    hash: String(r.hash),
    mac: r.mac == null ? null : String(r.mac),
  };
}
