// The sandbox's test certificate authority: an NHS-like G2 hierarchy (root, authentication and
// signing intermediates) kept as PEM files in a directory, issuing smartcard user certificates,
// a loopback TLS certificate, and CRLs. Test keys only: the directory holds private keys in the
// clear (mode 0600) because nothing here protects anything real.
//
// Display name choice: the user's subject stays exactly `O=nhs, OU=people, CN=<12-digit user id>`
// like a real NHS card; the person's display name goes in a SubjectAltName directoryName
// `CN=<display name>`, where path validators and OpenSC ignore it and Scrip can read it.
import { createPrivateKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { fileBacked } from '../store/file-backed';
import { join } from 'node:path';
import { isIP } from 'node:net';
import { nameText, pem, unpem, type NameAttr } from './der';
import { buildCertificate, buildCrl, ekuOids, spkiOf, type KeyUsage, type RevocationReason } from './x509';

/** The three certificate authorities; `auth` and `sign` are intermediates under `root`. */
type CaKind = 'root' | 'auth' | 'sign';
/** A public key as PEM (SPKI or private key), SPKI DER bytes, or a Node KeyObject. */
type PublicKeyInput = string | Uint8Array | KeyObject;

interface CaCertificate {
  kind: CaKind;
  subject: NameAttr[];
  /** e.g. "C=GB, O=nhs, OU=CA, CN=Scrip Sandbox Authentication G2" */
  subjectText: string;
  pem: string;
  der: Buffer;
}

export interface IssuedCertificate {
  /** Serial number, upper-case hex without separators (as `openssl x509 -serial` prints it). */
  serial: string;
  issuer: CaKind;
  subjectText: string;
  notBefore: Date;
  notAfter: Date;
  pem: string;
  der: Buffer;
  /** This certificate, then its issuers up to but not including the root. */
  chainPem: string;
}

interface UserCertificateRequest {
  /** 12-digit user id, the subject CN. */
  userId: string;
  displayName: string;
  publicKey: PublicKeyInput;
  /** Default 730 (two years, as NHS cards). */
  validDays?: number;
}

interface TlsCertificate {
  serial: string;
  certPem: string;
  keyPem: string;
  /** Server certificate then root, for a TLS server's `cert` option. */
  chainPem: string;
  /** The root to trust (`ca` option of a client). */
  caPem: string;
}

export interface TestCa {
  readonly dir: string;
  readonly baseUrl: string;
  readonly root: CaCertificate;
  readonly auth: CaCertificate;
  readonly sign: CaCertificate;
  /** URL at which the CRL of `kind` is expected: `<baseUrl>/crl/<kind>.crl`. */
  crlUrl(kind: CaKind): string;
  /** Authentication certificate (digitalSignature + keyEncipherment, clientAuth) from the Authentication G2 CA. */
  issueAuthCertificate(req: UserCertificateRequest): IssuedCertificate;
  /** Signing certificate (contentCommitment, i.e. nonRepudiation, only) from the Signing G2 CA. */
  issueSigningCertificate(req: UserCertificateRequest): IssuedCertificate;
  issueUserCertificates(req: {
    userId: string;
    displayName: string;
    authPublicKey: PublicKeyInput;
    signPublicKey: PublicKeyInput;
    validDays?: number;
  }): { auth: IssuedCertificate; sign: IssuedCertificate };
  /** A server certificate for loopback names, issued by the root; a fresh RSA key every call. */
  issueTlsCertificate(opts?: { hosts?: string[]; validDays?: number }): TlsCertificate;
  /** Revokes a certificate this CA issued (serial in hex, any case, colons allowed). Idempotent. */
  revoke(serial: string, reason?: RevocationReason): void;
  isRevoked(serial: string): boolean;
  /**
   * The register of issued certificates: what `issuer` issued under `serial` (hex, any case, colons
   * allowed), with the certificate exactly as issued (DER) — null if that CA never issued it.
   * Certificates issued before the register kept them have `der: null`.
   */
  issued(issuer: CaKind, serial: string): RegisteredCertificate | null;
  /** A freshly signed CRL (DER) of the given CA, valid for 7 days. */
  crlDer(kind: CaKind): Buffer;
  /** All three CA certificates as one PEM bundle, root last. */
  bundlePem(): string;
}

interface OpenTestCaOptions {
  /** Base URL of the sandbox, used in CRL distribution points. Default https://localhost:4443 */
  baseUrl?: string;
  /** Clock, for tests. */
  now?: () => Date;
}

/** An entry of the register of issued certificates. */
interface RegisteredCertificate {
  serial: string;
  issuer: CaKind;
  subjectText: string;
  notAfter: Date;
  der: Buffer | null;
}

/** `certificate`: base64 DER as issued (absent in entries written before the register kept it). */
interface IssuedRecord {
  issuer: CaKind;
  subject: string;
  notAfter: string;
  certificate?: string;
}
interface RevokedRecord {
  serial: string;
  issuer: CaKind;
  revokedAt: string;
  reason: RevocationReason;
}
interface CaState {
  version: 1;
  baseUrl: string;
  issued: Record<string, IssuedRecord>;
  revoked: RevokedRecord[];
}

const ROOT: NameAttr[] = [
  ['C', 'GB'],
  ['O', 'nhs'],
  ['OU', 'CA'],
  ['CN', 'Scrip Sandbox Root Authority G2'],
];
const AUTH: NameAttr[] = [
  ['C', 'GB'],
  ['O', 'nhs'],
  ['OU', 'CA'],
  ['CN', 'Scrip Sandbox Authentication G2'],
];
const SIGN: NameAttr[] = [
  ['C', 'GB'],
  ['O', 'nhs'],
  ['OU', 'CA'],
  ['CN', 'Scrip Sandbox Signing G2'],
];
const subjects: Record<CaKind, NameAttr[]> = { root: ROOT, auth: AUTH, sign: SIGN };
const files: Record<CaKind, string> = { root: 'root', auth: 'auth-ca', sign: 'sign-ca' };
const DAY = 86_400_000;

export class TestCaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TestCaError';
  }
}

function newSerial(): Buffer {
  const s = randomBytes(16);
  s[0] = (s[0]! & 0x7f) | 0x10; // positive and never a leading zero byte
  return s;
}
const normSerial = (s: string): string =>
  s
    .replace(/[:\s]/g, '')
    .toUpperCase()
    .replace(/^0+(?=.)/, '');

function writeSecret(path: string, text: string): void {
  writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, 0o600);
}

function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, path);
}

/** A user id is exactly 12 digits (the NHS "UUID"). */
export const isUserId = (s: string): boolean => /^\d{12}$/.test(s);

/**
 * Opens the CA in `dir`, creating the hierarchy on first use. Several processes may open the same
 * directory; state (issued serials, revocations) is re-read on every call that needs it.
 */
export function openTestCa(dir: string, opts: OpenTestCaOptions = {}): TestCa {
  const now = opts.now ?? (() => new Date());
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const statePath = join(dir, 'ca.json');
  const readState = (): CaState => JSON.parse(readFileSync(statePath, 'utf8')) as CaState;
  // Readers (revocation checks on every request) re-read ca.json only when it changed: it is
  // replaced by rename on every write, so inode, mtime and size tell. Writers always read afresh.
  const currentState = fileBacked(statePath, (text): { state: CaState; revoked: Set<string> } => {
    const state = JSON.parse(text) as CaState;
    return { state, revoked: new Set(state.revoked.map((r) => r.serial)) };
  });
  const writeState = (s: CaState): void => writeAtomic(statePath, `${JSON.stringify(s, null, 2)}\n`);

  if (!existsSync(statePath)) {
    const baseUrl = opts.baseUrl ?? 'https://localhost:4443';
    createHierarchy(dir, baseUrl, now());
    writeState({ version: 1, baseUrl, issued: {}, revoked: [] });
  }
  const baseUrl = (opts.baseUrl ?? readState().baseUrl).replace(/\/+$/, '');

  const load = (kind: CaKind): { cert: CaCertificate; key: KeyObject; spki: Buffer } => {
    const certPem = readFileSync(join(dir, `${files[kind]}.pem`), 'utf8');
    const key = createPrivateKey(readFileSync(join(dir, `${files[kind]}.key.pem`), 'utf8'));
    return {
      cert: { kind, subject: subjects[kind], subjectText: nameText(subjects[kind]), pem: certPem, der: unpem(certPem) },
      key,
      spki: spkiOf(key),
    };
  };
  const cas = { root: load('root'), auth: load('auth'), sign: load('sign') };
  const crlUrl = (kind: CaKind): string => `${baseUrl}/crl/${kind}.crl`;

  const record = (serial: Buffer, issuer: CaKind, subject: string, notAfter: Date, der: Buffer): string => {
    const hex = normSerial(serial.toString('hex'));
    const s = readState();
    s.issued[hex] = { issuer, subject, notAfter: notAfter.toISOString(), certificate: der.toString('base64') };
    writeState(s);
    return hex;
  };

  const issueUser = (kind: 'auth' | 'sign', req: UserCertificateRequest): IssuedCertificate => {
    if (!isUserId(req.userId)) throw new TestCaError('a user id is 12 digits');
    if (!req.displayName.trim()) throw new TestCaError('a display name is required');
    const issuer = cas[kind];
    const notBefore = new Date(now().getTime() - 3600_000);
    const notAfter = new Date(notBefore.getTime() + (req.validDays ?? 730) * DAY);
    const subject: NameAttr[] = [
      ['O', 'nhs'],
      ['OU', 'people'],
      ['CN', req.userId],
    ];
    const serial = newSerial();
    // As an NHS card's: the authentication key may sign and encipher (PKCS#11 clients that pick
    // "the key that can decrypt" pick it); the signing key is for non-repudiation only.
    const keyUsage: KeyUsage[] = kind === 'auth' ? ['digitalSignature', 'keyEncipherment'] : ['contentCommitment'];
    const der = buildCertificate(
      {
        serial,
        issuer: issuer.cert.subject,
        subject,
        notBefore,
        notAfter,
        spkiDer: spkiOf(req.publicKey),
        issuerSpkiDer: issuer.spki,
        keyUsage,
        extKeyUsage: kind === 'auth' ? [ekuOids.clientAuth] : [ekuOids.emailProtection],
        crlUri: crlUrl(kind),
        altNames: [{ dirName: [['CN', req.displayName]] }],
      },
      issuer.key,
    );
    const certPem = pem('CERTIFICATE', der);
    return {
      serial: record(serial, kind, nameText(subject), notAfter, der),
      issuer: kind,
      subjectText: nameText(subject),
      notBefore,
      notAfter,
      pem: certPem,
      der,
      chainPem: certPem + issuer.cert.pem,
    };
  };

  return {
    dir,
    baseUrl,
    root: cas.root.cert,
    auth: cas.auth.cert,
    sign: cas.sign.cert,
    crlUrl,
    issueAuthCertificate: (req) => issueUser('auth', req),
    issueSigningCertificate: (req) => issueUser('sign', req),
    issueUserCertificates(req) {
      const base = {
        userId: req.userId,
        displayName: req.displayName,
        ...(req.validDays ? { validDays: req.validDays } : {}),
      };
      return {
        auth: issueUser('auth', { ...base, publicKey: req.authPublicKey }),
        sign: issueUser('sign', { ...base, publicKey: req.signPublicKey }),
      };
    },
    issueTlsCertificate(o = {}) {
      const hosts = o.hosts ?? ['localhost', '127.0.0.1'];
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const notBefore = new Date(now().getTime() - 3600_000);
      const notAfter = new Date(notBefore.getTime() + (o.validDays ?? 365) * DAY);
      const serial = newSerial();
      const subject: NameAttr[] = [
        ['C', 'GB'],
        ['O', 'nhs'],
        ['OU', 'Scrip Sandbox'],
        ['CN', hosts[0] ?? 'localhost'],
      ];
      const der = buildCertificate(
        {
          serial,
          issuer: ROOT,
          subject,
          notBefore,
          notAfter,
          spkiDer: spkiOf(privateKey),
          issuerSpkiDer: cas.root.spki,
          keyUsage: ['digitalSignature', 'keyEncipherment'],
          extKeyUsage: [ekuOids.serverAuth],
          // An address is an iPAddress name (IPv4 and IPv6 alike), never a dNSName (RFC 6125 §6.2.1).
          altNames: hosts.map((h) => (isIP(h) ? { ip: h } : { dns: h })),
        },
        cas.root.key,
      );
      const certPem = pem('CERTIFICATE', der);
      return {
        serial: record(serial, 'root', nameText(subject), notAfter, der),
        certPem,
        keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        chainPem: certPem + cas.root.cert.pem,
        caPem: cas.root.cert.pem,
      };
    },
    revoke(serial, reason = 'unspecified') {
      const hex = normSerial(serial);
      const s = readState();
      const issued = s.issued[hex];
      if (!issued) throw new TestCaError(`serial ${hex} was not issued by this CA`);
      if (s.revoked.some((r) => r.serial === hex)) return;
      s.revoked.push({ serial: hex, issuer: issued.issuer, revokedAt: now().toISOString(), reason });
      writeState(s);
    },
    isRevoked: (serial) => currentState().revoked.has(normSerial(serial)),
    issued(issuer, serial) {
      const hex = normSerial(serial);
      const r = currentState().state.issued[hex];
      if (!r || r.issuer !== issuer) return null;
      return {
        serial: hex,
        issuer: r.issuer,
        subjectText: r.subject,
        notAfter: new Date(r.notAfter),
        der: r.certificate ? Buffer.from(r.certificate, 'base64') : null,
      };
    },
    crlDer(kind) {
      const ca = cas[kind];
      const t = now();
      return buildCrl(
        {
          issuer: ca.cert.subject,
          issuerSpkiDer: ca.spki,
          thisUpdate: new Date(t.getTime() - 60_000),
          nextUpdate: new Date(t.getTime() + 7 * DAY),
          // Seconds since the epoch: increases with every CRL without keeping a counter on disk.
          crlNumber: Math.floor(t.getTime() / 1000),
          revoked: currentState()
            .state.revoked.filter((r) => r.issuer === kind)
            .map((r) => ({
              serial: Buffer.from(r.serial.length % 2 ? `0${r.serial}` : r.serial, 'hex'),
              revokedAt: new Date(r.revokedAt),
              reason: r.reason,
            })),
        },
        ca.key,
      );
    },
    bundlePem: () => cas.auth.cert.pem + cas.sign.cert.pem + cas.root.cert.pem,
  };
}

function createHierarchy(dir: string, baseUrl: string, t: Date): void {
  const gen = (): KeyObject => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const rootKey = gen();
  const notBefore = new Date(t.getTime() - DAY);
  const rootDer = buildCertificate(
    {
      serial: newSerial(),
      issuer: ROOT,
      subject: ROOT,
      notBefore,
      notAfter: new Date(notBefore.getTime() + 20 * 365 * DAY),
      spkiDer: spkiOf(rootKey),
      issuerSpkiDer: spkiOf(rootKey),
      ca: {},
      keyUsage: ['keyCertSign', 'cRLSign'],
    },
    rootKey,
  );
  const save = (kind: CaKind, der: Buffer, key: KeyObject): void => {
    writeFileSync(join(dir, `${files[kind]}.pem`), pem('CERTIFICATE', der));
    writeSecret(join(dir, `${files[kind]}.key.pem`), key.export({ type: 'pkcs8', format: 'pem' }).toString());
  };
  save('root', rootDer, rootKey);
  for (const kind of ['auth', 'sign'] as const) {
    const key = gen();
    const der = buildCertificate(
      {
        serial: newSerial(),
        issuer: ROOT,
        subject: subjects[kind],
        notBefore,
        notAfter: new Date(notBefore.getTime() + 15 * 365 * DAY),
        spkiDer: spkiOf(key),
        issuerSpkiDer: spkiOf(rootKey),
        ca: { pathLen: 0 },
        keyUsage: ['keyCertSign', 'cRLSign'],
        crlUri: `${baseUrl.replace(/\/+$/, '')}/crl/root.crl`,
      },
      rootKey,
    );
    save(kind, der, key);
  }
}
