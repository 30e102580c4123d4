// Makes a virtual card: key pairs generated here, certificates issued by the sandbox test CA.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { isUserId, openTestCa, type TestCa } from '../ca';
import { hashSecret, TEST_CARD_WARNING, type CardFile, type CardKey } from './card-file';
import { hex, TEST_FASCN } from '../../protocols/card';

/** ATR of the virtual card: T=1, historical bytes "ScripPIV" (not a YubiKey; hosts probe by SELECT). */
export const VIRTUAL_CARD_ATR = atrWithHistory(Buffer.from('ScripPIV', 'ascii'));

function atrWithHistory(hist: Uint8Array): string {
  // TS=3B, T0 = TD1 present + K historical bytes, TD1 = TD2 present / T=0, TD2 = T=1, then TCK
  const body = [0x80 | hist.length, 0x80, 0x01, ...hist];
  const tck = body.reduce((x, b) => x ^ b, 0);
  return hex(Uint8Array.from([0x3b, ...body, tck]));
}

export class CardIssueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CardIssueError';
  }
}

export interface IssueCardRequest {
  userId: string;
  displayName: string;
  pin: string;
  /** Default: 8 random digits (returned in the result). */
  puk?: string;
  /** The CA to issue from: an open CA or its directory. */
  ca: TestCa | string;
  /** Key algorithm for both slots (default RSA-2048). */
  algorithm?: 'rsa2048' | 'p256';
  /** Store certificates gzip-compressed (CertInfo bit), as some real cards do. */
  compressCertificates?: boolean;
  /** PIN policy of the authentication key (9A); the signing key (9C) is always "always". */
  authPinPolicy?: 'once' | 'always';
  validDays?: number;
}

export interface IssuedCard {
  card: CardFile;
  puk: string;
  authSerial: string;
  signSerial: string;
}

const pinFormat = /^[0-9]{6,8}$/;

export function issueCard(req: IssueCardRequest): IssuedCard {
  if (!isUserId(req.userId)) throw new CardIssueError('--user must be a 12-digit user id');
  if (!req.displayName.trim()) throw new CardIssueError('--name must not be empty');
  if (!pinFormat.test(req.pin)) throw new CardIssueError('the PIN must be 6 to 8 digits');
  const puk = req.puk ?? Array.from(randomBytes(8), (b) => String(b % 10)).join('');
  if (!pinFormat.test(puk)) throw new CardIssueError('the PUK must be 6 to 8 digits');
  const ca = typeof req.ca === 'string' ? openTestCa(req.ca) : req.ca;
  const algorithm = req.algorithm ?? 'rsa2048';
  const gen = () =>
    algorithm === 'rsa2048'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const authKey = gen(),
    signKey = gen();
  const certs = ca.issueUserCertificates({
    userId: req.userId,
    displayName: req.displayName,
    authPublicKey: authKey.publicKey,
    signPublicKey: signKey.publicKey,
    ...(req.validDays ? { validDays: req.validDays } : {}),
  });
  const expiry = certs.auth.notAfter.toISOString().slice(0, 10).replace(/-/g, '');
  const slot = (k: typeof authKey, der: Buffer, pinPolicy: 'once' | 'always'): CardKey => ({
    algorithm,
    pinPolicy,
    compressed: req.compressCertificates ?? false,
    privateKeyPem: k.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    certificateDer: der.toString('hex').toUpperCase(),
  });
  const card: CardFile = {
    format: 'scrip-virtual-piv-card/1',
    warning: TEST_CARD_WARNING,
    atr: VIRTUAL_CARD_ATR,
    holder: { userId: req.userId, displayName: req.displayName },
    chuid: { fascn: hex(TEST_FASCN), guid: randomBytes(16).toString('hex').toUpperCase(), expiry },
    pin: hashSecret(req.pin),
    puk: hashSecret(puk),
    keys: {
      '9a': slot(authKey, certs.auth.der, req.authPinPolicy ?? 'once'),
      '9c': slot(signKey, certs.sign.der, 'always'),
    },
  };
  return { card, puk, authSerial: certs.auth.serial, signSerial: certs.sign.serial };
}
