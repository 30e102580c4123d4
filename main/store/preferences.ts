// Small remembered choices (the last role each user picked, the environment). Never secrets.
import { migrate, type Db } from './database';

export class Preferences {
  readonly #db: Db;
  constructor(db: Db) {
    this.#db = db;
    migrate(db, [{ id: 'preferences-1', sql: 'CREATE TABLE preferences (key TEXT PRIMARY KEY, value TEXT NOT NULL)' }]);
  }
  get(key: string): string | null {
    return (
      (this.#db.prepare('SELECT value FROM preferences WHERE key = ?').pluck().get(key) as string | undefined) ?? null
    );
  }
  delete(key: string): void {
    this.#db.prepare('DELETE FROM preferences WHERE key = ?').run(key);
  }
  /** Every entry whose key starts with `prefix`. */
  withPrefix(prefix: string): Array<{ key: string; value: string }> {
    return this.#db
      .prepare('SELECT key, value FROM preferences WHERE substr(key, 1, ?) = ? ORDER BY key')
      .all(prefix.length, prefix) as Array<{ key: string; value: string }>;
  }
  set(key: string, value: string): void {
    this.#db
      .prepare(
        'INSERT INTO preferences (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      )
      .run(key, value);
  }
}
