// The check that a prescription signer's certificate chains to the sandbox's Signing CA and is not
// revoked, with Node's native X.509 (node-forge's verify cost ~1.5 ms a prescription). Revocation is read per call (ca.json, re-parsed only on change),
// so `scrip sandbox revoke` in another process counts from the next request. Shaped as the
// `trust` argument of protocols/eps/signature's verifyPrescriptionSignature.
import { X509Certificate } from 'node:crypto';
import type { TestCa } from './test-ca';

export function signingCertificateTrust(ca: Pick<TestCa, 'sign' | 'isRevoked'>): (certificate: unknown, certificateDer: Uint8Array) => string | null {
  const signCa = new X509Certificate(ca.sign.der);
  // The chain verdict of a certificate never changes (parsing one costs ~0.4 ms), so it is kept
  // with the serial; revocation, which does change, is looked up on every call.
  const chained = new Map<string, { serial: string } | null>();
  return (_certificate, der) => {
    const id = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
    let verdict = chained.get(id);
    if (verdict === undefined) {
      try {
        const cert = new X509Certificate(Buffer.from(der));
        verdict = cert.checkIssued(signCa) && cert.verify(signCa.publicKey) ? { serial: cert.serialNumber } : null;
      } catch { verdict = null; }
      if (chained.size >= 256) chained.clear();
      chained.set(id, verdict);
    }
    if (!verdict) return 'Certificate not trusted';
    if (ca.isRevoked(verdict.serial)) return 'Certificate is revoked';
    return null;
  };
}
