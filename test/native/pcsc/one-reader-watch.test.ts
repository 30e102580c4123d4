// A watch narrowed to one reader (each lane of an assurance run sees only its own vpcd reader):
// only that reader is listed, and a change to another reader raises no event.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { OneReaderWatch, type PcscStatus, type ReaderWatch } from '../../../native/pcsc/reader-watch';

class FakeWatch extends EventEmitter implements ReaderWatch {
  status: PcscStatus = { service: 'running', readers: [] };
  start(): void {
    /* nothing to start */
  }
  stop(): void {
    /* nothing to stop */
  }
  current(): PcscStatus {
    return this.status;
  }
  refresh(): PcscStatus {
    return this.status;
  }
  set(present: [boolean, boolean]): void {
    this.status = {
      service: 'running',
      readers: present.map((p, i) => ({
        name: `Virtual PCD 00 0${i}`,
        present: p,
        atr: p ? '3B' : null,
        exclusive: false,
        inUse: false,
        mute: false,
      })),
    };
    this.emit('change', this.status);
  }
}

test('only its reader is listed, and only its changes are events', () => {
  const inner = new FakeWatch();
  const one = new OneReaderWatch(inner, 'Virtual PCD 00 01');
  const seen: PcscStatus[] = [];
  one.on('change', (s) => seen.push(s));
  one.start();
  inner.set([false, false]);
  inner.set([true, false]); // the other lane's card goes in
  inner.set([true, true]); // this lane's card goes in
  assert.equal(
    seen.length,
    2,
    `one event for the start, one for this reader's card, none for the other's: ${JSON.stringify(seen)}`,
  );
  assert.deepEqual(
    seen[1]!.readers.map((r) => [r.name, r.present]),
    [['Virtual PCD 00 01', true]],
    'only this reader, now with a card',
  );
  assert.deepEqual(
    one.current().readers.map((r) => r.name),
    ['Virtual PCD 00 01'],
    'current() is narrowed too',
  );
  one.stop();
  inner.set([false, false]);
  assert.equal(seen.length, 2, 'no events after stop');
});
