// The sandbox's database file (sandbox/store/db.ts openSandboxDb): a new one gets 16 kB pages (two
// pages, not six, for a prescription's Bundle: fewer WAL frames, fewer system calls); one made by an
// earlier version keeps its 4 kB pages and everything in it; statement journals stay in memory
// (SQLite unlinks its temporary files at once, so the setting is what can be checked).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSandboxDb } from '../../../sandbox/store/db';

test('a new database has 16 kB pages; an existing one keeps its own pages and rows', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scrip-sandbox-db-'));
  try {
    const fresh = openSandboxDb(join(dir, 'new.db'));
    assert.equal(fresh.pragma('page_size', { simple: true }), 16384, 'a new database');
    assert.equal(fresh.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(fresh.pragma('temp_store', { simple: true }), 2, 'temp_store = MEMORY');
    fresh.close();

    const oldFile = join(dir, 'old.db');
    const before = new Database(oldFile);
    before.pragma('page_size = 4096');
    before.pragma('journal_mode = WAL');
    before.exec("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('kept')");
    before.close();
    const old = openSandboxDb(oldFile);
    assert.equal(old.pragma('page_size', { simple: true }), 4096, 'an existing database keeps its page size');
    assert.equal(old.prepare('SELECT v FROM t').pluck().get(), 'kept', 'and its rows');
    old.prepare('INSERT INTO t VALUES (?)').run('x'.repeat(50_000));
    assert.equal(old.prepare('SELECT COUNT(*) FROM t').pluck().get(), 2, 'and takes writes');
    old.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
