// Readers as the app sees them: PC/SC snapshots turned into ReaderState, published as
// `reader.changed` events, and what the card layer knows (card type, PIN retries) merged in.
import type { EventBus } from '../events';
import type { PcscReaderSnapshot, PcscStatus, ReaderWatch } from '../../native/pcsc/reader-watch';
import type { ReaderState, ReadersView } from './reader-state';

export type { ReadersView } from './reader-state';

/** What the card layer adds to a reader it has looked at; null fields mean "not known". */
export type CardFacts = Pick<ReaderState, 'pinPad' | 'cardType' | 'pinRetries'>;
export type CardFactsSource = (reader: PcscReaderSnapshot) => Partial<CardFacts>;

export class ReaderService {
  readonly #watch: ReaderWatch;
  readonly #events: EventBus;
  #facts: CardFactsSource = () => ({});

  constructor(watch: ReaderWatch, events: EventBus) {
    this.#watch = watch;
    this.#events = events;
    this.#watch.on('change', (s) => this.#events.emit('reader.changed', this.#view(s)));
  }

  start(): void { this.#watch.start(); }
  stop(): void { this.#watch.stop(); }

  /** Lets the card layer add what it knows about the card in a reader. */
  setCardFacts(source: CardFactsSource): void { this.#facts = source; }

  /** Publishes the current view again (after card facts changed). */
  republish(): void { this.#events.emit('reader.changed', this.list()); }

  list(): ReadersView { return this.#view(this.#watch.refresh()); }

  #view(s: PcscStatus): ReadersView {
    return {
      service: s.service,
      readers: s.readers.map((r) => ({
        name: r.name,
        present: r.present,
        atr: r.atr,
        inUse: r.exclusive,
        pinPad: null,
        cardType: null,
        pinRetries: null,
        ...(r.present ? this.#facts(r) : {}),
      })),
    };
  }
}
