// The sandbox commits the writes of one event-loop turn together (sandbox/store/db.ts GroupCommit).
// Through the real HTTPS server: what an answer reports is already committed (another connection
// sees it), X-Request-ID retries and duplicate prescription IDs sent at the same moment still get
// one processing each, and the message log holds every exchange.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { LifecycleSandbox } from './lifecycle-support';

test('concurrent retries and duplicates get one processing; every answer is committed before it leaves', async () => {
  const s = await new LifecycleSandbox().start();
  try {
    const other = new Database(join(s.dir, 'sandbox.db'), { readonly: true });
    const count = () => (other.prepare('SELECT COUNT(*) AS n FROM eps_prescriptions').get() as { n: number }).n;
    const send = (bundle: unknown, rid?: string) =>
      s.call('prescriber', 'POST', '/FHIR/R4/$process-message', bundle, rid);

    const first = await s.sign(s.make().bundle);
    const rid = randomUUID();
    const retries = await Promise.all([1, 2, 3, 4].map(() => send(first, rid)));
    assert.deepEqual(
      retries.map((r) => r.status),
      [200, 200, 200, 200],
    );
    assert.equal(new Set(retries.map((r) => r.body)).size, 1, 'one answer for every retry');
    assert.equal(count(), 1, 'committed before the answers left');

    const again = await Promise.all([1, 2, 3].map(() => send(first)));
    assert.ok(
      again.every((r) => r.status === 400 && /DUPLICATE_PRESCRIPTION_ID/.test(r.body)),
      again.map((r) => r.body).join('\n'),
    );

    const second = await s.sign(s.make().bundle);
    const race = await Promise.all([1, 2, 3, 4, 5].map(() => send(second)));
    assert.equal(race.filter((r) => r.status === 200).length, 1, race.map((r) => r.status).join(','));
    assert.equal(count(), 2);

    const logged = (
      other.prepare("SELECT COUNT(*) AS n FROM message_log WHERE path = '/FHIR/R4/$process-message'").get() as {
        n: number;
      }
    ).n;
    assert.ok(logged >= 12, `the log holds every exchange (${logged})`);
    other.close();
  } finally {
    await s.close();
  }
});
