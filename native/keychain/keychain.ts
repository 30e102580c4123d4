// The OS keychain (Secret Service on Linux, Keychain on macOS, Credential Manager on Windows)
// through @napi-rs/keyring. Where none is available, callers are told so and nothing is stored:
// Scrip never falls back to plain-text secrets. A file store exists for headless machines, but only
// when asked for by name (keyStoreFor).
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

interface EntryLike {
  getPassword(): string | null | undefined;
  setPassword(password: string): void;
  deletePassword(): boolean;
}
type EntryOptions = { linux?: { store?: 'secret-service' | 'keyutils' } };
interface KeyringBinding {
  Entry: new (service: string, account: string, options?: EntryOptions) => EntryLike;
  AsyncEntry: new (
    service: string,
    account: string,
    options?: EntryOptions,
  ) => { getPassword(): Promise<string | null | undefined> };
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
      try {
        return entry(account).getPassword() ?? null;
      } catch (e) {
        // "No matching entry" is an answer, not a failure.
        if (absent(e)) return null;
        throw unavailable(e);
      }
    },
    async getAsync(account) {
      try {
        return (await new binding.AsyncEntry(service, account, options).getPassword()) ?? null;
      } catch (e) {
        if (absent(e)) return null;
        throw unavailable(e);
      }
    },
    set(account, secret) {
      try {
        entry(account).setPassword(secret);
      } catch (e) {
        throw unavailable(e);
      }
    },
    delete(account) {
      try {
        return entry(account).deletePassword();
      } catch (e) {
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
    set: (account, secret) => {
      secrets.set(account, secret);
    },
    delete: (account) => secrets.delete(account),
  };
}

/**
 * A secret store in one file, for machines with no keychain (CI, containers): chosen explicitly with
 * SCRIP_KEYCHAIN=file or `scrip agent --headless`, never as a fallback. The file is 0600 in a 0700
 * directory; its protection is the account's, as with an SSH key.
 */
export function fileKeychain(path: string): Keychain {
  const read = (): Record<string, string> => {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw unavailable(e);
    }
    // Refuse a file others can read: it would be a secret in plain sight.
    if (process.platform !== 'win32' && (statSync(path).mode & 0o077) !== 0)
      throw new KeychainUnavailableError(`${path} can be read by other users (chmod 600 it)`);
    try {
      return JSON.parse(text) as Record<string, string>;
    } catch {
      throw new KeychainUnavailableError(`${path} is not a JSON file of secrets (was it edited by hand?)`);
    }
  };
  const write = (all: Record<string, string>): void => {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(all, null, 2) + '\n', { mode: 0o600 });
    renameSync(tmp, path);
  };
  return {
    get: (account) => read()[account] ?? null,
    async getAsync(account) {
      return read()[account] ?? null;
    },
    set(account, secret) {
      write({ ...read(), [account]: secret });
    },
    delete(account) {
      const all = read();
      if (!(account in all)) return false;
      delete all[account];
      write(all);
      return true;
    },
  };
}

type KeyStoreKind = 'os' | 'file';
export interface KeyStore {
  kind: KeyStoreKind;
  /** Where the secrets are, in words (diagnostics, UI). */ where: string;
  open(): Keychain;
}

/** The file that holds secrets when SCRIP_KEYCHAIN=file. */
export function keyStoreFile(dataDir: string): string {
  return join(dataDir, 'secrets.json');
}

/**
 * The key store this process uses: the OS keychain unless SCRIP_KEYCHAIN=file says otherwise.
 * Any other value is refused, naming it: a typo must not quietly pick a store.
 */
export function keyStoreFor(dataDir: string, env: NodeJS.ProcessEnv = process.env): KeyStore {
  const choice = env.SCRIP_KEYCHAIN ?? 'os';
  if (choice === 'file') {
    const file = keyStoreFile(dataDir);
    return { kind: 'file', where: `the file ${file} (SCRIP_KEYCHAIN=file)`, open: () => fileKeychain(file) };
  }
  if (choice === 'os' || choice === '')
    return { kind: 'os', where: 'the OS keychain', open: () => osKeychain('scrip') };
  throw new KeychainUnavailableError(`SCRIP_KEYCHAIN is "${choice}"; it takes "os" (the default) or "file"`);
}
