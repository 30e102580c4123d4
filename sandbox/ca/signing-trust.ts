// The check that a prescription signer's certificate chains to the sandbox's Signing CA and is not
// revoked, with Node's native X.509 (node-forge's verify cost ~1.5 ms a prescription). Revocation is read per call (ca.json, re-parsed only on change),
// so `scrip sandbox revoke` in another process counts from the next request. Shaped as the
// `trust` checks of protocols/eps/signature's verifier.
import { X509Certificate } from 'node:crypto';
import type { TestCa } from './test-ca';
import type { TrustChecks, Signer } from '../../protocols/eps/signature';

export function signingCertificateTrust(ca: Pick<TestCa, 'sign' | 'isRevoked'>): TrustChecks {
  const signCa = new X509Certificate(ca.sign.der);
  // The chain verdict of a certificate never changes (parsing one costs ~0.4 ms), so it is kept
  // with the serial; revocation, which does change, is looked up on every call.
  const chained = new Map<string, { serial: string } | null>();
  const chainOf = ({ der }: Signer): { serial: string } | null => {
    const id = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
    let verdict = chained.get(id);
    if (verdict === undefined) {
      try {
        const cert = new X509Certificate(Buffer.from(der));
        verdict = cert.checkIssued(signCa) && cert.verify(signCa.publicKey) ? { serial: cert.serialNumber } : null;
      } catch {
        verdict = null;
      }
      if (chained.size >= 256) chained.clear();
      chained.set(id, verdict);
    }
    return verdict;
  };
  return {
    chain: (s) =>
      chainOf(s)
        ? { result: 'pass', detail: 'Issued by the sandbox Signing CA.' }
        : { result: 'fail', detail: 'Not issued by the sandbox Signing CA.' },
    revocation: (s) => {
      const c = chainOf(s);
      if (!c) return { result: 'not-checked', detail: 'Not checked: the certificate is not from the sandbox CA.' };
      return ca.isRevoked(c.serial)
        ? { result: 'fail', detail: 'The sandbox CA has revoked this certificate.' }
        : { result: 'pass', detail: 'Not revoked by the sandbox CA.' };
    },
  };
}
