// The sandbox's SQLite (WAL): sessions, prescriptions, dispensing, message log. Everything lives
// under --data, so a restart loses nothing. synchronous=NORMAL: in WAL mode every commit survives a
// crash or kill of the process (what a restart is); only a power cut could drop the last few, which
// a test sandbox can bear, and fsync per request would cap it far below EPS-like rates.
import Database from 'better-sqlite3';

export type SandboxDb = Database.Database;

export function openSandboxDb(file: string): SandboxDb {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.exec('CREATE TABLE IF NOT EXISTS migrations (id TEXT PRIMARY KEY)');
  return db;
}

export function migrateSandbox(db: SandboxDb, id: string, sql: string): void {
  if (db.prepare('SELECT 1 FROM migrations WHERE id = ?').get(id)) return;
  db.transaction(() => { db.exec(sql); db.prepare('INSERT INTO migrations (id) VALUES (?)').run(id); })();
}
