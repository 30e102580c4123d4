// The in-process attachment: the same card code reached by a function call, for unit tests and
// for the embedded default when pcscd is absent. `removed` simulates pulling the card out.
import type { PivCard } from './piv-card';

class CardRemovedError extends Error {
  constructor() {
    super('the virtual card was removed');
    this.name = 'CardRemovedError';
  }
}

interface InProcessReader {
  readonly card: PivCard;
  inserted: boolean;
  /** Power-cycles the card (what a host's connect does) and returns the ATR. */
  connect(): Uint8Array;
  transmit(apdu: Uint8Array): Promise<Uint8Array>;
  remove(): void;
  insert(): void;
}

export function inProcessReader(card: PivCard): InProcessReader {
  const r: InProcessReader = {
    card,
    inserted: true,
    connect() {
      if (!r.inserted) throw new CardRemovedError();
      card.reset();
      return card.atr;
    },
    async transmit(apdu) {
      if (!r.inserted) throw new CardRemovedError();
      // Yield to the event loop like real I/O would, so callers cannot depend on synchronous answers.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (!r.inserted) throw new CardRemovedError();
      return card.transmit(apdu);
    },
    remove() {
      r.inserted = false;
      card.powerOff();
    },
    insert() {
      r.inserted = true;
    },
  };
  return r;
}
