// The sandbox's SQLite (WAL, synchronous=FULL): sessions, prescriptions, dispensing, message log.
// Everything lives under --data, so a restart loses nothing.
import Database from 'better-sqlite3';

export type SandboxDb = Database.Database;

export function openSandboxDb(file: string): SandboxDb {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE IF NOT EXISTS migrations (id TEXT PRIMARY KEY)');
  return db;
}

export function migrateSandbox(db: SandboxDb, id: string, sql: string): void {
  if (db.prepare('SELECT 1 FROM migrations WHERE id = ?').get(id)) return;
  db.transaction(() => { db.exec(sql); db.prepare('INSERT INTO migrations (id) VALUES (?)').run(id); })();
}
