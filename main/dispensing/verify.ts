// Scrip's own check of the prescriber's signature on each released prescription (EPS checks it
// too, on release; a pharmacy system must not rely on that alone — Dispensing SCAL 1.6.9). The
// cryptography and the digest comparison are protocols/eps/signature.ts, shared with the sandbox;
// trust is the environment's CA bundle: the signer's certificate must be issued (signature checked,
// not just names) by a CA certificate in that bundle.
import { X509Certificate } from 'node:crypto';
import { findRequesterSignature, verifyPrescriptionSignature } from '../../protocols/eps/signature';

type Json = Record<string, unknown>;

export interface SignatureCheck {
  ok: boolean;
  /** EPS's words for each failed check ("Signature doesn't match prescription", …). */
  errors: string[];
  signer: { subject: string; serial: string; validTo: string } | null;
  signedAt: string | null;
}

/** The CA certificates of a PEM bundle (anything else in it is ignored). */
export function caCertificates(caPem: string | null): X509Certificate[] {
  const out: X509Certificate[] = [];
  for (const m of (caPem ?? '').matchAll(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)) {
    try {
      const c = new X509Certificate(m[0]);
      if (c.ca) out.push(c);
    } catch { /* a broken block cannot be a trust anchor */ }
  }
  return out;
}

/** The `trust` function for verifyPrescriptionSignature: issued by a CA of the bundle, valid when signed. */
export function bundleTrust(cas: readonly X509Certificate[]) {
  return (_cert: unknown, der: Uint8Array, signedAt: Date): string | null => {
    let cert: X509Certificate;
    try { cert = new X509Certificate(der); } catch { return 'Certificate not trusted'; }
    const issuer = cas.find((ca) => cert.checkIssued(ca) && cert.verify(ca.publicKey));
    if (!issuer) return 'Certificate not trusted';
    const t = signedAt.getTime();
    if (!(t >= new Date(issuer.validFrom).getTime() && t <= new Date(issuer.validTo).getTime())) return 'CA certificate was not valid when signed';
    return null;
  };
}

/** Verifies the requester's signature of a released prescription-order Bundle against `cas`. */
export async function checkSignature(bundle: Json, cas: readonly X509Certificate[]): Promise<SignatureCheck> {
  const sig = findRequesterSignature(bundle);
  if (!sig) return { ok: false, errors: ['Signature is missing'], signer: null, signedAt: null };
  const r = await verifyPrescriptionSignature({ signatureXml: sig.xml, bundle, signedAt: sig.when, trust: bundleTrust(cas) });
  let signer: SignatureCheck['signer'] = null;
  if (r.certificate) {
    const c = r.certificate;
    signer = {
      subject: c.subject.attributes.map((a) => `${a.shortName ?? a.name ?? a.type}=${String(a.value)}`).join(', '),
      serial: c.serialNumber.toUpperCase(), validTo: c.validity.notAfter.toISOString(),
    };
  }
  return { ok: r.ok, errors: r.errors, signer, signedAt: sig.when };
}
