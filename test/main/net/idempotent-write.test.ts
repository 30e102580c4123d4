// The one idempotent-write primitive (decision 0019) against a real SQLite file: every try of a
// write carries the same X-Request-ID and the same bytes, across a restart; no answer keeps it and
// gives up with an error that says nothing is lost; an answer, yes or no, ends it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Db } from '../../../main/store/database';
import {
  IdempotentWrites,
  PendingWriteTable,
  WriteNotAnswered,
  retryDelay,
  sendUntilAnswered,
} from '../../../main/net/idempotent-write';
import { ScripError } from '../../../main/errors';

function withDb(f: (open: () => Db) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'scrip-writes-'));
  const opened: Db[] = [];
  const open = () => {
    const db = openDatabase(join(dir, 'scrip.db'));
    opened.push(db);
    return db;
  };
  return f(open).finally(() => {
    for (const db of opened) if (db.open) db.close();
    rmSync(dir, { recursive: true, force: true });
  });
}

const unreachable = () => new ScripError('service-unreachable', 'EPS could not be reached (test).');
const noDelay = { delay: () => 0 };
type Sent = { body: string; requestId: string };

test('every try of a write sends the same request ID and the same bytes; built once', () =>
  withDb(async (open) => {
    const writes = new IdempotentWrites(new PendingWriteTable(open(), 'prescription_pending'), {
      tries: 3,
      ...noDelay,
    });
    const sent: Sent[] = [];
    let builds = 0;
    const answer = await writes.write(
      'cancel:a',
      'reason-0001',
      (requestId) => {
        builds++;
        return { resourceType: 'Bundle', id: requestId, made: Math.random() };
      },
      async (body, requestId) => {
        sent.push({ body, requestId });
        if (sent.length < 3) throw unreachable();
        return 'accepted';
      },
    );
    assert.equal(answer.answer, 'accepted', 'the third try was answered');
    assert.equal(builds, 1, 'the body is built once, before the first try');
    assert.equal(new Set(sent.map((s) => s.requestId)).size, 1, 'one X-Request-ID for all three tries');
    assert.equal(new Set(sent.map((s) => s.body)).size, 1, 'the very same bytes on all three tries');
    assert.equal((JSON.parse(sent[0]!.body) as { id: string }).id, answer.requestId, 'build saw the request ID');
    assert.ok(writes.pending('cancel:a'), 'still pending until the caller settles it');
    writes.settle('cancel:a');
    assert.equal(writes.pending('cancel:a'), null, 'settled: forgotten');
  }));

test('no answer: gives up with a clear error, keeps the write, and after a restart sends it unchanged', () =>
  withDb(async (open) => {
    const first = new IdempotentWrites(new PendingWriteTable(open(), 'dispensing_pending'), { tries: 2, ...noDelay });
    const sent: Sent[] = [];
    const err = await first
      .write(
        'dispense:x',
        'f1',
        () => ({ resourceType: 'Bundle', at: new Date().toISOString(), n: Math.random() }),
        async (body, requestId) => {
          sent.push({ body, requestId });
          throw unreachable();
        },
      )
      .then(
        () => null,
        (e: unknown) => e,
      );
    assert.ok(err instanceof WriteNotAnswered, 'gives up with WriteNotAnswered');
    assert.equal(err.code, 'service-unreachable', 'the catalogue code a caller can branch on');
    assert.match(err.message, /could not be reached \(test\)\. Nothing is lost/, 'says why and that nothing is lost');
    assert.match(err.action, /very same request/, 'says what to do');
    assert.equal(err.details?.requestId, sent[0]!.requestId, 'names the request ID kept');
    assert.equal(err.last.message, 'EPS could not be reached (test).', 'the last failure, in its own words');
    assert.equal(sent.length, 2, 'tried as often as configured');

    // A new process: a new database connection and a new writer, the same intent.
    const again = new IdempotentWrites(new PendingWriteTable(open(), 'dispensing_pending'));
    const after: Sent[] = [];
    await again.write(
      'dispense:x',
      'f1',
      () => assert.fail('a pending write is never built again'),
      async (body, requestId) => {
        after.push({ body, requestId });
        return null;
      },
    );
    assert.deepEqual(after, [sent[0]], 'the same ID and bytes after the restart');
  }));

test('another intent under the same key is a new write; the service saying no ends it', () =>
  withDb(async (open) => {
    const writes = new IdempotentWrites(new PendingWriteTable(open(), 'prescription_pending'));
    const ids: string[] = [];
    const send = async (_body: string, requestId: string) => {
      ids.push(requestId);
      throw unreachable();
    };
    await assert.rejects(
      writes.write('k', 'reason-1', () => ({ a: 1 }), send),
      WriteNotAnswered,
    );
    await assert.rejects(
      writes.write('k', 'reason-2', () => ({ a: 2 }), send),
      WriteNotAnswered,
    );
    assert.notEqual(ids[0], ids[1], 'a new intent gets a new X-Request-ID');
    assert.equal(writes.pending('k')?.body, '{"a":2}', 'the new body replaced the old');

    const refused = new ScripError('service-error', 'EPS refused the request (400): wrong.');
    await assert.rejects(
      writes.write(
        'k',
        'reason-2',
        () => ({ a: 2 }),
        () => Promise.reject(refused),
      ),
      (e: unknown) => e === refused,
      'the refusal is thrown as it came',
    );
    assert.equal(writes.pending('k'), null, 'a refusal is an answer: nothing left pending');
  }));

test('a refused session is not an answer about the write: kept, not tried again now', () =>
  withDb(async (open) => {
    const writes = new IdempotentWrites(new PendingWriteTable(open(), 'prescription_pending'), {
      tries: 3,
      ...noDelay,
    });
    let tries = 0;
    await assert.rejects(
      writes.write(
        'k',
        'f',
        () => ({}),
        () => {
          tries++;
          return Promise.reject(new ScripError('unauthenticated', 'EPS did not accept the session.'));
        },
      ),
      { code: 'unauthenticated' },
    );
    assert.equal(tries, 1, 'no point trying again with the same session');
    assert.ok(writes.pending('k'), 'kept: EPS never processed it');
  }));

test('sendUntilAnswered waits between tries and the delay grows to a minute', async () => {
  const at: number[] = [];
  await assert.rejects(
    sendUntilAnswered(
      { requestId: 'r', body: '{}' },
      () => {
        at.push(Date.now());
        return Promise.reject(unreachable());
      },
      { tries: 3, delay: (n) => 40 * n },
    ),
    WriteNotAnswered,
  );
  assert.equal(at.length, 3, 'three tries');
  assert.ok(at[2]! - at[0]! >= 110, `waited 40 + 80 ms between tries (${at[2]! - at[0]!} ms)`);
  assert.deepEqual([1, 2, 3, 10].map(retryDelay), [1000, 2000, 4000, 60_000], 'backoff 1 s, 2 s, 4 s … 60 s');
});
