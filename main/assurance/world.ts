// What the runner needs from the world around Scrip besides its commands: the cards (insert, pull),
// the service's test controls (clock, revocation) and its message log. The embedded sandbox
// provides all of it (main/embedded.ts); a configured environment provides none, and scenarios
// that need them are reported as not applicable there.

import type { LoggedExchange } from '../../protocols/message-log/exchange';

export interface InsertedCard {
  userId: string;
  name: string;
  pin: string;
  puk: string;
}

export interface AssuranceWorld {
  environment: { name: string; label: string; sandbox: boolean; baseUrl: string };
  /** The sandbox clock's start when fixed (ISO), else null. */
  fixedClock: string | null;
  versions: Record<string, string>;
  /** A virtual card for a user into the reader (replacing any there); `fresh` issues new certificates. */
  insertCard?(user: string, fresh: boolean): Promise<InsertedCard>;
  pullCard?(): Promise<void>;
  /** Revokes a certificate of the card last inserted. */
  revoke?(which: 'signing' | 'authentication'): Promise<{ serial: string }>;
  advanceClock?(seconds: number): Promise<string>;
  /** Stages an EPS outage: answers lost after the request arrived, connections refused, or none. */
  outage?(mode: 'off' | 'lose-answers' | 'refuse'): Promise<void>;
  /** Test only: this lane's $prepare answers RS1 (SHA-1), as EPS answers a legacy application on its SHA-1 list. */
  sha1Prepare?(on: boolean): Promise<void>;
  /** The last sequence number of the service's message log (0 when empty). */
  lastExchange?(): number;
  /** Exchanges after a sequence number, tokens already redacted by the service. */
  exchanges?(since: number): LoggedExchange[];
  close?(): Promise<void>;
}
