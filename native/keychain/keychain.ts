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
interface KeyringBinding { Entry: new (service: string, account: string) => EntryLike }

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
  const entry = (account: string) => new binding.Entry(service, account);
  return {
    get(account) {
      try { return entry(account).getPassword() ?? null; } catch (e) {
        // "No matching entry" is an answer, not a failure.
        if (e instanceof Error && /no matching entry|not found/i.test(e.message)) return null;
        throw unavailable(e);
      }
    },
    set(account, secret) {
      try { entry(account).setPassword(secret); } catch (e) { throw unavailable(e); }
    },
    delete(account) {
      try { return entry(account).deletePassword(); } catch (e) {
        if (e instanceof Error && /no matching entry|not found/i.test(e.message)) return false;
        throw unavailable(e);
      }
    },
  };
}
