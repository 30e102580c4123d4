// The PKCS#11 card driver: a token in a slot of a PKCS#11 module (vendor middleware, OpenSC,
// SoftHSM2) behind the same CardDriver interface as the PIV driver. Which certificate is the
// authentication one and which the signing one is read from the certificates themselves; each
// private key is found by the CKA_ID of its certificate, never by its usage flags (OpenSC marks a
// PIV RSA key "decrypt" when its certificate allows key encipherment, "sign" otherwise).
import { constants, publicDecrypt, X509Certificate } from 'node:crypto';
import { digestInfo, isValidPin, pkcs1v15Pad } from '../../protocols/card';
import { Pkcs11Error, type Pkcs11Module } from '../../native/pkcs11/pkcs11-module';
import type { CertificateObject, SignAttempt, SignOutcome, SlotView, TokenView } from '../../native/pkcs11/protocol';
import { ScripError } from '../errors';
import type { CardDriver, CertificateKind, PinInfo, SignInput } from './card-driver';
import { certificateRole } from './card-certificates';
import { hashOfDigestInfo } from './piv-driver';

// PKCS#11 v2.40 values (the binding's constants live in the worker thread).
const CKM_RSA_PKCS = 0x1,
  CKM_RSA_X_509 = 0x3,
  CKM_ECDSA = 0x1041;
export const CKF = {
  LOGIN_REQUIRED: 0x4,
  PROTECTED_AUTHENTICATION_PATH: 0x100,
  USER_PIN_COUNT_LOW: 0x10000,
  USER_PIN_FINAL_TRY: 0x20000,
  USER_PIN_LOCKED: 0x40000,
  USER_PIN_TO_BE_CHANGED: 0x80000,
} as const;

/** PKCS#11 gives no counts; NHS cards (and the PIV virtual card) lock after 3. */
const PKCS11_ASSUMED_MAX_RETRIES = 3;

/** The PIN state a token's flags tell, before anything is typed. */
export function pinFromFlags(flags: number, verified: boolean): PinInfo {
  const max = PKCS11_ASSUMED_MAX_RETRIES;
  const blocked = (flags & CKF.USER_PIN_LOCKED) !== 0;
  const retriesLeft = blocked ? 0 : flags & CKF.USER_PIN_FINAL_TRY ? 1 : flags & CKF.USER_PIN_COUNT_LOW ? max - 1 : max;
  return {
    retriesLeft,
    maxRetries: max,
    blocked,
    verified: verified && !blocked,
    source: 'token-flags',
    pinPad: (flags & CKF.PROTECTED_AUTHENTICATION_PATH) !== 0,
  };
}

const GONE = new Set([
  'CKR_DEVICE_REMOVED',
  'CKR_TOKEN_NOT_PRESENT',
  'CKR_SESSION_HANDLE_INVALID',
  'CKR_SESSION_CLOSED',
  'CKR_TOKEN_NOT_RECOGNIZED',
]);

/** Which of a token's certificates is the authentication one and which the signing one. */
export function pairCertificates(certs: CertificateObject[]): Partial<Record<CertificateKind, CertificateObject>> {
  const out: Partial<Record<CertificateKind, CertificateObject>> = {};
  const byRole = certs.map((c) => ({ c, role: certificateRole(c.der) }));
  for (const kind of ['auth', 'sign'] as const) out[kind] = byRole.find((x) => x.role === kind)?.c;
  // Certificates that say nothing either way: OpenSC's PIV numbering (01 = 9A, 02 = 9C), then order.
  const rest = byRole
    .filter((x) => x.role === null)
    .map((x) => x.c)
    .sort((a, b) => a.id.localeCompare(b.id));
  if (!out.auth) out.auth = rest.find((c) => c.id === '01') ?? rest.shift();
  if (!out.sign) out.sign = rest.find((c) => c.id === '02' && c !== out.auth) ?? rest.find((c) => c !== out.auth);
  return out;
}

/** ECDSA from PKCS#11 is r || s; the PIV driver and CMS use DER ECDSA-Sig-Value. */
export function ecdsaRawToDer(raw: Uint8Array): Uint8Array {
  const n = raw.length / 2;
  const int = (b: Uint8Array): number[] => {
    let i = 0;
    while (i < b.length - 1 && b[i] === 0) i++;
    const v = [...b.subarray(i)];
    return [0x02, ...(v[0]! & 0x80 ? [v.length + 1, 0, ...v] : [v.length, ...v])];
  };
  const body = [...int(raw.subarray(0, n)), ...int(raw.subarray(n))];
  return Uint8Array.from([0x30, body.length, ...body]);
}

export class Pkcs11Driver implements CardDriver {
  readonly kind = 'pkcs11' as const;
  readonly #m: Pkcs11Module;
  readonly #slot: string;
  #token: TokenView;
  #paired: Partial<Record<CertificateKind, CertificateObject>> | null = null;
  readonly #primed = new Map<CertificateKind, Uint8Array>();

  constructor(module: Pkcs11Module, slot: string, token: TokenView) {
    this.#m = module;
    this.#slot = slot;
    this.#token = token;
  }

  get slot(): string {
    return this.#slot;
  }

  async cardId(): Promise<string> {
    const t = this.#token;
    return `pkcs11:${t.manufacturer}:${t.model}:${t.serial}:${t.label}`;
  }

  primeCertificate(kind: CertificateKind, der: Uint8Array): void {
    this.#primed.set(kind, der);
  }

  async #pairs(): Promise<Partial<Record<CertificateKind, CertificateObject>>> {
    this.#paired ??= pairCertificates(await this.#call<CertificateObject[]>({ op: 'certificates', slot: this.#slot }));
    return this.#paired;
  }

  async certificate(kind: CertificateKind): Promise<Uint8Array> {
    const primed = this.#primed.get(kind);
    if (primed) return primed;
    const c = (await this.#pairs())[kind];
    if (!c)
      throw new ScripError(
        'unsupported-card',
        `The token has no ${kind === 'auth' ? 'authentication' : 'signing'} certificate.`,
      );
    return c.der;
  }

  /** The token's flags read now (they change with each wrong PIN). */
  async #flags(): Promise<number> {
    const slots = await this.#call<SlotView[]>({ op: 'slots' });
    const s = slots.find((x) => x.id === this.#slot);
    if (!s?.token) throw new ScripError('card-removed');
    this.#token = s.token;
    return s.token.flags;
  }

  async pinInfo(): Promise<PinInfo> {
    const flags = await this.#flags();
    const { user } = await this.#call<{ user: boolean }>({ op: 'session', slot: this.#slot });
    return pinFromFlags(flags, user);
  }

  /** The PIN to hand the module: null on a PIN pad (the person types it on the reader). */
  #pin(pin: string | undefined): string | null {
    if (this.#token.flags & CKF.PROTECTED_AUTHENTICATION_PATH) return null;
    if (
      pin === undefined ||
      !isValidPin(pin, Math.max(4, this.#token.minPinLength || 4), Math.min(this.#token.maxPinLength || 8, 16))
    ) {
      throw new ScripError('pin-format');
    }
    return pin;
  }

  async verifyPin(pin: string): Promise<void> {
    await this.#pinCall({ op: 'login', slot: this.#slot, pin: this.#pin(pin) });
  }

  async changePin(oldPin: string, newPin: string): Promise<void> {
    const pad = (this.#token.flags & CKF.PROTECTED_AUTHENTICATION_PATH) !== 0;
    await this.#pinCall({
      op: 'set-pin',
      slot: this.#slot,
      oldPin: pad ? null : this.#pin(oldPin),
      newPin: pad ? null : this.#pin(newPin),
    });
  }

  async unblockPin(puk: string, newPin: string): Promise<void> {
    const pad = (this.#token.flags & CKF.PROTECTED_AUTHENTICATION_PATH) !== 0;
    if (!pad && !isValidPin(puk, 4, 16))
      throw new ScripError('pin-format', "The PUK (the token's SO PIN) was not in the expected form.");
    await this.#pinCall(
      { op: 'unblock', slot: this.#slot, puk: pad ? null : puk, newPin: pad ? null : this.#pin(newPin) },
      'PUK',
    );
  }

  async sign(kind: CertificateKind, input: SignInput, pin?: string): Promise<Uint8Array> {
    const pinToSend =
      pin === undefined ? (this.#token.flags & CKF.PROTECTED_AUTHENTICATION_PATH ? null : undefined) : this.#pin(pin);
    const pairs = await this.#pairs();
    const c = pairs[kind];
    if (!c)
      throw new ScripError(
        'unsupported-card',
        `The token has no ${kind === 'auth' ? 'authentication' : 'signing'} certificate.`,
      );
    const key = new X509Certificate(await this.certificate(kind)).publicKey;
    let attempts: SignAttempt[];
    let block: Uint8Array | null = null;
    if (key.asymmetricKeyType === 'rsa') {
      const di = 'digestInfo' in input ? input.digestInfo : digestInfo(input.algorithm, input.hash);
      block = pkcs1v15Pad(di, (key.asymmetricKeyDetails?.modulusLength ?? 0) / 8);
      // PKCS#1 v1.5 by the token; else the raw RSA operation on a block padded here, as a
      // signature or, for a key the module marks decrypt-only, as a decryption.
      attempts = [
        { mechanism: CKM_RSA_PKCS, operation: 'sign', data: di },
        { mechanism: CKM_RSA_X_509, operation: 'sign', data: block },
        { mechanism: CKM_RSA_X_509, operation: 'decrypt', data: block },
      ];
    } else if (key.asymmetricKeyType === 'ec') {
      attempts = [
        {
          mechanism: CKM_ECDSA,
          operation: 'sign',
          data: 'hash' in input ? input.hash : hashOfDigestInfo(input.digestInfo),
        },
      ];
    } else {
      throw new ScripError('unsupported-card', 'The token key uses an algorithm Scrip does not support.');
    }
    if (pinToSend === undefined) {
      // No PIN given: the key must be usable as things stand (logged in, not PIN-always).
      const { user } = await this.#call<{ user: boolean }>({ op: 'session', slot: this.#slot });
      if (!user)
        throw new ScripError(
          'bad-state',
          'The card needs the passcode for this.',
          { pinRequired: true },
          'Enter the passcode and try again.',
        );
    }
    let out: SignOutcome;
    try {
      out = await this.#pinCall<SignOutcome>({
        op: 'sign',
        slot: this.#slot,
        keyId: c.id,
        attempts,
        pin: pinToSend ?? null,
        // A key hidden until login is reached through the keypad rather than refused (#13's note).
        keypad: (this.#token.flags & CKF.PROTECTED_AUTHENTICATION_PATH) !== 0,
      });
    } catch (e) {
      if (e instanceof ScripError && e.code === 'card-error' && e.details?.ckr === 'CKR_USER_NOT_LOGGED_IN') {
        throw new ScripError(
          'bad-state',
          'The card needs the passcode for this.',
          { pinRequired: true },
          'Enter the passcode and try again.',
        );
      }
      throw e;
    }
    if (key.asymmetricKeyType === 'ec') return ecdsaRawToDer(out.signature);
    // Check the token's answer against the certificate: a wrong key pairing is caught here.
    let recovered: Buffer;
    try {
      recovered = publicDecrypt({ key, padding: constants.RSA_NO_PADDING }, out.signature);
    } catch {
      throw new ScripError('card-error', 'The token returned a malformed signature.');
    }
    if (!recovered.equals(Buffer.from(block!)))
      throw new ScripError('card-error', 'The token signed with a key that does not match its certificate.');
    return out.signature;
  }

  /** A call that presents a PIN: a wrong one is told with the tries the token's flags now show. */
  async #pinCall<T>(request: Parameters<Pkcs11Module['call']>[0], what: 'PIN' | 'PUK' = 'PIN'): Promise<T> {
    try {
      return await this.#call<T>(request);
    } catch (e) {
      if (!(e instanceof ScripError) || e.details?.ckr !== 'CKR_PIN_INCORRECT') throw e;
      if (what === 'PUK')
        throw new ScripError('pin-wrong', 'The PUK was wrong.', { puk: true, ckr: 'CKR_PIN_INCORRECT' });
      const info = pinFromFlags(await this.#flags(), false);
      if (info.blocked) throw new ScripError('pin-blocked');
      throw new ScripError(
        'pin-wrong',
        `The passcode was wrong; ${info.retriesLeft === 1 ? 'this is the last try' : 'the token says tries are running low'}.`,
        { retriesLeft: info.retriesLeft, ckr: 'CKR_PIN_INCORRECT' },
      );
    }
  }

  async #call<T>(request: Parameters<Pkcs11Module['call']>[0]): Promise<T> {
    try {
      return await this.#m.call<T>(request);
    } catch (e) {
      throw pkcs11ToScrip(e);
    }
  }
}

/** PKCS#11 failures as the app's errors. */
export function pkcs11ToScrip(e: unknown): ScripError {
  if (e instanceof ScripError) return e;
  if (!(e instanceof Pkcs11Error))
    return new ScripError('internal', undefined, e instanceof Error ? { cause: e.message } : undefined);
  const details = { ckr: e.ckr, step: e.step };
  if (GONE.has(e.ckr) || e.ckr === 'CKR_DEVICE_ERROR') return new ScripError('card-removed', undefined, details);
  switch (e.ckr) {
    case 'CKR_SLOT_ID_INVALID':
      return new ScripError('no-card', undefined, details);
    case 'CKR_PIN_INCORRECT':
      return new ScripError('card-error', 'The passcode was wrong.', details);
    case 'CKR_PIN_LOCKED':
      return new ScripError('pin-blocked', undefined, details);
    case 'CKR_PIN_LEN_RANGE':
    case 'CKR_PIN_INVALID':
      return new ScripError('pin-format', "The token refused the passcode's length or characters.", details);
    case 'CKR_FUNCTION_CANCELED':
      return new ScripError(
        'pin-format',
        'The passcode entry on the reader was cancelled.',
        details,
        "Try again and type the passcode on the reader's keypad.",
      );
    case 'CKR_FUNCTION_NOT_SUPPORTED':
    case 'CKR_FUNCTION_NOT_PERMITTED':
      return new ScripError(
        'unsupported-card',
        `The token does not allow that (${e.step}).`,
        details,
        "Use the card vendor's tool, or ask your Registration Authority.",
      );
    case 'CKR_USER_NOT_LOGGED_IN':
      return new ScripError('card-error', 'The token needs the passcode first.', details);
    default:
      return new ScripError(
        'card-error',
        `The token refused the operation (${e.step}: ${e.ckr || e.message}).`,
        details,
      );
  }
}
