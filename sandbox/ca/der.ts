// Small DER building blocks over node-forge's ASN.1 module. The CA builds certificates and CRLs
// from these directly (rather than through forge's certificate object) so that any public key
// (RSA or EC) can be certified and signatures can be made with Node's native crypto.
import forge from 'node-forge';

const { asn1 } = forge;
export type Asn1 = forge.asn1.Asn1;

const U = asn1.Class.UNIVERSAL;
const T = asn1.Type;

const bin = (b: Uint8Array): string => Buffer.from(b).toString('binary');

export const seq = (...items: Asn1[]): Asn1 => asn1.create(U, T.SEQUENCE, true, items);
const set = (...items: Asn1[]): Asn1 => asn1.create(U, T.SET, true, items);
export const oid = (dotted: string): Asn1 => asn1.create(U, T.OID, false, asn1.oidToDer(dotted).getBytes());
export const nul = (): Asn1 => asn1.create(U, T.NULL, false, '');
export const bool = (v: boolean): Asn1 => asn1.create(U, T.BOOLEAN, false, v ? '\xff' : '\x00');
const utf8 = (s: string): Asn1 => asn1.create(U, T.UTF8, false, forge.util.encodeUtf8(s));
const printable = (s: string): Asn1 => asn1.create(U, T.PRINTABLESTRING, false, s);
export const ia5 = (s: string): Asn1 => asn1.create(U, T.IA5STRING, false, s);
export const octets = (b: Uint8Array): Asn1 => asn1.create(U, T.OCTETSTRING, false, bin(b));
export const bits = (b: Uint8Array, unused = 0): Asn1 =>
  asn1.create(U, T.BITSTRING, false, String.fromCharCode(unused) + bin(b));
/** A context-specific tag: `constructed` for EXPLICIT or constructed IMPLICIT, else a primitive with raw bytes. */
export const ctx = (n: number, content: Asn1[] | Uint8Array): Asn1 =>
  Array.isArray(content)
    ? asn1.create(asn1.Class.CONTEXT_SPECIFIC, n, true, content)
    : asn1.create(asn1.Class.CONTEXT_SPECIFIC, n, false, bin(content));

/** A non-negative INTEGER from big-endian magnitude bytes (adds the 00 sign byte when needed). */
export function uint(b: Uint8Array): Asn1 {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  let v = b.subarray(i);
  if (v.length === 0) v = new Uint8Array([0]);
  if ((v[0] ?? 0) & 0x80) v = new Uint8Array([0, ...v]);
  return asn1.create(U, T.INTEGER, false, bin(v));
}
export function small(n: number): Asn1 {
  const hex = n.toString(16);
  return uint(Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex'));
}

/** RFC 5280 Time: UTCTime until 2049, GeneralizedTime after. */
export function time(d: Date): Asn1 {
  const y = d.getUTCFullYear();
  if (y >= 1950 && y < 2050) return asn1.create(U, T.UTCTIME, false, asn1.dateToUtcTime(d));
  return asn1.create(U, T.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(d));
}

export type NameAttr = ['C' | 'O' | 'OU' | 'CN' | 'L' | 'serialNumber', string];
const attrOid: Record<NameAttr[0], string> = {
  C: '2.5.4.6',
  O: '2.5.4.10',
  OU: '2.5.4.11',
  CN: '2.5.4.3',
  L: '2.5.4.7',
  serialNumber: '2.5.4.5',
};

/** An X.501 Name; C and serialNumber are PrintableString as RFC 5280 requires, the rest UTF8String. */
export function name(attrs: NameAttr[]): Asn1 {
  return seq(
    ...attrs.map(([k, v]) => set(seq(oid(attrOid[k]), k === 'C' || k === 'serialNumber' ? printable(v) : utf8(v)))),
  );
}
export const nameText = (attrs: NameAttr[]): string => attrs.map(([k, v]) => `${k}=${v}`).join(', ');

export const toDer = (a: Asn1): Buffer => Buffer.from(asn1.toDer(a).getBytes(), 'binary');
export const fromDer = (b: Uint8Array): Asn1 =>
  (asn1.fromDer as unknown as (b: forge.util.ByteStringBuffer, o: object) => Asn1)(forge.util.createBuffer(bin(b)), {
    strict: true,
    parseAllBytes: true,
    decodeBitStrings: false,
  });
/** The value bytes of a primitive node. */
export const valueBytes = (a: Asn1): Buffer => Buffer.from(typeof a.value === 'string' ? a.value : '', 'binary');

export function pem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}
export function unpem(text: string): Buffer {
  const m = /-----BEGIN [^-]+-----([\s\S]*?)-----END [^-]+-----/.exec(text);
  if (!m?.[1]) throw new Error('no PEM block found');
  return Buffer.from(m[1].replace(/\s+/g, ''), 'base64');
}
