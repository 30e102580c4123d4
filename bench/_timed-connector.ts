// Wraps a card connector to add up the time spent waiting for card answers (PC/SC transport + the
// card), so a benchmark can tell that time apart from Scrip's own.
import { performance } from 'node:perf_hooks';
import type { CardChannel, CardConnector } from '../native/pcsc/card-connection';

export class TimedConnector implements CardConnector {
  waitMs = 0;
  apdus = 0;
  readonly #inner: CardConnector;
  constructor(inner: CardConnector) {
    this.#inner = inner;
  }
  withCard<T>(reader: string, work: (c: CardChannel) => Promise<T>): Promise<T> {
    return this.#inner.withCard(reader, (c) =>
      work({
        reader: c.reader,
        atr: c.atr,
        transmit: async (apdu) => {
          const t0 = performance.now();
          try {
            return await c.transmit(apdu);
          } finally {
            this.waitMs += performance.now() - t0;
            this.apdus++;
          }
        },
      }),
    );
  }
}
