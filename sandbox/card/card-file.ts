// The virtual card's persistent state. TEST CARD ONLY: the private keys sit in this JSON file in
// the clear (a real card never lets them out); the PIN and PUK are kept only as salted hashes.
// The file is rewritten after every change of a retry counter, so a blocked PIN stays blocked.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';

const hexString = z.string().regex(/^([0-9A-F]{2})*$/);
const secret = z.object({
  salt: hexString,
  hash: hexString,
  tries: z.number().int().min(0),
  maxTries: z.number().int().min(1).max(15),
});
const key = z.object({
  algorithm: z.enum(['rsa2048', 'p256']),
  privateKeyPem: z.string(),
  /** once: PIN once per card session; always: a fresh VERIFY before every use (PIV's rule for 9C). */
  pinPolicy: z.enum(['once', 'always']),
  certificateDer: hexString,
  /** Store the certificate gzip-compressed (CertInfo bit 0). */
  compressed: z.boolean(),
});
const cardFileSchema = z.object({
  format: z.literal('scrip-virtual-piv-card/1'),
  warning: z.string(),
  atr: hexString,
  holder: z.object({ userId: z.string(), displayName: z.string() }),
  chuid: z.object({ fascn: hexString, guid: hexString, expiry: z.string().regex(/^\d{8}$/) }),
  pin: secret,
  puk: secret,
  keys: z.object({ '9a': key, '9c': key }),
});
export type CardFile = z.infer<typeof cardFileSchema>;
export type CardKey = z.infer<typeof key>;
export type CardSecret = z.infer<typeof secret>;

export const TEST_CARD_WARNING =
  'Scrip virtual TEST card: private keys are stored here in the clear. Never use for anything real.';

export function hashSecret(value: string, maxTries = 3): CardSecret {
  const salt = randomBytes(16);
  return { salt: salt.toString('hex').toUpperCase(), hash: digest(salt, value), tries: maxTries, maxTries };
}
function digest(salt: Buffer, value: string): string {
  return createHash('sha256').update(salt).update(value, 'utf8').digest('hex').toUpperCase();
}
export function secretMatches(s: CardSecret, value: string): boolean {
  const got = Buffer.from(digest(Buffer.from(s.salt, 'hex'), value), 'hex');
  return timingSafeEqual(got, Buffer.from(s.hash, 'hex'));
}

export function readCardFile(path: string): CardFile {
  return cardFileSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
}

export function writeCardFile(path: string, card: CardFile): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(card, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}
