// Certificate and CRL assembly for the sandbox CA: builds TBS structures with DER helpers and signs
// them with Node's crypto (sha256WithRSAEncryption), so any SPKI (RSA or EC P-256) can be certified.
import { createHash, createPublicKey, sign as nodeSign, type KeyObject } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import {
  bits,
  bool,
  ctx,
  fromDer,
  ia5,
  name,
  nul,
  octets,
  oid,
  seq,
  small,
  time,
  toDer,
  uint,
  valueBytes,
  type Asn1,
  type NameAttr,
} from './der';

const SHA256_RSA = '1.2.840.113549.1.1.11';

export const ekuOids = {
  clientAuth: '1.3.6.1.5.5.7.3.2',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  emailProtection: '1.3.6.1.5.5.7.3.4',
} as const;

/** RFC 5280 key usage bits, named as the RFC does (nonRepudiation is now "contentCommitment"). */
export type KeyUsage =
  'digitalSignature' | 'contentCommitment' | 'keyEncipherment' | 'keyAgreement' | 'keyCertSign' | 'cRLSign';
const kuBit: Record<KeyUsage, number> = {
  digitalSignature: 0,
  contentCommitment: 1,
  keyEncipherment: 2,
  keyAgreement: 4,
  keyCertSign: 5,
  cRLSign: 6,
};

interface CertificateSpec {
  serial: Uint8Array;
  issuer: NameAttr[];
  subject: NameAttr[];
  notBefore: Date;
  notAfter: Date;
  spkiDer: Uint8Array;
  issuerSpkiDer: Uint8Array;
  ca?: { pathLen?: number };
  keyUsage: KeyUsage[];
  extKeyUsage?: string[];
  crlUri?: string;
  /** SubjectAltName entries. */
  altNames?: Array<{ dns: string } | { ip: string } | { dirName: NameAttr[] }>;
}

function ext(id: string, critical: boolean, value: Asn1): Asn1 {
  return critical ? seq(oid(id), bool(true), octets(toDer(value))) : seq(oid(id), octets(toDer(value)));
}

function keyUsageBits(usages: KeyUsage[]): Asn1 {
  // DER named bit list: bit 0 is the most significant bit of the first byte; trailing zero bits are dropped.
  const highest = Math.max(...usages.map((u) => kuBit[u]));
  const bytes = new Uint8Array((highest >> 3) + 1);
  for (const u of usages) bytes[kuBit[u] >> 3]! |= 0x80 >> (kuBit[u] & 7);
  return bits(bytes, 7 - (highest & 7));
}

/** An iPAddress GeneralName's octets (RFC 5280 §4.2.1.6): 4 for IPv4, 16 for IPv6. */
function ipBytes(ip: string): Uint8Array {
  if (isIPv4(ip)) return Uint8Array.from(ip.split('.').map(Number));
  if (!isIPv6(ip) || ip.includes('.') || ip.includes('%')) throw new Error(`unsupported IP address ${ip}`);
  const [head, tail] = ip.split('::') as [string, string | undefined];
  const groups = (s: string | undefined): string[] => (s ? s.split(':') : []);
  const h = groups(head),
    t = groups(tail);
  const all = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    const v = parseInt(g, 16);
    out[2 * i] = v >> 8;
    out[2 * i + 1] = v & 0xff;
  });
  return out;
}

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING contents. */
function keyIdentifier(spkiDer: Uint8Array): Buffer {
  const spki = fromDer(spkiDer);
  const bitString = Array.isArray(spki.value) ? spki.value[1] : undefined;
  if (!bitString) throw new Error('not a SubjectPublicKeyInfo');
  return createHash('sha1').update(valueBytes(bitString).subarray(1)).digest();
}

export function spkiOf(key: KeyObject | string | Uint8Array): Buffer {
  const k =
    typeof key === 'string'
      ? createPublicKey(key)
      : key instanceof Uint8Array
        ? createPublicKey({ key: Buffer.from(key), format: 'der', type: 'spki' })
        : key.type === 'private'
          ? createPublicKey(key)
          : key;
  return k.export({ type: 'spki', format: 'der' });
}

const sigAlg = (): Asn1 => seq(oid(SHA256_RSA), nul());

function signed(tbs: Asn1, issuerKey: KeyObject): Buffer {
  const tbsDer = toDer(tbs);
  const signature = nodeSign('sha256', tbsDer, issuerKey);
  return toDer(seq(fromDer(tbsDer), sigAlg(), bits(signature)));
}

export function buildCertificate(spec: CertificateSpec, issuerKey: KeyObject): Buffer {
  const exts: Asn1[] = [];
  exts.push(
    ext(
      '2.5.29.19',
      true,
      spec.ca ? seq(bool(true), ...(spec.ca.pathLen === undefined ? [] : [small(spec.ca.pathLen)])) : seq(),
    ),
  );
  exts.push(ext('2.5.29.15', true, keyUsageBits(spec.keyUsage)));
  if (spec.extKeyUsage?.length) exts.push(ext('2.5.29.37', false, seq(...spec.extKeyUsage.map(oid))));
  exts.push(ext('2.5.29.14', false, octets(keyIdentifier(spec.spkiDer))));
  exts.push(ext('2.5.29.35', false, seq(ctx(0, keyIdentifier(spec.issuerSpkiDer)))));
  if (spec.crlUri) exts.push(ext('2.5.29.31', false, seq(seq(ctx(0, [ctx(0, [ctxIa5(6, spec.crlUri)])])))));
  if (spec.altNames?.length) {
    exts.push(
      ext(
        '2.5.29.17',
        false,
        seq(
          ...spec.altNames.map((a) =>
            'dns' in a ? ctxIa5(2, a.dns) : 'ip' in a ? ctx(7, ipBytes(a.ip)) : ctx(4, [name(a.dirName)]),
          ),
        ),
      ),
    );
  }
  const tbs = seq(
    ctx(0, [small(2)]),
    uint(spec.serial),
    sigAlg(),
    name(spec.issuer),
    seq(time(spec.notBefore), time(spec.notAfter)),
    name(spec.subject),
    fromDer(spec.spkiDer),
    ctx(3, [seq(...exts)]),
  );
  return signed(tbs, issuerKey);
}

function ctxIa5(n: number, s: string): Asn1 {
  return ctx(n, Buffer.from(valueBytes(ia5(s))));
}

export type RevocationReason =
  | 'unspecified'
  | 'keyCompromise'
  | 'cACompromise'
  | 'affiliationChanged'
  | 'superseded'
  | 'cessationOfOperation'
  | 'certificateHold';
const reasonCode: Record<RevocationReason, number> = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
};

interface CrlSpec {
  issuer: NameAttr[];
  issuerSpkiDer: Uint8Array;
  thisUpdate: Date;
  nextUpdate: Date;
  crlNumber: number;
  revoked: Array<{ serial: Uint8Array; revokedAt: Date; reason: RevocationReason }>;
}

/** An X.509 v2 CRL (RFC 5280 §5); node-forge cannot make these, so it is assembled here. */
export function buildCrl(spec: CrlSpec, issuerKey: KeyObject): Buffer {
  const entries = spec.revoked.map((r) =>
    seq(uint(r.serial), time(r.revokedAt), seq(ext('2.5.29.21', false, enumerated(reasonCode[r.reason])))),
  );
  const tbs = seq(
    small(1),
    sigAlg(),
    name(spec.issuer),
    time(spec.thisUpdate),
    time(spec.nextUpdate),
    ...(entries.length ? [seq(...entries)] : []),
    ctx(0, [
      seq(
        ext('2.5.29.35', false, seq(ctx(0, keyIdentifier(spec.issuerSpkiDer)))),
        ext('2.5.29.20', false, small(spec.crlNumber)),
      ),
    ]),
  );
  return signed(tbs, issuerKey);
}

function enumerated(n: number): Asn1 {
  const a = small(n);
  a.type = 10; // ENUMERATED has INTEGER's encoding
  return a;
}
