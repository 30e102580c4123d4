// The secret that seals the audit log (HMAC): 256 random bits per data directory, kept only in the
// key store (the OS keychain, or the file store chosen by name). Someone who can write the database
// but not the key store can no longer delete an entry and re-chain the rest (decision 0012).
//
// Audit entries must never be lost because a key store is locked or absent: when the key cannot be
// had, the log goes on with its unkeyed chain and the entries are sealed when the key is next had.
import { KeychainUnavailableError, type Keychain } from '../../native/keychain/keychain';
import { randomBytes } from 'node:crypto';
import { logFailure } from '../log';

// A key store that failed is asked again after this long, not at every entry (a D-Bus call that
// times out would otherwise slow every audited action down).
const RETRY_AFTER_MS = 5_000;

type AuditKeyState = 'ready' | 'warming' | 'unavailable' | 'missing';

export class AuditKey {
  readonly #keychain: () => Keychain;
  readonly #account: string;
  /** Where the key is, in words (the verify result and the docs name it). */
  readonly where: string;
  #cached: Buffer | null = null;
  #failedAt = 0;
  #warming: Promise<void> | null = null;
  #state: AuditKeyState = 'unavailable';
  #why = '';

  constructor(keychain: () => Keychain, account: string, where = 'the OS keychain') {
    this.#keychain = keychain;
    this.#account = account;
    this.where = where;
  }

  /** Reads the key, if there is one, off the event loop (the agent calls this at start). */
  warm(): Promise<void> {
    if (this.#cached) return Promise.resolve();
    let kc: Keychain;
    try {
      kc = this.#keychain();
    } catch {
      return Promise.resolve();
    }
    if (!kc.getAsync) return Promise.resolve();
    this.#warming ??= kc
      .getAsync(this.#account)
      .then((stored) => {
        if (stored) this.#cached = decode(stored);
      })
      .catch(logFailure('reading the audit key from the key store at start failed; the next audit entry asks again'))
      .finally(() => {
        this.#warming = null;
      });
    return this.#warming;
  }

  /**
   * The key, or null when it cannot be had now. `mayCreate` is false once entries are sealed: a key
   * that vanished from the key store is reported ("missing"), never quietly replaced, because a new
   * key would make every sealed entry look forged and hide which ones really were.
   */
  tryGet(mayCreate: boolean): Buffer | null {
    if (this.#cached) {
      this.#state = 'ready';
      return this.#cached;
    }
    if (this.#warming) {
      this.#state = 'warming';
      return null;
    }
    if (this.#failedAt && Date.now() - this.#failedAt < RETRY_AFTER_MS) {
      this.#state = 'unavailable';
      return null;
    }
    try {
      const kc = this.#keychain();
      const stored = kc.get(this.#account);
      if (stored) {
        this.#cached = decode(stored);
        this.#state = 'ready';
        this.#failedAt = 0;
        return this.#cached;
      }
      if (!mayCreate) {
        this.#state = 'missing';
        return null;
      }
      kc.set(this.#account, randomBytes(32).toString('base64url'));
      const back = kc.get(this.#account);
      if (!back) throw new KeychainUnavailableError('the key store accepted the audit key but does not return it');
      this.#cached = decode(back);
      this.#state = 'ready';
      return this.#cached;
    } catch (e) {
      if (!(e instanceof KeychainUnavailableError)) throw e;
      this.#failedAt = Date.now();
      this.#state = 'unavailable';
      this.#why = e.message;
      return null;
    }
  }

  /** Why the last tryGet gave no key, in words. */
  explain(): string {
    switch (this.#state) {
      case 'ready':
        return `the audit key is in ${this.where}`;
      case 'warming':
        return `${this.where} has not answered yet (waiting to be unlocked?)`;
      case 'missing':
        return `the audit key that sealed this log is no longer in ${this.where}`;
      default:
        return `${this.where} is not available${this.#why ? `: ${this.#why}` : ''}`;
    }
  }

  get state(): AuditKeyState {
    return this.#state;
  }
}

function decode(stored: string): Buffer {
  const key = Buffer.from(stored, 'base64url');
  if (key.length !== 32)
    throw new KeychainUnavailableError('the audit key in the key store is not 256 bits (was it edited by hand?)');
  return key;
}
