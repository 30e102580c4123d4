// The sandbox's group commit (sandbox/store/db.ts GroupCommit) on a real SQLite database: a request
// that wrote nothing is answered at once; one that wrote waits for the commit; a commit that fails
// is heard by every request waiting on it and by the server (the exchanges of that moment are
// missing from the log), and leaves nothing half-written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { GroupCommit, openSandboxDb } from '../../../sandbox/store/db';

function setup() {
  const db = openSandboxDb(':memory:');
  db.pragma('foreign_keys = ON');
  // A deferred foreign key is checked at COMMIT: a way to make a real commit fail.
  db.exec(`CREATE TABLE parent (id INTEGER PRIMARY KEY);
    CREATE TABLE child (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED);`);
  const failures: unknown[] = [];
  let commits = 0;
  const group = new GroupCommit(
    db,
    () => commits++,
    (e) => failures.push(e),
  );
  return { db, group, failures, commits: () => commits };
}

test('nothing written: answered at once; written: answered after the one commit of the turn', async () => {
  const { db, group, commits } = setup();
  group.begin();
  let idle = false;
  await group.settled().then(() => (idle = true));
  assert.equal(idle, true, 'a turn that wrote nothing does not wait');
  db.prepare('INSERT INTO parent (id) VALUES (1)').run();
  const waiting = group.settled();
  group.begin(); // a second request in the same turn shares the transaction
  db.prepare('INSERT INTO parent (id) VALUES (2)').run();
  assert.equal(db.inTransaction, true, 'uncommitted while the turn lasts');
  await waiting;
  assert.equal(db.inTransaction, false, 'committed once the turn ended');
  assert.equal(commits(), 1, 'one commit for both writes');
  assert.equal((db.prepare('SELECT COUNT(*) AS n FROM parent').get() as { n: number }).n, 2);
});

test('a failed commit rejects every waiter, is reported, and keeps none of its writes', async () => {
  const { db, group, failures, commits } = setup();
  group.begin();
  db.prepare('INSERT INTO child (id, parent) VALUES (1, 99)').run(); // no parent 99: COMMIT will fail
  const waiters = [group.settled(), group.settled()];
  const results = await Promise.allSettled(waiters);
  assert.deepEqual(
    results.map((r) => r.status),
    ['rejected', 'rejected'],
    'every request that wrote hears the commit failed',
  );
  assert.equal(failures.length, 1, 'the server hears of it once');
  assert.match(String(failures[0]), /FOREIGN KEY/, `the reason is kept: ${String(failures[0])}`);
  assert.equal(commits(), 0, 'no commit is counted');
  assert.equal(db.inTransaction, false, 'rolled back');
  assert.equal((db.prepare('SELECT COUNT(*) AS n FROM child').get() as { n: number }).n, 0, 'nothing half-written');
  await nextTurn();
  // The next turn starts clean.
  group.begin();
  db.prepare('INSERT INTO parent (id) VALUES (3)').run();
  await group.settled();
  assert.equal(commits(), 1);
});
