// The messages between Scrip and its PKCS#11 worker threads (native/pkcs11/worker.ts). Slots are
// named by the hex of their CK_SLOT_ID; binary values travel as Uint8Array.

export interface TokenView {
  label: string;
  manufacturer: string;
  model: string;
  serial: string;
  /** CK_TOKEN_INFO.flags */
  flags: number;
  minPinLength: number;
  maxPinLength: number;
}

export interface SlotView {
  id: string;
  description: string;
  manufacturer: string;
  /** CK_SLOT_INFO.flags */
  flags: number;
  token: TokenView | null;
}

export interface ModuleInfo {
  library: string;
  manufacturer: string;
  version: string;
  cryptokiVersion: string;
}

export interface MechanismView {
  type: number;
  name: string;
  minKeySize: number;
  maxKeySize: number;
  flags: number;
}

export interface CertificateObject {
  id: string;
  label: string;
  der: Uint8Array;
}

/** One way to have the key make a signature; the worker tries them in order. */
export interface SignAttempt {
  mechanism: number;
  /** `decrypt`: a raw RSA private-key operation on a block padded by the caller (keys marked decrypt-only). */
  operation: 'sign' | 'decrypt';
  data: Uint8Array;
}

export type Request =
  | { op: 'info' }
  | { op: 'slots' }
  /** Which slots exist and which token sits in each, as one string to compare between polls. */
  | { op: 'fingerprint' }
  | { op: 'mechanisms'; slot: string }
  | { op: 'certificates'; slot: string }
  | { op: 'session'; slot: string }
  /** Checks the PIN afresh (logs out first); `pin: null` = the reader's PIN pad. */
  | { op: 'login'; slot: string; pin: string | null }
  | { op: 'logout'; slot: string }
  | {
      op: 'sign';
      slot: string;
      keyId: string;
      attempts: SignAttempt[];
      /** null: no PIN from Scrip (the token must be logged in, or `keypad`). */
      pin: string | null;
      /** The token has a protected authentication path: a login, where one is needed, is on the reader's keypad. */
      keypad?: boolean;
    }
  | { op: 'set-pin'; slot: string; oldPin: string | null; newPin: string | null }
  | { op: 'unblock'; slot: string; puk: string | null; newPin: string | null }
  | { op: 'close' };

export interface SignOutcome {
  signature: Uint8Array;
  /** Which attempt worked (index into `attempts`). */
  attempt: number;
}

export interface Pkcs11Failure {
  /** CKR_* name, or "" for a failure outside PKCS#11 (the module would not load). */
  ckr: string;
  code: number;
  message: string;
  /** What the worker was doing, e.g. "C_Login". */
  step: string;
}

export type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: Pkcs11Failure };

/** How the events thread learns of token changes. */
export type EventMode = 'wait' | 'poll';

export type WorkerEvent =
  | { event: 'ready' }
  | { event: 'mode'; mode: EventMode; pollMs: number }
  | { event: 'slot'; slot: string | null }
  | { event: 'failed'; error: Pkcs11Failure };
