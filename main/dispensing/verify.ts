// Scrip's own check of a prescriber's signature: on each released prescription (EPS checks it
// too, on release; a pharmacy system must not rely on that alone — Dispensing SCAL 1.6.9) and in
// `prescription.verify`. The checks themselves are protocols/eps/signature.ts, shared with the
// sandbox; here is what needs Node: the chain to a trust bundle (the signer's certificate must be
// issued — signature checked, not just names — by a CA certificate in it) and CRLs (revocation.ts).
import { X509Certificate } from 'node:crypto';
import {
  findRequesterSignature,
  nameText,
  signingDate,
  verifyPrescriptionSignature,
  verifySignedPrescription,
  type Check,
  type Signer,
  type TrustChecks,
  type VerifyResult,
} from '../../protocols/eps/signature';
import { readSignedPrescription } from '../../protocols/eps/signed-prescription';
import { crlRevocation } from './revocation';

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
    } catch {
      /* a broken block cannot be a trust anchor */
    }
  }
  return out;
}

/** The CA of `cas` that issued the signer's certificate (its signature checked), or null. */
export function issuerIn(cas: readonly X509Certificate[]) {
  return (s: Pick<Signer, 'der'>): X509Certificate | null => {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(s.der);
    } catch {
      return null;
    }
    return cas.find((ca) => cert.checkIssued(ca) && cert.verify(ca.publicKey)) ?? null;
  };
}

/** The chain check: issued by a CA of the bundle, which was itself valid when the prescription was signed. */
export function bundleTrust(
  cas: readonly X509Certificate[],
  opts: { revocation?: boolean; caPem?: string } = {},
): TrustChecks {
  const issuerOf = issuerIn(cas);
  return {
    chain: (s) => {
      const issuer = issuerOf(s);
      if (!issuer)
        return {
          result: 'fail',
          detail: `No CA certificate in the trust bundle (${cas.length} CA${cas.length === 1 ? '' : 's'}) issued this certificate; its issuer is ${nameText(s.certificate.issuer)}. The bundle must hold the issuing CA itself.`,
        };
      const t = s.signedAt.getTime();
      if (!(t >= new Date(issuer.validFrom).getTime() && t <= new Date(issuer.validTo).getTime()))
        return {
          result: 'fail',
          detail: `Issued by ${issuer.subject.replace(/\n/g, ', ')}, which was not valid when the prescription was signed.`,
          epsError: 'CA certificate was not valid when signed',
        };
      return {
        result: 'pass',
        detail: `Issued by ${issuer.subject.replace(/\n/g, ', ')} from the trust bundle (its signature checked).`,
      };
    },
    ...(opts.revocation
      ? { revocation: crlRevocation(issuerOf, { ...(opts.caPem ? { caPem: opts.caPem } : {}) }) }
      : {}),
  };
}

function signerOf(r: VerifyResult): SignatureCheck['signer'] {
  const c = r.certificate;
  if (!c) return null;
  return {
    subject: nameText(c.subject),
    serial: c.serialNumber.toUpperCase(),
    validTo: c.validity.notAfter.toISOString(),
  };
}

/** Verifies the requester's signature of a released prescription-order Bundle against `cas`. */
export async function checkSignature(bundle: Json, cas: readonly X509Certificate[]): Promise<SignatureCheck> {
  const sig = findRequesterSignature(bundle);
  if (!sig) return { ok: false, errors: ['Signature is missing'], signer: null, signedAt: null };
  const r = await verifyPrescriptionSignature({
    signatureXml: sig.xml,
    bundle,
    signedAt: sig.when,
    trust: bundleTrust(cas),
  });
  return { ok: r.ok, errors: r.errors, signer: signerOf(r), signedAt: sig.when };
}

export interface SignatureReport {
  verdict: 'valid' | 'invalid' | 'not-fully-checked';
  kind: 'fhir' | 'hl7v3';
  prescriptionId: string | null;
  signedAt: string | null;
  algorithm: 'RS256' | 'RS1' | null;
  signer: SignatureCheck['signer'];
  checks: Check[];
  errors: string[];
}

/**
 * Every EPS check of a signed prescription given as text (FHIR Bundle JSON or HL7 v3 XML), with
 * `trustPem` as the trust bundle and CRLs fetched when `revocation` is set and the bundle is given.
 */
export async function verifySignedText(
  text: string,
  opts: { trustPem?: string; revocation?: boolean } = {},
): Promise<SignatureReport> {
  const read = readSignedPrescription(text);
  const trust = opts.trustPem
    ? bundleTrust(caCertificates(opts.trustPem), { revocation: opts.revocation ?? true, caPem: opts.trustPem })
    : {};
  const r = await verifySignedPrescription(read.prescription, trust);
  const verdict = !r.ok ? 'invalid' : r.checks.every((c) => c.result === 'pass') ? 'valid' : 'not-fully-checked';
  const at = read.prescription.signedAt ? signingDate(read.prescription.signedAt) : null;
  const signedAt = at && !Number.isNaN(at.getTime()) ? at.toISOString() : read.prescription.signedAt;
  return {
    verdict,
    kind: read.kind,
    prescriptionId: read.prescriptionId,
    signedAt,
    algorithm: r.algorithm ?? null,
    signer: signerOf(r),
    checks: r.checks,
    errors: r.errors,
  };
}
