// One write to a national service that must happen at most once, however often it is tried
// (decision 0019). The rules, in one place for the outbox, cancellation and every dispensing write:
//   1. The write — its key, X-Request-ID and exact body — is committed locally before it is sent.
//   2. Every try sends those very bytes with that very ID, in this run or after a restart, so the
//      service (which remembers X-Request-IDs) never records it twice.
//   3. It is tried again while the service has not answered (unreachable, 5xx) and kept while its
//      answer was not about the write (the session was refused): it stays pending.
//   4. When tries run out it gives up with an error saying so, and the write is still kept.
//   5. An answer, yes or no, ends it: the caller stores what the answer means and settles the key
//      in the same transaction, so the write and its outcome are never both lost or both kept.
import { randomUUID } from 'node:crypto';
import type { Db } from '../store/database';
import { migrate } from '../store/database';
import { ScripError, toScripError } from '../errors';

type Json = Record<string, unknown>;

/** A write committed and not yet answered. `body` is the exact text sent on every try. */
interface PendingWrite {
  key: string;
  requestId: string;
  /** What the write is for (its intent): a retry with another intent is a new write. */
  fingerprint: string;
  body: string;
  createdAt: string;
}

/** Where pending writes are kept so that they survive a restart. */
interface PendingWriteStore {
  get(key: string): PendingWrite | null;
  put(p: Omit<PendingWrite, 'createdAt'>): PendingWrite;
  clear(key: string): void;
}

/** A pending-write table in the SQLite database; each domain (dispensing, prescribing) has its own. */
export class PendingWriteTable implements PendingWriteStore {
  readonly #db: Db;
  readonly #table: string;
  constructor(db: Db, table: 'dispensing_pending' | 'prescription_pending') {
    this.#db = db;
    this.#table = table;
    migrate(db, [
      {
        id: `${table}-1`,
        sql: `CREATE TABLE IF NOT EXISTS ${table} (key TEXT PRIMARY KEY, request_id TEXT NOT NULL,
              fingerprint TEXT NOT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL)`,
      },
    ]);
  }

  get(key: string): PendingWrite | null {
    const r = this.#db
      .prepare(`SELECT key, request_id, fingerprint, body, created_at FROM ${this.#table} WHERE key = ?`)
      .get(key) as
      { key: string; request_id: string; fingerprint: string; body: string; created_at: string } | undefined;
    return r
      ? { key: r.key, requestId: r.request_id, fingerprint: r.fingerprint, body: r.body, createdAt: r.created_at }
      : null;
  }

  put(p: Omit<PendingWrite, 'createdAt'>): PendingWrite {
    this.#db
      .prepare(
        `INSERT INTO ${this.#table} (key, request_id, fingerprint, body, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET request_id = excluded.request_id, fingerprint = excluded.fingerprint,
         body = excluded.body, created_at = excluded.created_at`,
      )
      .run(p.key, p.requestId, p.fingerprint, p.body, new Date().toISOString());
    return this.get(p.key)!;
  }

  clear(key: string): void {
    this.#db.prepare(`DELETE FROM ${this.#table} WHERE key = ?`).run(key);
  }
}

/** The service has not answered the write (it could not be reached, or failed): try again. */
const notAnswered = (e: ScripError): boolean => e.code === 'service-unreachable';
/** The service refused the session, not the write: it was not processed, so it is kept for a retry. */
const notProcessed = (e: ScripError): boolean => e.code === 'unauthenticated' || e.code === 'forbidden';

/** Delay before try n+1 of a write the service has not answered: 1 s, 2 s, 4 s … up to a minute. */
export const retryDelay = (n: number): number => Math.min(60_000, 1000 * 2 ** Math.max(0, n - 1));

/** Tries ran out with no answer: the write is still pending and will be sent unchanged. */
export class WriteNotAnswered extends ScripError {
  /** The last try's failure, in its own words. */
  readonly last: ScripError;
  constructor(last: ScripError, requestId: string) {
    super(
      'service-unreachable',
      `${last.message} Nothing is lost: it is kept on this computer.`,
      { ...last.details, requestId },
      'Try again when EPS can be reached: Scrip sends the very same request, so EPS cannot record it twice.',
    );
    this.last = last;
  }
}

interface IdempotentWriteOptions {
  /** Tries within one call (default 1: the caller, or the user, tries again later). */
  tries?: number;
  /** Wait before try n+1 within a call (ms). */
  delay?: (n: number) => number;
}

/** Sends one pending write: its exact body and request ID on every try, until the service answers. */
export async function sendUntilAnswered<T>(
  write: Pick<PendingWrite, 'requestId' | 'body'>,
  send: (body: string, requestId: string) => Promise<T>,
  opts: IdempotentWriteOptions = {},
): Promise<T> {
  const tries = Math.max(1, opts.tries ?? 1);
  for (let n = 1; ; n++) {
    try {
      return await send(write.body, write.requestId);
    } catch (e) {
      const err = toScripError(e);
      if (!notAnswered(err)) throw err; // an answer, or a refused session: trying now cannot help
      if (n >= tries) throw new WriteNotAnswered(err, write.requestId);
      await new Promise((r) => setTimeout(r, opts.delay?.(n) ?? retryDelay(n)));
    }
  }
}

/** Idempotent writes kept in one store (decision 0019). */
export class IdempotentWrites {
  readonly #store: PendingWriteStore;
  readonly #opts: IdempotentWriteOptions;
  constructor(store: PendingWriteStore, opts: IdempotentWriteOptions = {}) {
    this.#store = store;
    this.#opts = opts;
  }

  /** The write not yet answered under `key`, if any. */
  pending(key: string): PendingWrite | null {
    return this.#store.get(key);
  }

  /**
   * Sends the write for `key`: the one already pending when its intent (`fingerprint`) is the same,
   * else a new one (a new X-Request-ID and `build()`'s body), committed before it is sent. Resolves
   * with the answer; the caller settles the key once it has kept what the answer means. A refusal
   * settles it here and is thrown; no answer keeps it and throws `WriteNotAnswered`.
   */
  async write<T>(
    key: string,
    fingerprint: string,
    build: (requestId: string) => Json,
    send: (body: string, requestId: string) => Promise<T>,
  ): Promise<{ answer: T; body: Json; requestId: string }> {
    const had = this.#store.get(key);
    const requestId = had?.fingerprint === fingerprint ? had.requestId : randomUUID();
    const p =
      had?.fingerprint === fingerprint
        ? had
        : this.#store.put({ key, requestId, fingerprint, body: JSON.stringify(build(requestId)) });
    try {
      const answer = await sendUntilAnswered(p, send, this.#opts);
      return { answer, body: JSON.parse(p.body) as Json, requestId: p.requestId };
    } catch (e) {
      // The service said no to the write itself: it is over. Anything else leaves it pending.
      if (!(e instanceof WriteNotAnswered) && !notProcessed(toScripError(e))) this.#store.clear(key);
      throw e;
    }
  }

  /** The answer has been kept: forget the write (call inside the transaction that keeps the answer). */
  settle(key: string): void {
    this.#store.clear(key);
  }
}
