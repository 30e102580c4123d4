import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { classifyPcscError, PcscError } from '../../native/pcsc/card-errors';
import { serialised, withTimeout } from '../../native/pcsc/transaction';

describe('PC/SC error classification', () => {
  for (const [message, kind] of [
    ['PC/SC service not running', 'no-service'],
    ['PC/SC service stopped', 'no-service'],
    ['No readers available', 'no-readers'],
    ['Unknown reader', 'unknown-reader'],
    ['No smart card present', 'no-card'],
    ['Card was removed', 'card-removed'],
    ['Card was reset', 'card-removed'],
    ['Sharing violation', 'card-busy'],
    ['Transaction failed', 'card-error'],
    ['Card is unresponsive', 'card-error'],
    ['something else', 'card-error'],
  ] as const) {
    test(`"${message}" → ${kind}`, () => assert.equal(classifyPcscError(new Error(message)).kind, kind));
  }
  test('keeps PcscErrors as they are', () => {
    const e = new PcscError('card-busy', 'x');
    assert.equal(classifyPcscError(e), e);
  });
});

describe('per-reader units of work', () => {
  test('run one after another per key, in order, and a failure does not block the next', async () => {
    const log: string[] = [];
    const unit = (name: string, fail = false) =>
      serialised('r1', async () => {
        log.push(`start ${name}`);
        await new Promise((r) => setImmediate(r));
        log.push(`end ${name}`);
        if (fail) throw new Error(name);
        return name;
      });
    const results = await Promise.allSettled([unit('a'), unit('b', true), unit('c')]);
    assert.deepEqual(log, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
  });

  test('withTimeout rejects a promise that never settles', async () => {
    await assert.rejects(
      withTimeout(new Promise(() => {}), 10, () => new PcscError('card-error', 'late')),
      /late/,
    );
    assert.equal(await withTimeout(Promise.resolve(1), 1000, () => new Error('x')), 1);
  });
});
