// PKCS#1 v1.5 signature padding (RFC 8017 §9.2) built on the host: a PIV card only performs the raw
// RSA private-key operation on a block the host has already padded.
import { concat } from './tlv';

export type HashAlgorithm = 'sha1' | 'sha256' | 'sha384' | 'sha512';

/** DER prefixes of DigestInfo (RFC 8017 §9.2 note 1). */
const digestInfoPrefix: Record<HashAlgorithm, number[]> = {
  sha1: [0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14],
  sha256: [
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20,
  ],
  sha384: [
    0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30,
  ],
  sha512: [
    0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40,
  ],
};
export const hashLength: Record<HashAlgorithm, number> = { sha1: 20, sha256: 32, sha384: 48, sha512: 64 };

class PaddingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PaddingError';
  }
}

export function digestInfo(alg: HashAlgorithm, hash: Uint8Array): Uint8Array {
  if (hash.length !== hashLength[alg])
    throw new PaddingError(`a ${alg} hash is ${hashLength[alg]} bytes, got ${hash.length}`);
  return concat(Uint8Array.from(digestInfoPrefix[alg]), hash);
}

/** EMSA-PKCS1-v1_5 encoding: 00 01 FF…FF 00 DigestInfo, `modulusBytes` long. */
export function pkcs1v15Pad(digestInfoBytes: Uint8Array, modulusBytes: number): Uint8Array {
  const ps = modulusBytes - digestInfoBytes.length - 3;
  if (ps < 8) throw new PaddingError('DigestInfo too long for the key');
  const out = new Uint8Array(modulusBytes).fill(0xff);
  out[0] = 0x00;
  out[1] = 0x01;
  out[2 + ps] = 0x00;
  out.set(digestInfoBytes, 3 + ps);
  return out;
}

/** Recognises which DigestInfo prefix `di` has, if any (for callers passing ready-made DigestInfo). */
export function digestInfoAlgorithm(di: Uint8Array): HashAlgorithm | null {
  for (const [alg, prefix] of Object.entries(digestInfoPrefix) as Array<[HashAlgorithm, number[]]>) {
    if (di.length === prefix.length + hashLength[alg] && prefix.every((b, i) => di[i] === b)) return alg;
  }
  return null;
}
