// The OS keychain (Secret Service on Linux, Keychain on macOS, Credential Manager on Windows)
// through @napi-rs/keyring. Where none is available, callers are told so and nothing is stored:
// Scrip never falls back to plain-text secrets.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface EntryLike {
  getPassword(): string | null | undefined;
  setPassword(password: string): void;
  deletePassword(): boolean;
}
type EntryOptions = { linux?: { store?: 'secret-service' | 'keyutils' } };
interface KeyringBinding {
  Entry: new (service: string, account: string, options?: EntryOptions) => EntryLike;
  AsyncEntry: new (service: string, account: string, options?: EntryOptions) => { getPassword(): Promise<string | null | undefined> };
}

export class KeychainUnavailableError extends Error {
  constructor(cause: string) {
    super(`No OS keychain is available: ${cause}`);
    this.name = 'KeychainUnavailableError';
  }
}

export interface Keychain {
  get(account: string): string | null;
  set(account: string, secret: string): void;
  delete(account: string): boolean;
  /** The same as get, off the event loop: a keychain waiting to be unlocked does not stall the agent. */
  getAsync?(account: string): Promise<string | null>;
}

function unavailable(e: unknown): KeychainUnavailableError {
  return new KeychainUnavailableError(e instanceof Error ? e.message : String(e));
}

/** A keychain under one service name (e.g. "scrip"). Every call may throw KeychainUnavailableError. */
export function osKeychain(service: string): Keychain {
  let binding: KeyringBinding;
  try {
    binding = require('@napi-rs/keyring') as KeyringBinding;
  } catch (e) {
    throw unavailable(e);
  }
  // On Linux the binding falls back silently to the kernel's keyutils when no Secret Service answers;
  // that store is lost at logout or reboot (and with it every API key it signed), so it is not a
  // keychain for Scrip's purposes: ask for the Secret Service only, and fail where there is none.
  const options: EntryOptions = { linux: { store: 'secret-service' } };
  const entry = (account: string) => new binding.Entry(service, account, options);
  const absent = (e: unknown) => e instanceof Error && /no matching entry|not found/i.test(e.message);
  return {
    get(account) {
      try { return entry(account).getPassword() ?? null; } catch (e) {
        // "No matching entry" is an answer, not a failure.
        if (absent(e)) return null;
        throw unavailable(e);
      }
    },
    async getAsync(account) {
      try { return (await new binding.AsyncEntry(service, account, options).getPassword()) ?? null; } catch (e) {
        if (absent(e)) return null;
        throw unavailable(e);
      }
    },
    set(account, secret) {
      try { entry(account).setPassword(secret); } catch (e) { throw unavailable(e); }
    },
    delete(account) {
      try { return entry(account).deletePassword(); } catch (e) {
        if (absent(e)) return false;
        throw unavailable(e);
      }
    },
  };
}

/** A keychain that lives in this process only: for unit tests, never for real secrets at rest. */
export function memoryKeychain(): Keychain {
  const secrets = new Map<string, string>();
  return {
    get: (account) => secrets.get(account) ?? null,
    set: (account, secret) => { secrets.set(account, secret); },
    delete: (account) => secrets.delete(account),
  };
}
