// The sandbox's EPS checks in worker threads (sandbox/eps/message-workers.ts): a real worker thread
// gives the answers the checks give in-process; a job whose worker stops is answered in-process; a
// job that fails says why on either path; with no workers everything runs in-process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { messageChecks } from '../../../sandbox/eps/message-workers';
import { runMessageJob, type OrderJob, type PrepareJob } from '../../../sandbox/eps/message-checks';
import { epsAcuteExample } from '../../support/fixtures';

const example = readFileSync(epsAcuteExample, 'utf8');
const prepareJob: PrepareJob = {
  kind: 'prepare',
  body: example,
  timestamp: '2026-12-07T09:00:00+00:00',
  algorithm: 'RS256',
};
// A Signature that is XML but not one EPS can verify: the checks still run and give their verdicts.
const orderJob: OrderJob = {
  kind: 'order',
  body: example,
  signature: {
    xml: '<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo/></Signature>',
    when: '2026-12-07T09:00:00+00:00',
  },
};

test('a worker thread answers as the checks do in-process', async () => {
  const checks = messageChecks(1);
  try {
    assert.equal(await checks.warm(), 1, 'one worker is up');
    const [viaWorker, order] = await Promise.all([checks.run(prepareJob), checks.run(orderJob)]);
    assert.deepEqual(viaWorker, await runMessageJob(prepareJob), 'the same digest');
    assert.ok('digest' in viaWorker && viaWorker.digest.length > 100, 'a base64 SignedInfo');
    assert.deepEqual(order, await runMessageJob(orderJob), 'the same validation and signature verdicts');
    assert.equal(order.signature?.own.stopped, true, 'a Signature without its parts stops at the format check');
    const bad = await checks.run({ ...prepareJob, body: '{"resourceType":"Patient"}' });
    assert.deepEqual(bad, {
      refusal: { type: 'invalid', text: 'Expected a Bundle of type message.', expression: 'Bundle.type' },
    });
    assert.deepEqual(
      checks.counts(),
      { workers: 1, ready: 1, inWorkers: 3, inProcess: 0 },
      'all three ran in the worker',
    );
  } finally {
    await checks.close();
  }
});

test('jobs in flight when their worker stops are answered in-process, none lost', async () => {
  const checks = messageChecks(1);
  assert.equal(await checks.warm(), 1, 'one worker is up');
  const expected = await runMessageJob(prepareJob);
  const jobs = Array.from({ length: 200 }, () => checks.run(prepareJob));
  await checks.close(); // terminates the worker with jobs queued in it
  const answers = await Promise.all(jobs);
  assert.ok(
    answers.every((a) => JSON.stringify(a) === JSON.stringify(expected)),
    'every job got the right answer',
  );
  const c = checks.counts();
  assert.equal(c.inWorkers + c.inProcess, 200, `each job answered once (${JSON.stringify(c)})`);
  assert.ok(c.inProcess > 0, `some were taken over in-process (${JSON.stringify(c)})`);
  assert.deepEqual(await checks.run(prepareJob), expected, 'after close, jobs run in-process');
});

test('a job that fails says why, from a worker as in-process; with no workers all run in-process', async () => {
  const broken: OrderJob = { ...orderJob, body: '{not json' };
  const inProcess = await runMessageJob(broken).then(
    () => assert.fail('a body that is not JSON cannot be checked'),
    (e: Error) => e.message,
  );
  const checks = messageChecks(1);
  try {
    assert.equal(await checks.warm(), 1, 'one worker is up');
    await assert.rejects(checks.run(broken), (e: Error) => e.message === inProcess, 'the same reason from the worker');
    assert.deepEqual(
      await checks.run(prepareJob),
      await runMessageJob(prepareJob),
      'the worker still answers after a failure',
    );
  } finally {
    await checks.close();
  }
  const none = messageChecks(0);
  assert.equal(await none.warm(), 0, 'no worker is started');
  await none.run(prepareJob);
  assert.deepEqual(none.counts(), { workers: 0, ready: 0, inWorkers: 0, inProcess: 1 });
  await none.close();
});
