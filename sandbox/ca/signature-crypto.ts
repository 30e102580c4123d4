// Node's own hashing and RSA verification for protocols/eps/signature (set by the sandbox server
// at startup): synchronous and native, where Web Crypto's per-call job overhead cost ~0.6 ms a
// prescription. Public keys are kept per certificate, since one prescriber signs many.
import { createHash, verify, X509Certificate, type KeyObject } from 'node:crypto';
import type { SignatureCrypto } from '../../protocols/eps/signature';

const keys = new Map<string, KeyObject>();

function publicKeyOf(certificateDer: Uint8Array): KeyObject {
  const id = Buffer.from(certificateDer.buffer, certificateDer.byteOffset, certificateDer.byteLength).toString(
    'base64',
  );
  let key = keys.get(id);
  if (!key) {
    if (keys.size >= 64) keys.clear();
    key = new X509Certificate(Buffer.from(certificateDer)).publicKey;
    keys.set(id, key);
  }
  return key;
}

/** Base64 SHA-256 or SHA-1 of a string's UTF-8: synchronous, as $prepare's digest needs it. */
export const nodeHash = (alg: 'sha256' | 'sha1', data: string): string =>
  createHash(alg).update(data, 'utf8').digest('base64');

export const nodeSignatureCrypto: SignatureCrypto = {
  hash: nodeHash,
  verify: (alg, data, signature, certificateDer) =>
    verify(alg, Buffer.from(data, 'utf8'), publicKeyOf(certificateDer), signature),
};
