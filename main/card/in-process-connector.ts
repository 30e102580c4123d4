// A CardConnector over a card attached in-process (sandbox/card's in-process reader, or any
// object of the same shape): for unit tests and for the embedded default when pcscd is absent.
// It maps "not inserted" and "removed mid-command" to the same PcscError kinds PC/SC produces.
import { PcscError } from '../../native/pcsc/card-errors';
import type { CardChannel, CardConnector } from '../../native/pcsc/card-connection';
import { serialised } from '../../native/pcsc/transaction';

interface InProcessCardSlot {
  readonly inserted: boolean;
  /** Power-up; returns the ATR. */
  connect(): Uint8Array;
  transmit(apdu: Uint8Array): Promise<Uint8Array>;
}

export class InProcessConnector implements CardConnector {
  readonly #slots: Map<string, InProcessCardSlot>;
  constructor(slots: Record<string, InProcessCardSlot>) {
    this.#slots = new Map(Object.entries(slots));
  }

  withCard<T>(reader: string, work: (channel: CardChannel) => Promise<T>): Promise<T> {
    return serialised(`inproc:${reader}`, async () => {
      const slot = this.#slots.get(reader);
      if (!slot) throw new PcscError(this.#slots.size ? 'unknown-reader' : 'no-readers', `no reader named "${reader}"`);
      if (!slot.inserted) {
        this.#powered.delete(reader);
        throw new PcscError('no-card', 'no card in the reader');
      }
      // Like SCARD_LEAVE_CARD, the card keeps its state between units; connect only powers it once.
      const atr = this.#powered.has(reader) ? this.#powered.get(reader)! : slot.connect();
      this.#powered.set(reader, atr);
      return work({
        reader,
        atr,
        transmit: async (apdu) => {
          try {
            return await slot.transmit(apdu);
          } catch (e) {
            this.#powered.delete(reader);
            throw new PcscError(
              slot.inserted ? 'card-error' : 'card-removed',
              e instanceof Error ? e.message : String(e),
            );
          }
        },
      });
    });
  }

  readonly #powered = new Map<string, Uint8Array>();
}
