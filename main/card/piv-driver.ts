// The PIV driver (NIST SP 800-73-4) over one APDU session. PKCS#1 v1.5 padding is built here on the
// host; the card does only the raw private-key operation. The PIN goes from the argument into
// the VERIFY command and nowhere else.
import { constants, publicDecrypt, X509Certificate } from 'node:crypto';
import {
  ALG,
  certificateDer,
  cmd,
  decodeCertContainer,
  decodeChuid,
  digestInfo,
  digestInfoAlgorithm,
  hashLength,
  hex,
  isApplicationTemplate,
  isValidPin,
  KEY,
  OBJ,
  parseAuthenticateResponse,
  pkcs1v15Pad,
  PIN_REF,
  PivFormatError,
  retriesFrom,
  SW,
  TlvError,
  type ResponseApdu,
} from '../../protocols/card';
import { ScripError } from '../errors';
import type { ApduSession } from './apdu-session';
import type { CardDriver, CertificateKind, PinInfo, SignInput } from './card-driver';

/** PIV does not report the maximum; NHS cards and Scrip's virtual card lock after 3. */
export const PIV_MAX_PIN_RETRIES = 3;

const keyRef: Record<CertificateKind, number> = { auth: KEY.AUTHENTICATION, sign: KEY.SIGNATURE };
const objectOf: Record<CertificateKind, number> = { auth: OBJ.CERT_9A, sign: OBJ.CERT_9C };
const rsaAlg: Record<number, number> = { 1024: ALG.RSA1024, 2048: ALG.RSA2048, 3072: ALG.RSA3072, 4096: ALG.RSA4096 };
const ecAlg: Record<string, number> = {
  prime256v1: ALG.ECC_P256,
  'P-256': ALG.ECC_P256,
  secp384r1: ALG.ECC_P384,
  'P-384': ALG.ECC_P384,
};

const swText = (sw: number): string => sw.toString(16).toUpperCase().padStart(4, '0');

/** Maps a failed PIN-type status word to the error a person is shown. */
export function pinError(sw: number, what: 'PIN' | 'PUK' = 'PIN'): ScripError {
  const left = retriesFrom(sw);
  if (sw === SW.AUTH_BLOCKED || left === 0) {
    return what === 'PIN'
      ? new ScripError('pin-blocked')
      : new ScripError(
          'pin-blocked',
          'The PUK is blocked too; the card cannot be unlocked here.',
          { puk: true },
          'Ask your Registration Authority for a new card.',
        );
  }
  if (left !== null) {
    return what === 'PIN'
      ? new ScripError('pin-wrong', `The passcode was wrong; ${left} ${left === 1 ? 'try' : 'tries'} left.`, {
          retriesLeft: left,
        })
      : new ScripError('pin-wrong', `The PUK was wrong; ${left} ${left === 1 ? 'try' : 'tries'} left.`, {
          retriesLeft: left,
          puk: true,
        });
  }
  if (sw === SW.WRONG_DATA || sw === SW.WRONG_LENGTH) return new ScripError('pin-format');
  return new ScripError('card-error', `The card refused the ${what} command (status ${swText(sw)}).`);
}

export class PivDriver implements CardDriver {
  readonly kind = 'piv' as const;
  readonly #s: ApduSession;
  #selected = false;
  readonly #certs = new Map<CertificateKind, Uint8Array>();

  /** `selected`: the caller has just SELECTed the PIV application in this session. */
  constructor(session: ApduSession, opts: { selected?: boolean } = {}) {
    this.#s = session;
    this.#selected = opts.selected ?? false;
  }

  async #select(): Promise<void> {
    if (this.#selected) return;
    const r = await this.#s.send(cmd.select());
    if (r.sw !== SW.OK || !isApplicationTemplate(r.data))
      throw new ScripError('unsupported-card', 'The card has no PIV application.');
    this.#selected = true;
  }

  async #getData(tag: number): Promise<Uint8Array | null> {
    await this.#select();
    const r = await this.#s.send(cmd.getData(tag));
    if (r.sw === SW.NOT_FOUND) return null;
    if (r.sw !== SW.OK) throw new ScripError('card-error', `GET DATA failed (status ${swText(r.sw)}).`);
    return r.data;
  }

  /** Supplies a certificate already read from this card (the caller checked the card id). */
  primeCertificate(kind: CertificateKind, der: Uint8Array): void {
    this.#certs.set(kind, der);
  }

  async cardId(): Promise<string> {
    const data = await this.#getData(OBJ.CHUID);
    if (!data) return `atr:${hex(this.#s.atr)}`;
    return hex(parsed(() => decodeChuid(data)).guid);
  }

  async certificate(kind: CertificateKind): Promise<Uint8Array> {
    const cached = this.#certs.get(kind);
    if (cached) return cached;
    const data = await this.#getData(objectOf[kind]);
    if (!data)
      throw new ScripError(
        'unsupported-card',
        `The card has no ${kind === 'auth' ? 'authentication' : 'signing'} certificate.`,
      );
    let der: Uint8Array;
    try {
      der = await certificateDer(parsed(() => decodeCertContainer(data)));
    } catch (e) {
      if (e instanceof ScripError) throw e;
      throw new ScripError('card-error', 'The certificate on the card could not be read (bad compression).');
    }
    this.#certs.set(kind, der);
    return der;
  }

  async pinInfo(): Promise<PinInfo> {
    await this.#select();
    const r = await this.#s.send(cmd.verify(PIN_REF.PIV_PIN));
    const max = PIV_MAX_PIN_RETRIES;
    if (r.sw === SW.OK) return { retriesLeft: max, maxRetries: max, blocked: false, verified: true };
    if (r.sw === SW.AUTH_BLOCKED) return { retriesLeft: 0, maxRetries: max, blocked: true, verified: false };
    const left = retriesFrom(r.sw);
    if (left !== null)
      return { retriesLeft: left, maxRetries: Math.max(max, left), blocked: left === 0, verified: false };
    throw new ScripError('card-error', `The card did not report its PIN state (status ${swText(r.sw)}).`);
  }

  async verifyPin(pin: string): Promise<void> {
    if (!isValidPin(pin)) throw new ScripError('pin-format');
    await this.#select();
    const r = await this.#s.send(cmd.verify(PIN_REF.PIV_PIN, pin));
    if (r.sw !== SW.OK) throw pinError(r.sw);
  }

  async changePin(oldPin: string, newPin: string): Promise<void> {
    if (!isValidPin(oldPin) || !isValidPin(newPin)) throw new ScripError('pin-format');
    await this.#select();
    const r = await this.#s.send(cmd.changeReferenceData(PIN_REF.PIV_PIN, oldPin, newPin));
    if (r.sw !== SW.OK) throw pinError(r.sw);
  }

  async unblockPin(puk: string, newPin: string): Promise<void> {
    if (!isValidPin(newPin)) throw new ScripError('pin-format');
    if (!isValidPin(puk)) throw new ScripError('pin-format', 'A PUK is 6 to 8 digits.');
    await this.#select();
    const r = await this.#s.send(cmd.resetRetryCounter(puk, newPin));
    if (r.sw !== SW.OK) throw pinError(r.sw, 'PUK');
  }

  async sign(kind: CertificateKind, input: SignInput, pin?: string): Promise<Uint8Array> {
    if (pin !== undefined && !isValidPin(pin)) throw new ScripError('pin-format');
    const cert = new X509Certificate(await this.certificate(kind));
    const key = cert.publicKey;
    let alg: number | undefined, block: Uint8Array;
    if (key.asymmetricKeyType === 'rsa') {
      const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
      alg = rsaAlg[bits];
      const di = 'digestInfo' in input ? input.digestInfo : digestInfo(input.algorithm, input.hash);
      block = pkcs1v15Pad(di, bits / 8);
    } else if (key.asymmetricKeyType === 'ec') {
      alg = ecAlg[key.asymmetricKeyDetails?.namedCurve ?? ''];
      block = 'hash' in input ? input.hash : hashOfDigestInfo(input.digestInfo);
    } else {
      block = new Uint8Array(0);
    }
    if (alg === undefined)
      throw new ScripError('unsupported-card', 'The card key uses an algorithm Scrip does not support.');
    const ref = keyRef[kind];
    // 9C demands a fresh VERIFY before every signature (PIV "PIN always"), so do it up front.
    const verifiedFirst = kind === 'sign' && pin !== undefined;
    if (verifiedFirst) await this.verifyPin(pin);
    else await this.#select();
    let r: ResponseApdu = await this.#s.send(cmd.generalAuthenticate(alg, ref, block));
    if (r.sw === SW.SECURITY_NOT_SATISFIED && !verifiedFirst) {
      if (pin === undefined)
        throw new ScripError(
          'bad-state',
          'The card needs the passcode for this.',
          { pinRequired: true },
          'Enter the passcode and try again.',
        );
      await this.verifyPin(pin);
      r = await this.#s.send(cmd.generalAuthenticate(alg, ref, block));
    }
    if (r.sw !== SW.OK) throw new ScripError('card-error', `The card did not sign (status ${swText(r.sw)}).`);
    const signature = parsed(() => parseAuthenticateResponse(r.data));
    // Check the card's answer against the certificate: a wrong key or a faulty card is caught here.
    if (key.asymmetricKeyType === 'rsa') {
      let recovered: Buffer;
      try {
        recovered = publicDecrypt({ key, padding: constants.RSA_NO_PADDING }, signature);
      } catch {
        throw new ScripError('card-error', 'The card returned a malformed signature.');
      }
      if (!recovered.equals(Buffer.from(block)))
        throw new ScripError('card-error', 'The card signed with a key that does not match its certificate.');
    }
    return signature;
  }
}

/** The hash inside a DigestInfo (EC keys sign the bare hash). */
export function hashOfDigestInfo(di: Uint8Array): Uint8Array {
  const alg = digestInfoAlgorithm(di);
  if (!alg) throw new ScripError('invalid-input', 'Unrecognised DigestInfo.');
  return di.subarray(di.length - hashLength[alg]);
}

/** Runs a parser of card data, turning malformed data into a card-error. */
function parsed<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof TlvError || e instanceof PivFormatError)
      throw new ScripError('card-error', 'The card sent malformed data.', { reason: e.message });
    throw e;
  }
}
