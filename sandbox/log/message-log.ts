// Every request to the sandbox and its answer, with secrets redacted (log/redact.ts), for
// suppliers' evidence. Bounded: each body is stored up to STORED_BODY_CHARS, the oldest exchanges
// go once the log passes its size or age (LogRetention), and a page read back is bounded in bytes
// and built row by row from an iterator, never from the whole table.
import type { Statement } from 'better-sqlite3';
import type { SandboxDb } from '../store/db';
import { migrateSandbox } from '../store/db';
import { redact, redactBody, redactPath } from './redact';
import type { LoggedExchange } from '../../protocols/message-log/exchange';

export { redact, redactBody, redactPath } from './redact';

export interface LogRetention {
  /** Exchanges older than this (real time, not the sandbox clock) are deleted. */
  maxAgeSeconds: number;
  /** Once the stored exchanges pass this many bytes, the oldest go until they are under 90% of it. */
  maxBytes: number;
}

export const DEFAULT_RETENTION: LogRetention = { maxAgeSeconds: 7 * 86_400, maxBytes: 256 * 1024 * 1024 };
/** Each request and response body is stored up to this many characters. */
export const STORED_BODY_CHARS = 64 * 1024;
/** A page of `/_log`: at most this many exchanges, this many bytes, each body up to this many characters. */
export const PAGE_LIMITS = { exchanges: 500, bytes: 1024 * 1024, bodyChars: 16 * 1024 } as const;

/** The age check runs at most this often (a query per exchange would cost more than the insert). */
const AGE_CHECK_MS = 1000;
const PRUNE_BATCH = 500;

const cap = (s: string): string =>
  s.length > STORED_BODY_CHARS ? `${s.slice(0, STORED_BODY_CHARS)}…[${s.length} bytes]` : s;

interface LogPage {
  /** The page as JSON text: `{"exchanges":[…],"last":N,"more":bool,"limits":{…}}`. */
  json: string;
  count: number;
  last: number;
  more: boolean;
}

export class MessageLog {
  readonly #db: SandboxDb;
  readonly #insert: Statement<unknown[]>;
  readonly #head: Statement<unknown[]>;
  readonly #deleteThrough: Statement<unknown[]>;
  readonly #page: Statement<unknown[]>;
  readonly #retention: LogRetention;
  readonly #now: () => number;
  #bytes: number;
  #nextAgeCheck = 0;

  constructor(db: SandboxDb, retention: LogRetention = DEFAULT_RETENTION, now: () => number = Date.now) {
    this.#db = db;
    this.#retention = retention;
    this.#now = now;
    migrateSandbox(
      db,
      'log-1',
      `CREATE TABLE message_log (seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, method TEXT NOT NULL, path TEXT NOT NULL,
      status INTEGER NOT NULL, request_id TEXT, request TEXT NOT NULL, response TEXT NOT NULL, ms REAL NOT NULL)`,
    );
    // Size and real time of logging per exchange, for retention (rows from before count from now).
    migrateSandbox(
      db,
      'log-2',
      `ALTER TABLE message_log ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE message_log ADD COLUMN logged_ms INTEGER NOT NULL DEFAULT 0;
      UPDATE message_log SET bytes = length(CAST(path AS BLOB)) + length(CAST(request AS BLOB)) + length(CAST(response AS BLOB)) + 100, logged_ms = CAST(strftime('%s', 'now') AS INTEGER) * 1000;`,
    );
    this.#insert = db.prepare(
      'INSERT INTO message_log (at, method, path, status, request_id, request, response, ms, bytes, logged_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.#head = db.prepare('SELECT seq, bytes, logged_ms FROM message_log ORDER BY seq LIMIT ?');
    this.#deleteThrough = db.prepare('DELETE FROM message_log WHERE seq <= ?');
    // Each exchange's JSON is made by SQLite, bodies cut there: a page never loads more of a body
    // than it shows, and the event loop does no per-field work (half the cost of a page in JS).
    const shown = (col: string) =>
      `CASE WHEN length(${col}) > @chars THEN substr(${col}, 1, @chars) || '…[truncated: ' || length(${col}) || ' characters stored; GET /_log shows ' || @chars || ']' ELSE ${col} END`;
    this.#page =
      db.prepare(`SELECT seq, json_object('seq', seq, 'at', at, 'method', method, 'path', path, 'status', status, 'requestId', request_id,
      'request', ${shown('request')}, 'response', ${shown('response')}, 'ms', ms) AS item
      FROM message_log WHERE seq > @since ORDER BY seq LIMIT @limit`);
    this.#bytes = Number((db.prepare('SELECT COALESCE(SUM(bytes), 0) AS n FROM message_log').get() as { n: number }).n);
  }

  /** Bytes the stored exchanges take (bodies and path as UTF-8, plus a fixed 100 a row). */
  get storedBytes(): number {
    return this.#bytes;
  }

  record(e: Omit<LoggedExchange, 'seq'>): void {
    const path = redactPath(e.path),
      request = cap(redactBody(e.request)),
      response = cap(redactBody(e.response));
    const bytes = Buffer.byteLength(path) + Buffer.byteLength(request) + Buffer.byteLength(response) + 100;
    const now = this.#now();
    this.#insert.run(
      e.at,
      e.method,
      path,
      e.status,
      e.requestId === null ? null : redact(e.requestId),
      request,
      response,
      e.ms,
      bytes,
      now,
    );
    this.#bytes += bytes;
    if (this.#bytes > this.#retention.maxBytes || now >= this.#nextAgeCheck) this.prune();
  }

  /** Deletes the oldest exchanges past the size or the age limit: the number deleted. */
  prune(): number {
    const now = this.#now();
    this.#nextAgeCheck = now + AGE_CHECK_MS;
    const oldest = now - this.#retention.maxAgeSeconds * 1000;
    // Over the size limit, down to 90% of it, so a full log is not pruned on every exchange.
    const target = this.#bytes > this.#retention.maxBytes ? this.#retention.maxBytes * 0.9 : Infinity;
    let deleted = 0;
    for (;;) {
      const rows = this.#head.all(PRUNE_BATCH) as Array<{ seq: number; bytes: number; logged_ms: number }>;
      let through = -1,
        freed = 0,
        n = 0;
      for (const r of rows) {
        if (!(this.#bytes - freed > target || r.logged_ms < oldest)) break;
        through = r.seq;
        freed += r.bytes;
        n++;
      }
      if (through < 0) return deleted;
      this.#deleteThrough.run(through);
      this.#bytes -= freed;
      deleted += n;
      if (n < PRUNE_BATCH) return deleted;
    }
  }

  /**
   * The exchanges after `since`, oldest first, as JSON text: at most `limit` of them and about
   * PAGE_LIMITS.bytes (a page always holds at least one when there is one), each body cut to
   * PAGE_LIMITS.bodyChars with a marker saying how long it was. `last` is the `since` of the next page.
   */
  page(since: number, limit: number = PAGE_LIMITS.exchanges): LogPage {
    const parts: string[] = [];
    let size = 0,
      last = since,
      more = false;
    for (const r of this.#page.iterate({ since, limit: limit + 1, chars: PAGE_LIMITS.bodyChars }) as Iterable<{
      seq: number;
      item: string;
    }>) {
      if (parts.length === limit) {
        more = true;
        break;
      }
      const item = r.item;
      const bytes = Buffer.byteLength(item) + 1;
      if (parts.length > 0 && size + bytes > PAGE_LIMITS.bytes) {
        more = true;
        break;
      }
      parts.push(item);
      size += bytes;
      last = r.seq;
    }
    const limits = { exchanges: limit, bytes: PAGE_LIMITS.bytes, bodyChars: PAGE_LIMITS.bodyChars };
    return {
      json: `{"exchanges":[${parts.join(',')}],"last":${last},"more":${more},"limits":${JSON.stringify(limits)}}`,
      count: parts.length,
      last,
      more,
    };
  }

  /** The page's exchanges as objects (tests, tools in the same process). */
  since(seq: number, limit: number = PAGE_LIMITS.exchanges): LoggedExchange[] {
    return (JSON.parse(this.page(seq, limit).json) as { exchanges: LoggedExchange[] }).exchanges;
  }
}
