// The card driver interface, in the style of libelectronic-id: one driver per card family, picked
// by ATR then by probing. Drivers speak to a channel that the caller holds for one unit of work.
import type { HashAlgorithm } from '../../protocols/card';

/** Which of the card's two keys: `auth` (PIV 9A, once per session) or `sign` (PIV 9C, PIN always). */
export type CertificateKind = 'auth' | 'sign';

export interface PinInfo {
  retriesLeft: number;
  maxRetries: number;
  blocked: boolean;
  /** The card reports the PIN as verified in this card session. */
  verified: boolean;
  /** Where the count comes from: the card's own counter, or a PKCS#11 token's flags (low / final try / locked). */
  source?: 'card' | 'token-flags';
  /** The PIN is typed on the reader's keypad (PKCS#11 CKF_PROTECTED_AUTHENTICATION_PATH), not in Scrip. */
  pinPad?: boolean;
}

/** What to sign: a ready DigestInfo (RSA) or a hash and its algorithm. */
export type SignInput = { digestInfo: Uint8Array } | { hash: Uint8Array; algorithm: HashAlgorithm };

/** Which driver speaks to the card: PIV over PC/SC, or a PKCS#11 module's token. */
export type DriverKind = 'piv' | 'pkcs11';

export interface CardDriver {
  readonly kind: DriverKind;
  /** DER of the certificate for `kind`. */
  certificate(kind: CertificateKind): Promise<Uint8Array>;
  pinInfo(): Promise<PinInfo>;
  /** Throws ScripError pin-wrong (details.retriesLeft), pin-blocked or pin-format. */
  verifyPin(pin: string): Promise<void>;
  changePin(oldPin: string, newPin: string): Promise<void>;
  unblockPin(puk: string, newPin: string): Promise<void>;
  /**
   * Signs with the key of `kind`; `pin` is used only if the card demands it (always for 9C).
   * Throws ScripError bad-state with details.pinRequired when it does and no PIN was given.
   */
  sign(kind: CertificateKind, input: SignInput, pin?: string): Promise<Uint8Array>;
  /** Card-specific identifier that changes when another card is inserted (PIV: CHUID GUID). */
  cardId(): Promise<string>;
  /** Supplies a certificate read earlier from the same card (same cardId), saving the reads. */
  primeCertificate(kind: CertificateKind, der: Uint8Array): void;
}
