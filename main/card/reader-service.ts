// Readers as the app sees them: PC/SC snapshots turned into ReaderState, published as
// `reader.changed` events, and what the card layer knows (card type, PIN retries) merged in.
import type { EventBus } from '../events';
import type { PcscReaderSnapshot, PcscStatus, ReaderWatch } from '../../native/pcsc/reader-watch';
import type { ReaderState, ReadersView } from './reader-state';
import { heldByScrip } from '../../native/pcsc/card-connection';

export type { ReadersView } from './reader-state';

/** What the card layer adds to a reader it has looked at; null fields mean "not known". */
type CardFacts = Pick<ReaderState, 'pinPad' | 'cardType' | 'pinRetries'>;
type CardFactsSource = (reader: PcscReaderSnapshot) => Partial<CardFacts>;

/** Readers that are not PC/SC ones: PKCS#11 slots no PC/SC reader stands for (main/card/pkcs11-tokens.ts). */
interface TokenReaders {
  snapshots(pcscNames: Iterable<string>): PcscReaderSnapshot[];
  on(event: 'change', listener: () => void): unknown;
}

export class ReaderService {
  readonly #watch: ReaderWatch;
  readonly #events: EventBus;
  #facts: CardFactsSource = () => ({});
  #tokens: TokenReaders | null = null;

  readonly #heldHere: (readerName: string) => boolean;

  /** `heldHere` says whether an exclusive hold on a reader is Scrip's own (default: its PC/SC queue). */
  constructor(watch: ReaderWatch, events: EventBus, heldHere: (readerName: string) => boolean = heldByScrip) {
    this.#watch = watch;
    this.#events = events;
    this.#heldHere = heldHere;
    this.#watch.on('change', (s) => this.#events.emit('reader.changed', this.#view(s)));
  }

  start(): void {
    this.#watch.start();
  }
  dispose(): void {
    this.#watch.stop();
  }

  /** Adds the token readers of PKCS#11 modules; their changes are published like PC/SC ones. */
  setTokenReaders(tokens: TokenReaders): void {
    this.#tokens = tokens;
    tokens.on('change', () => this.republish());
  }

  /** Lets the card layer add what it knows about the card in a reader. */
  setCardFacts(source: CardFactsSource): void {
    this.#facts = source;
  }

  /** Publishes the current view again (after card facts changed). */
  republish(): void {
    this.#events.emit('reader.changed', this.list());
  }

  list(): ReadersView {
    return this.#view(this.#watch.refresh());
  }

  #view(s: PcscStatus): ReadersView {
    return {
      service: s.service,
      readers: [...s.readers, ...(this.#tokens?.snapshots(s.readers.map((r) => r.name)) ?? [])].map((r) => ({
        name: r.name,
        present: r.present,
        atr: r.atr,
        // PC/SC shows Scrip's own exclusive hold (while it signs) like another program's.
        inUse: r.exclusive && !this.#heldHere(r.name),
        pinPad: null,
        cardType: null,
        pinRetries: null,
        ...(r.present ? this.#facts(r) : {}),
      })),
    };
  }
}
