// The readers list says "in use by another program" only when it is another program: PC/SC reports
// Scrip's own exclusive hold (while it reads or signs) the same way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventBus } from '../../../main/events';
import { ReaderService } from '../../../main/card/reader-service';
import { heldByThisProcess, serialised } from '../../../native/pcsc/transaction';
import { FakeReaderWatch } from '../../support/fake-reader-watch';

const held = (exclusive: boolean) => ({
  service: 'running' as const,
  readers: [{ name: 'Test Reader 0', present: true, atr: '3B00', exclusive, inUse: exclusive, mute: false }],
});

test('an exclusive hold is "another program" unless Scrip holds the reader itself', () => {
  const watch = new FakeReaderWatch();
  let ours = false;
  const readers = new ReaderService(watch, new EventBus(), () => ours);
  watch.set(held(true));
  assert.equal(readers.list().readers[0]?.inUse, true, 'another program holds the card: shown as in use');
  ours = true;
  assert.equal(
    readers.list().readers[0]?.inUse,
    false,
    'Scrip holds the card itself: not shown as in use by another program',
  );
  watch.set(held(false));
  assert.equal(readers.list().readers[0]?.inUse, false, 'nobody holds it');
});

test('a reader counts as held by this process while its unit of work runs and for a grace period after', async () => {
  const key = 'pcsc:Grace Reader';
  assert.equal(heldByThisProcess(key), false, 'nothing has used the reader yet');
  let release!: () => void;
  const unit = serialised(
    key,
    () =>
      new Promise<void>((r) => {
        release = r;
      }),
  );
  assert.equal(heldByThisProcess(key), true, 'held from the moment the unit is queued');
  await new Promise((r) => setImmediate(r)); // the unit starts after the queue's earlier work
  assert.equal(heldByThisProcess(key), true, 'held while the unit runs');
  release();
  await unit;
  await new Promise((r) => setImmediate(r));
  assert.equal(heldByThisProcess(key, 60_000), true, 'a snapshot read just after the unit still counts as ours');
  assert.equal(heldByThisProcess(key, 0), false, 'after the grace period the hold is over');
});
