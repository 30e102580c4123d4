// The secret that signs API keys: 256 random bits, created once per data directory and kept only in
// the OS keychain. Read once, then held in memory, so checking a key never waits on the keychain.
import { createHmac, randomBytes } from 'node:crypto';
import type { Db } from '../store/database';
import { KeychainUnavailableError, type Keychain } from '../../native/keychain/keychain';
import { ScripError } from '../errors';
import { logFailure } from '../log';

interface SigningKey {
  key: Buffer;
  /** A public name for the key (an HMAC of a constant): tells which key signed a row, reveals nothing. */
  id: string;
}

// A keychain that failed is asked again after this long, not on every request (a D-Bus call that
// times out would otherwise slow every API call down).
const RETRY_AFTER_MS = 5_000;
// How long a key check waits for the keychain's first answer after the agent starts. An unlocked
// keychain answers within milliseconds (seconds on a loaded machine); one waiting for a person to
// unlock it does not, and then the check says so rather than hold the request.
const FIRST_ANSWER_WAIT_MS = 10_000;

function signingKeyId(key: Buffer): string {
  return createHmac('sha256', key).update('scrip api-key signing key id').digest('hex').slice(0, 16);
}

export class ApiKeySigningKey {
  readonly #keychain: () => Keychain;
  readonly #account: string;
  readonly #db: Db;
  readonly #where: string;
  #cached: SigningKey | null = null;
  #failed: { at: number; error: ScripError } | null = null;
  #warming: Promise<void> | null = null;

  /** `account` names this data directory's entry in the keychain (service "scrip"). */
  constructor(db: Db, keychain: () => Keychain, account: string, where = 'the OS keychain') {
    this.#db = db;
    this.#where = where;
    this.#keychain = keychain;
    this.#account = account;
  }

  /**
   * Reads the key, if there is one, off the event loop (the agent calls this at start). Until it
   * answers, get() says the keychain is not ready rather than block every request behind a
   * keychain that is waiting for the user to unlock it.
   */
  warm(): Promise<void> {
    if (this.#cached) return Promise.resolve();
    let kc: Keychain;
    try {
      kc = this.#keychain();
    } catch {
      return Promise.resolve();
    } // get() will say why
    if (!kc.getAsync) return Promise.resolve();
    this.#warming ??= kc
      .getAsync(this.#account)
      .then((stored) => {
        if (stored) {
          const key = decode(stored);
          this.#cached = { key, id: signingKeyId(key) };
        }
      })
      .catch(
        logFailure(
          'reading the API-key secret from the keychain at start failed; the first key check asks again and says why',
        ),
      )
      .finally(() => {
        this.#warming = null;
      });
    return this.#warming;
  }

  /**
   * Resolves once the warm-up under way (if any) has answered, or after `maxMs`. A request that
   * arrives just after the agent said it was ready waits here for the keychain's first answer
   * instead of being refused with "not answered yet" while the answer is on its way.
   */
  async firstAnswer(maxMs = FIRST_ANSWER_WAIT_MS): Promise<void> {
    const warming = this.#warming;
    if (!warming) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      warming,
      new Promise<void>((r) => {
        timer = setTimeout(r, maxMs);
      }),
    ]);
    clearTimeout(timer);
  }

  /** The key, creating it in the keychain if there is none yet; `no-keychain` when there is no keychain. */
  get(): SigningKey {
    if (this.#cached) return this.#cached;
    if (this.#warming) {
      throw new ScripError(
        'no-keychain',
        'The OS keychain has not answered yet (it may be waiting for you to unlock it), so API keys cannot be checked or created at this moment.',
        undefined,
        'Unlock the keychain if your desktop asks, then try again.',
      );
    }
    if (this.#failed && Date.now() - this.#failed.at < RETRY_AFTER_MS) throw this.#failed.error;
    try {
      // IMMEDIATE takes SQLite's write lock first, so the agent and a CLI sharing this data directory
      // cannot both create a key and overwrite each other's in the keychain.
      const key = this.#db
        .transaction(() => {
          const kc = this.#keychain();
          const stored = kc.get(this.#account);
          if (stored) return decode(stored);
          kc.set(this.#account, randomBytes(32).toString('base64url'));
          const back = kc.get(this.#account);
          if (!back) throw new KeychainUnavailableError('the keychain accepted the secret but does not return it');
          return decode(back);
        })
        .immediate();
      this.#cached = { key, id: signingKeyId(key) };
      this.#failed = null;
      return this.#cached;
    } catch (e) {
      if (e instanceof KeychainUnavailableError) {
        const error = new ScripError(
          'no-keychain',
          `API keys cannot be created or checked: ${e.message}. The secret that signs API keys is kept only in ${this.#where}.`,
          undefined,
          'Start or unlock a keychain for this desktop session (on Linux a Secret Service such as gnome-keyring) and try again. Scrip will not fall back to keeping this secret in a file by itself; on a machine with no keychain (CI, a container) choose the file store explicitly: SCRIP_KEYCHAIN=file, or "scrip agent --headless". The Scrip window and browser mode work without API keys.',
        );
        this.#failed = { at: Date.now(), error };
        throw error;
      }
      throw e;
    }
  }

  /** Whether the keychain answers, without creating anything (diagnostics). Never the secret. */
  status(): { available: boolean; created: boolean; detail: string } {
    if (this.#cached)
      return { available: true, created: true, detail: `the secret that signs API keys is in ${this.#where}` };
    if (this.#warming)
      return {
        available: false,
        created: false,
        detail: 'the OS keychain has not answered yet (waiting to be unlocked?)',
      };
    try {
      const created = this.#keychain().get(this.#account) !== null;
      return {
        available: true,
        created,
        detail: created
          ? `the secret that signs API keys is in ${this.#where}`
          : `${this.#where} is available; the secret that signs API keys is created there with the first key`,
      };
    } catch (e) {
      if (e instanceof KeychainUnavailableError)
        return {
          available: false,
          created: false,
          detail: `${e.message} (key store: ${this.#where}): API keys cannot be created or checked`,
        };
      throw e;
    }
  }

  /** The key if it can be had now, else null (for best-effort work such as upgrading old hashes). */
  tryGet(): SigningKey | null {
    try {
      return this.get();
    } catch (e) {
      if (e instanceof ScripError && e.code === 'no-keychain') return null;
      throw e;
    }
  }
}

function decode(stored: string): Buffer {
  const key = Buffer.from(stored, 'base64url');
  if (key.length !== 32)
    throw new KeychainUnavailableError('the API-key secret in the keychain is not 256 bits (was it edited by hand?)');
  return key;
}
