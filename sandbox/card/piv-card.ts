// A PIV card (NIST SP 800-73-4) emulated in TypeScript. It answers raw APDU bytes, so the same
// object serves an in-process transmit function and the vpcd socket. Volatile state (PIN verified,
// pending chain, pending response) is cleared on power off and reset; counters persist through
// the `persist` callback.
import { constants, createPrivateKey, privateDecrypt, type KeyObject } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import {
  ALG,
  ApduError,
  concat,
  encodeApplicationTemplate,
  encodeCertContainer,
  encodeChuid,
  encodeDiscovery,
  encodeResponse,
  fromHex,
  INS,
  KEY,
  OBJ,
  parseAuthenticateTemplate,
  parseCommand,
  parseGetDataTag,
  PIN_REF,
  PivFormatError,
  selectsPiv,
  SW,
  tlv,
  TlvError,
  unpadPin,
} from '../../protocols/card';
import { secretMatches, hashSecret, type CardFile, type CardKey, type CardSecret } from './card-file';
import { p256Scalar, signP256Hash } from './p256';

/** PIN and PUK rule of this card: 6 to 8 digits. */
const pinOk = (s: string | null): s is string => s !== null && /^[0-9]{6,8}$/.test(s);
const MAX_CHAIN = 8192;

interface LoadedKey {
  ref: number;
  alg: number;
  policy: 'once' | 'always';
  rsa?: KeyObject;
  ec?: bigint;
  modulusBytes: number;
}

interface CardCounters {
  pinTries: number;
  pukTries: number;
}

export class PivCard {
  #file: CardFile;
  readonly #persist: (f: CardFile) => void;
  readonly #objects = new Map<number, Uint8Array>();
  readonly #keys = new Map<number, LoadedKey>();
  // volatile
  #powered = false;
  #verified = false;
  /** A VERIFY since the last private-key operation (what a PIN-always key needs). */
  #fresh = false;
  #chain: { ins: number; p1: number; p2: number; data: Uint8Array } | null = null;
  #pending: Uint8Array | null = null;
  /** Counts APDUs handled (for benchmarks). */
  apduCount = 0;

  constructor(file: CardFile, persist: (f: CardFile) => void = () => {}) {
    this.#file = structuredClone(file);
    this.#persist = persist;
    const c = file.chuid;
    this.#objects.set(OBJ.CHUID, encodeChuid({ fascn: fromHex(c.fascn), guid: fromHex(c.guid), expiry: c.expiry }));
    this.#objects.set(OBJ.DISCOVERY, encodeDiscovery());
    this.#objects.set(
      OBJ.CCC,
      tlv(
        0x53,
        tlv(0xf0, fromHex('A0000001' + '16FF02' + c.guid.slice(0, 28))),
        tlv(0xf1, Uint8Array.of(0x21)),
        tlv(0xf2, Uint8Array.of(0x21)),
        tlv(0xf3, new Uint8Array(0)),
        tlv(0xf4, Uint8Array.of(0)),
        tlv(0xf5, Uint8Array.of(0x10)),
        tlv(0xf6, new Uint8Array(0)),
        tlv(0xf7, new Uint8Array(0)),
        tlv(0xfa, new Uint8Array(0)),
        tlv(0xfb, new Uint8Array(0)),
        tlv(0xfc, new Uint8Array(0)),
        tlv(0xfd, new Uint8Array(0)),
        tlv(0xfe, new Uint8Array(0)),
      ),
    );
    for (const [name, ref] of [
      ['9a', KEY.AUTHENTICATION],
      ['9c', KEY.SIGNATURE],
    ] as const) {
      const k: CardKey = file.keys[name];
      const der = fromHex(k.certificateDer);
      this.#objects.set(
        ref === KEY.AUTHENTICATION ? OBJ.CERT_9A : OBJ.CERT_9C,
        encodeCertContainer({ data: k.compressed ? gzipSync(der) : der, compressed: k.compressed }),
      );
      const priv = createPrivateKey(k.privateKeyPem);
      this.#keys.set(
        ref,
        k.algorithm === 'rsa2048'
          ? { ref, alg: ALG.RSA2048, policy: k.pinPolicy, rsa: priv, modulusBytes: 256 }
          : { ref, alg: ALG.ECC_P256, policy: k.pinPolicy, ec: p256Scalar(priv), modulusBytes: 32 },
      );
    }
  }

  get atr(): Uint8Array {
    return fromHex(this.#file.atr);
  }
  get counters(): CardCounters {
    return { pinTries: this.#file.pin.tries, pukTries: this.#file.puk.tries };
  }
  get powered(): boolean {
    return this.#powered;
  }

  powerOn(): void {
    this.#clearVolatile();
    this.#powered = true;
  }
  powerOff(): void {
    this.#clearVolatile();
    this.#powered = false;
  }
  reset(): void {
    this.#clearVolatile();
    this.#powered = true;
  }

  #clearVolatile(): void {
    this.#verified = false;
    this.#fresh = false;
    this.#chain = null;
    this.#pending = null;
  }

  /** Handles one command APDU and returns the response APDU (data + SW1 SW2). */
  transmit(command: Uint8Array): Uint8Array {
    this.apduCount++;
    if (!this.#powered) this.powerOn(); // an in-process host may skip the power-on step
    try {
      const c = parseCommand(command);
      if ((c.cla & ~0x10) !== 0x00) return sw(SW.CLA_NOT_SUPPORTED);
      if (c.ins === INS.GET_RESPONSE) return this.#getResponse(c.le ?? 256);
      this.#pending = null;
      // command chaining (ISO 7816-4 §5.1.1.1)
      if (c.cla & 0x10) {
        if (this.#chain && (this.#chain.ins !== c.ins || this.#chain.p1 !== c.p1 || this.#chain.p2 !== c.p2)) {
          this.#chain = null;
          return sw(SW.LAST_COMMAND_EXPECTED);
        }
        const data = concat(this.#chain?.data ?? new Uint8Array(0), c.data);
        if (data.length > MAX_CHAIN) {
          this.#chain = null;
          return sw(SW.WRONG_LENGTH);
        }
        this.#chain = { ins: c.ins, p1: c.p1, p2: c.p2, data };
        return sw(SW.OK);
      }
      let data = c.data;
      if (this.#chain) {
        const ch = this.#chain;
        this.#chain = null;
        if (ch.ins !== c.ins || ch.p1 !== c.p1 || ch.p2 !== c.p2) return sw(SW.LAST_COMMAND_EXPECTED);
        data = concat(ch.data, c.data);
      }
      const [body, status] = this.#dispatch(c.ins, c.p1, c.p2, data);
      return this.#respond(body, status, c.extended ? (c.le ?? 65536) : (c.le ?? 256));
    } catch (e) {
      if (e instanceof ApduError) return sw(SW.WRONG_LENGTH);
      if (e instanceof TlvError || e instanceof PivFormatError) return sw(SW.WRONG_DATA);
      return sw(SW.UNKNOWN);
    }
  }

  #respond(body: Uint8Array, status: number, le: number): Uint8Array {
    if (status !== SW.OK || body.length <= le) return encodeResponse(body, status);
    // longer than Le: hand out the first part, keep the rest for GET RESPONSE (61xx)
    this.#pending = body.subarray(le);
    return encodeResponse(
      body.subarray(0, le),
      SW.MORE_DATA | (this.#pending.length > 0xff ? 0 : this.#pending.length),
    );
  }

  #getResponse(le: number): Uint8Array {
    const p = this.#pending;
    if (!p) return sw(SW.CONDITIONS_NOT_SATISFIED);
    this.#pending = null;
    return this.#respond(p, SW.OK, le);
  }

  #dispatch(ins: number, p1: number, p2: number, data: Uint8Array): [Uint8Array, number] {
    const none = new Uint8Array(0);
    switch (ins) {
      case INS.SELECT:
        if (p1 !== 0x04) return [none, SW.INCORRECT_P1P2];
        return selectsPiv(data) ? [encodeApplicationTemplate(), SW.OK] : [none, SW.NOT_FOUND];
      case INS.GET_DATA: {
        if (p1 !== 0x3f || p2 !== 0xff) return [none, SW.INCORRECT_P1P2];
        const obj = this.#objects.get(parseGetDataTag(data));
        return obj ? [obj, SW.OK] : [none, SW.NOT_FOUND];
      }
      case INS.VERIFY:
        return [none, this.#verify(p1, p2, data)];
      case INS.CHANGE_REFERENCE_DATA:
        return [none, this.#change(p1, p2, data)];
      case INS.RESET_RETRY_COUNTER:
        return [none, this.#unblock(p1, p2, data)];
      case INS.GENERAL_AUTHENTICATE:
        return this.#authenticate(p1, p2, data);
      default:
        return [none, SW.INS_NOT_SUPPORTED];
    }
  }

  #verify(p1: number, p2: number, data: Uint8Array): number {
    if (p2 !== PIN_REF.PIV_PIN) return SW.REF_DATA_NOT_FOUND;
    if (p1 === 0xff) {
      if (data.length) return SW.WRONG_LENGTH;
      this.#verified = this.#fresh = false;
      return SW.OK;
    }
    if (p1 !== 0x00) return SW.INCORRECT_P1P2;
    const pin = this.#file.pin;
    if (data.length === 0) {
      if (pin.tries === 0) return SW.AUTH_BLOCKED;
      return this.#verified ? SW.OK : SW.RETRIES | pin.tries;
    }
    if (data.length !== 8) return SW.WRONG_LENGTH;
    if (pin.tries === 0) return SW.AUTH_BLOCKED;
    const given = unpadPin(data);
    // A malformed PIN costs no try: it cannot be the PIN.
    if (!pinOk(given)) return SW.WRONG_DATA;
    if (!this.#check('pin', given)) {
      this.#verified = this.#fresh = false;
      return pin.tries === 0 ? SW.AUTH_BLOCKED : SW.RETRIES | this.#file.pin.tries;
    }
    this.#verified = this.#fresh = true;
    return SW.OK;
  }

  /** Compares and updates the retry counter, persisting the change. */
  #check(which: 'pin' | 'puk', value: string): boolean {
    const s: CardSecret = this.#file[which];
    const ok = secretMatches(s, value);
    const tries = ok ? s.maxTries : Math.max(0, s.tries - 1);
    if (tries !== s.tries) {
      s.tries = tries;
      this.#persist(structuredClone(this.#file));
    }
    return ok;
  }

  #change(p1: number, p2: number, data: Uint8Array): number {
    if (p1 !== 0x00) return SW.INCORRECT_P1P2;
    if (p2 !== PIN_REF.PIV_PIN && p2 !== PIN_REF.PUK) return SW.REF_DATA_NOT_FOUND;
    if (data.length !== 16) return SW.WRONG_LENGTH;
    const which = p2 === PIN_REF.PIV_PIN ? 'pin' : 'puk';
    const s = this.#file[which];
    if (s.tries === 0) return SW.AUTH_BLOCKED;
    const oldValue = unpadPin(data.subarray(0, 8)),
      newValue = unpadPin(data.subarray(8));
    if (!pinOk(oldValue) || !pinOk(newValue)) return SW.WRONG_DATA;
    if (!this.#check(which, oldValue))
      return this.#file[which].tries === 0 ? SW.AUTH_BLOCKED : SW.RETRIES | this.#file[which].tries;
    this.#file[which] = hashSecret(newValue, s.maxTries);
    this.#persist(structuredClone(this.#file));
    if (which === 'pin') this.#verified = this.#fresh = true;
    return SW.OK;
  }

  #unblock(p1: number, p2: number, data: Uint8Array): number {
    if (p1 !== 0x00) return SW.INCORRECT_P1P2;
    if (p2 !== PIN_REF.PIV_PIN) return SW.REF_DATA_NOT_FOUND;
    if (data.length !== 16) return SW.WRONG_LENGTH;
    if (this.#file.puk.tries === 0) return SW.AUTH_BLOCKED;
    const puk = unpadPin(data.subarray(0, 8)),
      newPin = unpadPin(data.subarray(8));
    if (!pinOk(puk) || !pinOk(newPin)) return SW.WRONG_DATA;
    if (!this.#check('puk', puk))
      return this.#file.puk.tries === 0 ? SW.AUTH_BLOCKED : SW.RETRIES | this.#file.puk.tries;
    this.#file.pin = hashSecret(newPin, this.#file.pin.maxTries);
    this.#persist(structuredClone(this.#file));
    this.#verified = this.#fresh = false;
    return SW.OK;
  }

  #authenticate(p1: number, p2: number, data: Uint8Array): [Uint8Array, number] {
    const none = new Uint8Array(0);
    const key = this.#keys.get(p2);
    if (!key) return [none, SW.REF_DATA_NOT_FOUND];
    if (key.alg !== p1) return [none, SW.WRONG_DATA];
    const parts = parseAuthenticateTemplate(data);
    const input = parts.get(0x81);
    if (!input || parts.get(0x82)?.length !== 0) return [none, SW.WRONG_DATA];
    if (!this.#verified || (key.policy === 'always' && !this.#fresh)) return [none, SW.SECURITY_NOT_SATISFIED];
    let result: Uint8Array;
    if (key.rsa) {
      if (input.length !== key.modulusBytes) return [none, SW.WRONG_LENGTH];
      try {
        // The raw RSA private-key operation on the host-padded block.
        result = privateDecrypt({ key: key.rsa, padding: constants.RSA_NO_PADDING }, input);
      } catch {
        return [none, SW.WRONG_DATA]; // input not below the modulus
      }
    } else {
      if (input.length === 0 || input.length > 64) return [none, SW.WRONG_LENGTH];
      result = signP256Hash(key.ec!, input);
    }
    // Any private-key use consumes the "fresh VERIFY" that a PIN-always key needs.
    this.#fresh = false;
    return [tlv(0x7c, tlv(0x82, result)), SW.OK];
  }
}

const sw = (status: number): Uint8Array => encodeResponse(new Uint8Array(0), status);
