// Card I/O over PC/SC through the `smartcard` N-API binding. Every unit of work connects with
// SCARD_SHARE_EXCLUSIVE, runs, and disconnects leaving the card powered (so a verified PIN lasts
// the card session): the binding has no SCardBeginTransaction, and the exclusive connection is the
// lock (docs/decisions/0002-pcsc-transactions.md). Each unit uses a fresh PC/SC context, so a
// restarted pcscd is picked up by the next call. Transmit runs on the binding's worker thread.
import { createRequire } from 'node:module';
import type { CardInterface, ContextInterface } from 'smartcard';
import { classifyPcscError, PcscError } from './card-errors';
import { heldByThisProcess, serialised, withTimeout } from './transaction';

const require = createRequire(import.meta.url);

/** A card held for one unit of work. */
export interface CardChannel {
  readonly reader: string;
  readonly atr: Uint8Array;
  /** Sends one command APDU and returns the response APDU (data + SW1 SW2). */
  transmit(apdu: Uint8Array): Promise<Uint8Array>;
}

/** The key of a reader's queue of units of work (transaction.ts). */
const pcscKey = (readerName: string): string => `pcsc:${readerName}`;

/** Whether Scrip itself holds (or has just let go of) the card in this reader, so its exclusive state is ours. */
export const heldByScrip = (readerName: string): boolean => heldByThisProcess(pcscKey(readerName));

/** Opens the card in a reader for one exclusive unit of work. */
export interface CardConnector {
  withCard<T>(reader: string, work: (channel: CardChannel) => Promise<T>): Promise<T>;
}

interface Binding {
  Context: new () => ContextInterface;
  SCARD_SHARE_EXCLUSIVE: number;
  SCARD_PROTOCOL_T0: number;
  SCARD_PROTOCOL_T1: number;
  SCARD_LEAVE_CARD: number;
  SCARD_RESET_CARD: number;
}

interface PcscConnectorOptions {
  /** How long to keep retrying while another program holds the card (default 3 s). */
  busyTimeoutMs?: number;
  /** Upper bound for one APDU exchange (default 30 s; RSA on slow cards takes ~1 s). */
  transmitTimeoutMs?: number;
  /** Counts APDUs sent (benchmarks). */
  onApdu?: () => void;
}

export class PcscCardConnector implements CardConnector {
  #binding: Binding | null = null;
  readonly #busyTimeoutMs: number;
  readonly #transmitTimeoutMs: number;
  readonly #onApdu: (() => void) | undefined;

  constructor(opts: PcscConnectorOptions = {}) {
    this.#busyTimeoutMs = opts.busyTimeoutMs ?? 3000;
    this.#transmitTimeoutMs = opts.transmitTimeoutMs ?? 30_000;
    this.#onApdu = opts.onApdu;
  }

  withCard<T>(readerName: string, work: (channel: CardChannel) => Promise<T>): Promise<T> {
    return serialised(pcscKey(readerName), () => this.#unit(readerName, work));
  }

  async #unit<T>(readerName: string, work: (channel: CardChannel) => Promise<T>): Promise<T> {
    const b = (this.#binding ??= require('smartcard') as Binding);
    let ctx: ContextInterface;
    try {
      ctx = new b.Context();
    } catch (e) {
      throw classifyPcscError(e);
    }
    let card: CardInterface | null = null;
    try {
      card = await this.#connect(b, ctx, readerName);
      const held = card;
      let answered = 0;
      const exchange = async (apdu: Uint8Array): Promise<Buffer> =>
        withTimeout(
          held.transmit(Buffer.from(apdu), { maxRecvLength: 65538, autoGetResponse: false }),
          this.#transmitTimeoutMs,
          () => new PcscError('card-error', 'the card did not answer in time'),
        );
      const channel: CardChannel = {
        reader: readerName,
        atr: new Uint8Array(held.atr ?? []),
        transmit: async (apdu) => {
          this.#onApdu?.();
          let r: Buffer;
          try {
            r = await exchange(apdu);
          } catch (e) {
            const err = classifyPcscError(e);
            // A card whose last exchange broke (pulled and put back faster than pcscd polled)
            // fails its first command of the next unit; reset it once and repeat that command.
            if (answered > 0 || err.kind !== 'card-error') throw err;
            await this.#resetCard(b, held);
            try {
              r = await exchange(apdu);
            } catch (e2) {
              throw classifyPcscError(e2);
            }
          }
          if (r.length < 2) {
            // vpcd answers with nothing when the card's socket closed mid-command.
            throw this.#noAnswer();
          }
          answered++;
          return new Uint8Array(r);
        },
      };
      return await work(channel);
    } finally {
      if (card) {
        try {
          // Leave the card powered so its PIN state lasts the card session.
          card.disconnect(b.SCARD_LEAVE_CARD);
        } catch {
          /* the card or service is already gone */
        }
      }
      try {
        ctx.close();
      } catch {
        /* already closed */
      }
    }
  }

  /** Resets the card (warm reset through PC/SC); a card that is gone turns into card-removed. */
  async #resetCard(b: Binding, card: CardInterface): Promise<void> {
    try {
      await withTimeout(
        card.reconnect(b.SCARD_SHARE_EXCLUSIVE, b.SCARD_PROTOCOL_T0 | b.SCARD_PROTOCOL_T1, b.SCARD_RESET_CARD),
        this.#transmitTimeoutMs,
        () => new PcscError('card-error', 'the card did not answer a reset in time'),
      );
    } catch (e) {
      const err = classifyPcscError(e);
      throw err.kind === 'card-error' ? new PcscError('card-removed', err.message) : err;
    }
  }

  /**
   * vpcd answers with nothing when the card's socket closed mid-command: the card was pulled.
   * No reset is tried here: resetting a card that is gone leaves pcscd's vpcd slot unable to see
   * the next insertion until the card has been out for a poll cycle.
   */
  #noAnswer(): PcscError {
    return new PcscError('card-removed', 'the card stopped answering during the command');
  }

  async #connect(b: Binding, ctx: ContextInterface, readerName: string): Promise<CardInterface> {
    let readers;
    try {
      readers = ctx.listReaders();
    } catch (e) {
      throw classifyPcscError(e);
    }
    if (readers.length === 0) throw new PcscError('no-readers', 'no readers are connected');
    const reader = readers.find((r) => r.name === readerName);
    if (!reader) throw new PcscError('unknown-reader', `no reader named "${readerName}"`);
    const deadline = Date.now() + this.#busyTimeoutMs;
    const insertedGrace = Date.now() + 1000;
    for (let delay = 25; ; delay = Math.min(delay * 2, 250)) {
      try {
        return await withTimeout(
          reader.connect(b.SCARD_SHARE_EXCLUSIVE, b.SCARD_PROTOCOL_T0 | b.SCARD_PROTOCOL_T1),
          this.#transmitTimeoutMs,
          () => new PcscError('card-error', 'PC/SC did not connect to the card in time'),
        );
      } catch (e) {
        const err = classifyPcscError(e);
        // A card that pcscd lists as present but cannot connect to yet was only just inserted
        // (still being powered): give it a moment, as a person would, rather than say "no card".
        const settling = err.kind === 'no-card' && (reader.state & 0x20) !== 0 && Date.now() < insertedGrace;
        if ((err.kind !== 'card-busy' && !settling) || Date.now() + delay > deadline) throw err;
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }
}
