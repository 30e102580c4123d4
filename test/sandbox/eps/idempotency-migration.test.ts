// A sandbox database from before the (endpoint, user, request ID) key keeps its remembered answers:
// the rows of eps_request_ids, keyed by "Task <id>", "Task/$release <id>" or the bare ID, move to
// eps_idempotency under their endpoint, and a retry after the upgrade still gets the first answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openSandboxDb, migrateSandbox } from '../../../sandbox/store/db';
import { idempotency, migrateRequestIds } from '../../../sandbox/eps/idempotency';
import type { SandboxRequest } from '../../../sandbox/http/router';

/** A database as the sandbox left it before the move: the first EPS migration applied, old-style keys stored. */
function oldDatabase() {
  const db = openSandboxDb(':memory:');
  migrateSandbox(
    db,
    'eps-prescriptions-1',
    `CREATE TABLE eps_prescriptions (short_form_id TEXT PRIMARY KEY, long_form_id TEXT NOT NULL, nhs_number TEXT NOT NULL,
    nominated_ods TEXT, author_user_id TEXT NOT NULL, author_role_id TEXT NOT NULL, status TEXT NOT NULL, bundle TEXT NOT NULL, created_at TEXT NOT NULL);
    CREATE TABLE eps_request_ids (request_id TEXT NOT NULL, user_id TEXT NOT NULL, status INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (request_id, user_id))`,
  );
  const put = db.prepare('INSERT INTO eps_request_ids (request_id, user_id, status, body) VALUES (?, ?, ?, ?)');
  put.run('r-1', 'gp', 200, '{"answer":"process-message r-1"}');
  put.run('Task r-2', 'pharm', 200, '{"answer":"task r-2"}');
  put.run('Task/$release r-3', 'pharm', 200, '{"answer":"release r-3"}');
  put.run('task lower-case', 'gp', 400, '{"answer":"process-message, a header that only looks like a Task key"}');
  return db;
}

const rows = (db: ReturnType<typeof openSandboxDb>) =>
  db
    .prepare(
      'SELECT endpoint, user_id AS user, request_id AS id, status FROM eps_idempotency ORDER BY endpoint, request_id',
    )
    .all();

test('old X-Request-ID rows move to their endpoint with the prefix taken off, and the old table goes', () => {
  const db = oldDatabase();
  migrateRequestIds(db);
  assert.deepEqual(
    rows(db),
    [
      { endpoint: '$process-message', user: 'gp', id: 'r-1', status: 200 },
      { endpoint: '$process-message', user: 'gp', id: 'task lower-case', status: 400 },
      { endpoint: 'Task', user: 'pharm', id: 'r-2', status: 200 },
      { endpoint: 'Task/$release', user: 'pharm', id: 'r-3', status: 200 },
    ],
    'each old row is under its endpoint; the prefix match is case-sensitive, as the old keys were',
  );
  const old = db.prepare("SELECT name FROM sqlite_master WHERE name = 'eps_request_ids'").get();
  assert.equal(old, undefined, 'the string-keyed table is dropped after the move');
  migrateRequestIds(db);
  assert.equal(rows(db).length, 4, 'running the migration again changes nothing');
});

test('after the upgrade a retry gets the answer remembered before it, and only on its own endpoint', async () => {
  const db = oldDatabase();
  const task = idempotency(db, 'Task');
  const pm = idempotency(db, '$process-message');
  const req = (id: string) => ({ headers: { 'x-request-id': id } }) as unknown as SandboxRequest;
  let ran = 0;
  const fresh = () => {
    ran++;
    return { status: 200, headers: {}, body: '{"answer":"new"}' };
  };
  const retried = await task(req('r-2'), 'pharm', fresh);
  assert.equal(retried.body, '{"answer":"task r-2"}', 'the Task retry is answered from the migrated row');
  assert.equal(ran, 0, 'the retried Task is not processed again');
  const other = await pm(req('r-2'), 'pharm', fresh);
  assert.equal(other.body, '{"answer":"new"}', 'the same ID on $process-message is a different request');
  assert.equal(ran, 1, 'and it is processed');
});
