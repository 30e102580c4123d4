// An in-process reader source for unit tests of the layers above PC/SC.
import { EventEmitter } from 'node:events';
import type { PcscStatus, ReaderWatch } from '../../native/pcsc/reader-watch';

export class FakeReaderWatch extends EventEmitter implements ReaderWatch {
  #status: PcscStatus = {
    service: 'running',
    readers: [{ name: 'Test Reader 0', present: false, atr: null, exclusive: false, inUse: false, mute: false }],
  };
  start(): void {}
  stop(): void {}
  current(): PcscStatus {
    return this.#status;
  }
  refresh(): PcscStatus {
    return this.#status;
  }
  set(next: PcscStatus): void {
    this.#status = next;
    this.emit('change', next);
  }
}
