// NIST SP 800-73-4 PIV: identifiers, command builders and data objects (CHUID, certificate
// containers, discovery object, SELECT's application property template). Pure: no I/O.
import type { CommandApdu } from './apdu';
import { concat, findTag, parseTlv, parseTlvs, tagBytes, tlv, TlvError } from './tlv';

const PIV_RID = Uint8Array.of(0xa0, 0x00, 0x00, 0x03, 0x08);
/** The 9-byte AID hosts select with; the card's full AID appends version 01 00. */
const PIV_AID = Uint8Array.of(0xa0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00);
const PIV_AID_FULL = Uint8Array.of(...PIV_AID, 0x01, 0x00);

export const INS = {
  SELECT: 0xa4,
  GET_DATA: 0xcb,
  VERIFY: 0x20,
  CHANGE_REFERENCE_DATA: 0x24,
  RESET_RETRY_COUNTER: 0x2c,
  GENERAL_AUTHENTICATE: 0x87,
  GET_RESPONSE: 0xc0,
  PUT_DATA: 0xdb,
  GENERATE_ASYMMETRIC: 0x47,
} as const;

/** Key references (P2 of GENERAL AUTHENTICATE). */
export const KEY = {
  AUTHENTICATION: 0x9a,
  CARD_MANAGEMENT: 0x9b,
  SIGNATURE: 0x9c,
  KEY_MANAGEMENT: 0x9d,
  CARD_AUTHENTICATION: 0x9e,
} as const;
/** PIN references (P2 of VERIFY and friends). */
export const PIN_REF = { GLOBAL: 0x00, PIV_PIN: 0x80, PUK: 0x81 } as const;
/** Algorithm identifiers (P1 of GENERAL AUTHENTICATE). */
export const ALG = {
  RSA1024: 0x06,
  RSA2048: 0x07,
  RSA3072: 0x05,
  RSA4096: 0x16,
  ECC_P256: 0x11,
  ECC_P384: 0x14,
} as const;

/** GET DATA object tags. */
export const OBJ = {
  CCC: 0x5fc107,
  CHUID: 0x5fc102,
  CERT_9A: 0x5fc105,
  CERT_9C: 0x5fc10a,
  CERT_9D: 0x5fc10b,
  CERT_9E: 0x5fc101,
  SECURITY: 0x5fc106,
  PRINTED_INFO: 0x5fc109,
  KEY_HISTORY: 0x5fc10c,
  DISCOVERY: 0x7e,
} as const;

export class PivFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PivFormatError';
  }
}

// ---- PINs -------------------------------------------------------------------------------------

/** Scrip's PIN rule (NHS passcodes since 2023): 6 to 8 digits. */
export function isValidPin(pin: string, min = 6, max = 8): boolean {
  return pin.length >= min && pin.length <= max && /^[0-9]+$/.test(pin);
}

/** ASCII digits padded to 8 bytes with FF, as VERIFY expects. */
export function padPin(pin: string): Uint8Array {
  if (!/^[\x20-\x7e]{1,8}$/.test(pin)) throw new PivFormatError('a PIN is 1 to 8 printable characters');
  const out = new Uint8Array(8).fill(0xff);
  for (let i = 0; i < pin.length; i++) out[i] = pin.charCodeAt(i);
  return out;
}

/** Card side: undoes padPin, returning null for a malformed reference-data block. */
export function unpadPin(block: Uint8Array): string | null {
  if (block.length !== 8) return null;
  let end = block.indexOf(0xff);
  if (end === -1) end = 8;
  if (end === 0 || block.subarray(end).some((b) => b !== 0xff)) return null;
  let s = '';
  for (const b of block.subarray(0, end)) {
    if (b < 0x20 || b > 0x7e) return null;
    s += String.fromCharCode(b);
  }
  return s;
}

// ---- commands ---------------------------------------------------------------------------------

export const cmd = {
  select: (aid: Uint8Array = PIV_AID): CommandApdu => ({
    cla: 0x00,
    ins: INS.SELECT,
    p1: 0x04,
    p2: 0x00,
    data: aid,
    le: 0,
  }),
  getData: (tag: number): CommandApdu => ({
    cla: 0x00,
    ins: INS.GET_DATA,
    p1: 0x3f,
    p2: 0xff,
    data: tlv(0x5c, tagBytes(tag)),
    le: 0,
  }),
  /** VERIFY with the padded PIN; without `pin` it asks for the retry counter / verified state. */
  verify: (ref: number, pin?: string): CommandApdu => ({
    cla: 0x00,
    ins: INS.VERIFY,
    p1: 0x00,
    p2: ref,
    ...(pin === undefined ? {} : { data: padPin(pin) }),
  }),
  resetVerified: (ref: number = PIN_REF.PIV_PIN): CommandApdu => ({ cla: 0x00, ins: INS.VERIFY, p1: 0xff, p2: ref }),
  changeReferenceData: (ref: number, oldPin: string, newPin: string): CommandApdu => ({
    cla: 0x00,
    ins: INS.CHANGE_REFERENCE_DATA,
    p1: 0x00,
    p2: ref,
    data: concat(padPin(oldPin), padPin(newPin)),
  }),
  resetRetryCounter: (puk: string, newPin: string): CommandApdu => ({
    cla: 0x00,
    ins: INS.RESET_RETRY_COUNTER,
    p1: 0x00,
    p2: PIN_REF.PIV_PIN,
    data: concat(padPin(puk), padPin(newPin)),
  }),
  /** GENERAL AUTHENTICATE for a private-key operation: 7C { 82 00, 81 <input> } (85 for ECDH). */
  generalAuthenticate: (alg: number, key: number, input: Uint8Array, inputTag: 0x81 | 0x85 = 0x81): CommandApdu => ({
    cla: 0x00,
    ins: INS.GENERAL_AUTHENTICATE,
    p1: alg,
    p2: key,
    data: tlv(0x7c, tlv(0x82, new Uint8Array(0)), tlv(inputTag, input)),
    le: 0,
  }),
  getResponse: (le: number): CommandApdu => ({ cla: 0x00, ins: INS.GET_RESPONSE, p1: 0x00, p2: 0x00, le }),
};

/** The response template of GENERAL AUTHENTICATE: 7C { 82 <result> }. */
export function parseAuthenticateResponse(data: Uint8Array): Uint8Array {
  const outer = parseTlv(data);
  if (outer.tag !== 0x7c) throw new PivFormatError('GENERAL AUTHENTICATE response is not a 7C template');
  const r = findTag(parseTlvs(outer.value), 0x82);
  if (!r) throw new PivFormatError('GENERAL AUTHENTICATE response has no 82 result');
  return r.value;
}

/** Card side: the parts of a GENERAL AUTHENTICATE template (empty 82 = "give me the response"). */
export function parseAuthenticateTemplate(data: Uint8Array): Map<number, Uint8Array> {
  const outer = parseTlv(data);
  if (outer.tag !== 0x7c) throw new PivFormatError('not a dynamic authentication template');
  return new Map(parseTlvs(outer.value).map((t) => [t.tag, t.value]));
}

/** Card side: the tag asked for by GET DATA's `5C` tag list. */
export function parseGetDataTag(data: Uint8Array): number {
  const t = parseTlv(data);
  if (t.tag !== 0x5c || t.value.length < 1 || t.value.length > 3)
    throw new PivFormatError('GET DATA needs 5C with a 1-3 byte tag');
  return t.value.reduce((n, b) => n * 256 + b, 0);
}

// ---- objects ----------------------------------------------------------------------------------

/** Unwraps a GET DATA answer: `53 L <contents>` (or `7E L …` for the discovery object). */
function unwrapObject(data: Uint8Array, tag = 0x53): Uint8Array {
  const t = parseTlv(data);
  if (t.tag !== tag) throw new PivFormatError(`expected tag ${tag.toString(16)}, got ${t.tag.toString(16)}`);
  return t.value;
}

interface CertContainer {
  /** The certificate bytes as stored: DER, or gzip of DER when `compressed`. */
  data: Uint8Array;
  compressed: boolean;
}

/** `53 { 70 <cert>, 71 01 <CertInfo>, FE 00 }`; CertInfo bit 0 set = gzip-compressed. */
export function encodeCertContainer(c: CertContainer): Uint8Array {
  return tlv(
    0x53,
    tlv(0x70, c.data),
    tlv(0x71, Uint8Array.of(c.compressed ? 0x01 : 0x00)),
    tlv(0xfe, new Uint8Array(0)),
  );
}

export function decodeCertContainer(data: Uint8Array): CertContainer {
  const inner = parseTlvs(unwrapObject(data));
  const cert = findTag(inner, 0x70);
  if (!cert || cert.value.length === 0) throw new PivFormatError('certificate container has no certificate');
  const info = findTag(inner, 0x71);
  const infoByte = info?.value[0] ?? 0;
  if ((infoByte & 0x06) !== 0) throw new PivFormatError('unsupported CertInfo bits');
  return { data: cert.value, compressed: (infoByte & 0x01) !== 0 };
}

/** The DER certificate of a container, gunzipped when CertInfo says so (Web Streams API). */
export async function certificateDer(c: CertContainer): Promise<Uint8Array> {
  if (!c.compressed) return c.data;
  const stream = new Blob([new Uint8Array(c.data)]).stream().pipeThrough(new DecompressionStream('gzip'));
  const der = new Uint8Array(await new Response(stream).arrayBuffer());
  if (der[0] !== 0x30) throw new PivFormatError('decompressed certificate is not DER');
  return der;
}

interface Chuid {
  fascn: Uint8Array;
  guid: Uint8Array;
  /** YYYYMMDD */
  expiry: string;
}

export function encodeChuid(c: Chuid): Uint8Array {
  if (c.fascn.length !== 25 || c.guid.length !== 16 || !/^\d{8}$/.test(c.expiry))
    throw new PivFormatError('bad CHUID fields');
  const expiry = Uint8Array.from(c.expiry, (ch) => ch.charCodeAt(0));
  return tlv(
    0x53,
    tlv(0x30, c.fascn),
    tlv(0x34, c.guid),
    tlv(0x35, expiry),
    tlv(0x3e, new Uint8Array(0)),
    tlv(0xfe, new Uint8Array(0)),
  );
}

export function decodeChuid(data: Uint8Array): Chuid {
  const inner = parseTlvs(unwrapObject(data));
  const fascn = findTag(inner, 0x30)?.value;
  const guid = findTag(inner, 0x34)?.value;
  const expiry = findTag(inner, 0x35)?.value;
  if (!fascn || !guid || guid.length !== 16) throw new PivFormatError('CHUID lacks FASC-N or GUID');
  const e = expiry ? String.fromCharCode(...expiry) : '';
  return { fascn, guid, expiry: /^\d{8}$/.test(e) ? e : '' };
}

/** Yubico's default FASC-N (a test agency code), used by the virtual card's CHUID. */
export const TEST_FASCN = Uint8Array.of(
  0xd4,
  0xe7,
  0x39,
  0xda,
  0x73,
  0x9c,
  0xed,
  0x39,
  0xce,
  0x73,
  0x9d,
  0x83,
  0x68,
  0x58,
  0x21,
  0x08,
  0x42,
  0x10,
  0x84,
  0x21,
  0xc8,
  0x42,
  0x10,
  0xc3,
  0xeb,
);

/** Discovery object `7E { 4F <AID>, 5F2F <PIN usage policy> }`; policy 40 10 = PIV PIN only. */
export function encodeDiscovery(pinPolicy = Uint8Array.of(0x40, 0x10)): Uint8Array {
  return tlv(0x7e, tlv(0x4f, PIV_AID_FULL), tlv(0x5f2f, pinPolicy));
}

/** SELECT's answer: `61 { 4F <PIX+version>, 79 { 4F <RID> }, 50 <label> }`. */
export function encodeApplicationTemplate(label = 'Scrip virtual PIV'): Uint8Array {
  const labelTlv = label
    ? [
        tlv(
          0x50,
          Uint8Array.from(label, (c) => c.charCodeAt(0) & 0x7f),
        ),
      ]
    : [];
  return tlv(0x61, tlv(0x4f, PIV_AID_FULL.subarray(5)), tlv(0x79, tlv(0x4f, PIV_RID)), ...labelTlv);
}

/** True when `data` is a well-formed application property template (tolerates cards that send none). */
export function isApplicationTemplate(data: Uint8Array): boolean {
  if (data.length === 0) return true;
  try {
    return parseTlv(data).tag === 0x61;
  } catch (e) {
    if (e instanceof TlvError) return false;
    throw e;
  }
}

/** Card side: does the SELECT data name the PIV application (5-byte RID up to the full 11-byte AID)? */
export function selectsPiv(aid: Uint8Array): boolean {
  return aid.length >= 5 && aid.length <= PIV_AID_FULL.length && aid.every((b, i) => b === PIV_AID_FULL[i]);
}
