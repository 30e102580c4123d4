// The sandbox's SQLite (WAL): sessions, prescriptions, dispensing, message log. Everything lives
// under --data, so a restart loses nothing. synchronous=NORMAL: in WAL mode every commit survives a
// crash or kill of the process (what a restart is); only a power cut could drop the last few, which
// a test sandbox can bear, and fsync per request would cap it far below EPS-like rates.
import { chmodSync, closeSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';

export type SandboxDb = Database.Database;

/** Opens (or creates, 0600 whoever creates it: SQLite gives its WAL and shm files the same mode) the database. */
export function openSandboxDb(file: string): SandboxDb {
  // An in-memory database (tests) has no file to make.
  if (file !== ':memory:' && file !== '')
    try {
      closeSync(openSync(file, 'wx', 0o600));
      chmodSync(file, 0o600); // past the umask
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  const db = new Database(file);
  // A new database gets 16 kB pages (an existing one keeps its own: WAL cannot change it): a
  // prescription's ~20 kB Bundle and its log rows then take two pages each, not six, and a WAL
  // frame costs two writes — on a virtual machine, system calls are a large part of a request.
  db.pragma('page_size = 16384');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  // Statement journals (each savepoint inside the turn's transaction) in memory, not a temp file each.
  db.pragma('temp_store = MEMORY');
  db.exec('CREATE TABLE IF NOT EXISTS migrations (id TEXT PRIMARY KEY)');
  return db;
}

export function migrateSandbox(db: SandboxDb, id: string, sql: string): void {
  if (db.prepare('SELECT 1 FROM migrations WHERE id = ?').get(id)) return;
  db.transaction(() => {
    db.exec(sql);
    db.prepare('INSERT INTO migrations (id) VALUES (?)').run(id);
  })();
}

/**
 * Group commit: the writes of every request handled in one turn of the event loop share one
 * transaction, committed once at the end of the turn (each commit is a WAL append and a lock round
 * trip, and a prescription made five of them). `begin()` as a request starts; `settled()` before its
 * answer leaves, so nothing is answered before what it wrote (or read of others' writes) is
 * committed; a turn that changed nothing answers at once. BEGIN IMMEDIATE takes the write lock at
 * once (another process waits its busy_timeout), so a write later in the turn cannot fail on a stale
 * snapshot. Transactions inside (db.transaction) become savepoints.
 */
export class GroupCommit {
  readonly #db: SandboxDb;
  readonly #changes: () => number;
  #open = false;
  #changesAtBegin = 0;
  #waiting: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];

  readonly #afterCommit: () => void;
  readonly #onFailure: (e: unknown) => void;

  /** `onFailure` hears of every failed commit, also one no request was waiting for. */
  constructor(
    db: SandboxDb,
    afterCommit: () => void = () => undefined,
    onFailure: (e: unknown) => void = () => undefined,
  ) {
    this.#db = db;
    this.#afterCommit = afterCommit;
    this.#onFailure = onFailure;
    const totalChanges = db.prepare('SELECT total_changes()').pluck();
    this.#changes = () => totalChanges.get() as number;
  }

  /** Opens this turn's transaction unless one is open; without the lock, writes simply autocommit. */
  begin(): void {
    if (this.#open || this.#db.inTransaction) return;
    try {
      this.#db.exec('BEGIN IMMEDIATE');
    } catch {
      return;
    }
    this.#open = true;
    this.#changesAtBegin = this.#changes();
    setImmediate(() => this.commit());
  }

  /** Resolves once everything written so far is committed (rejects if that commit failed). */
  settled(): Promise<void> {
    if (!this.#open || this.#changes() === this.#changesAtBegin) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#waiting.push({ resolve, reject });
    });
  }

  commit(): void {
    if (!this.#open) return;
    this.#open = false;
    const waiting = this.#waiting;
    this.#waiting = [];
    let failure: unknown = null;
    try {
      // An error SQLite answers by rolling back itself (disk full, I/O) leaves nothing to commit:
      // then those writes are lost, and every request that made them must hear so.
      if (!this.#db.inTransaction) throw new Error('the transaction was rolled back');
      this.#db.exec('COMMIT');
    } catch (e) {
      failure = e;
      try {
        if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
      } catch {
        /* already gone */
      }
    }
    for (const w of waiting) {
      if (failure) w.reject(failure);
      else w.resolve();
    }
    if (failure) this.#onFailure(failure);
    else this.#afterCommit();
  }
}
