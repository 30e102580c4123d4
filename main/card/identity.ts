// Who the card belongs to, read from its certificates: the 12-digit user id from the
// authentication certificate's subject CN (`O=nhs, OU=people, CN=<user id>`), the display name
// from a SubjectAltName directoryName CN when present (Scrip's sandbox CA puts it there; real NHS
// certificates carry none), validity, issuer and key algorithm.
import { X509Certificate } from 'node:crypto';
import { ScripError } from '../errors';

export interface CertificateSummary {
  subject: string;
  issuer: string;
  serial: string;
  notBefore: string;
  notAfter: string;
  /** e.g. "RSA-2048", "EC P-256" */
  keyAlgorithm: string;
  /** SHA-256 fingerprint, upper-case hex with colons. */
  fingerprint: string;
}

export interface CardIdentity {
  userId: string;
  displayName: string | null;
  auth: CertificateSummary;
  sign: CertificateSummary | null;
}

/** One RDN value from Node's multi-line DN text ("O=nhs\nOU=people\nCN=…"). */
function rdn(dn: string, attr: string): string | null {
  const line = dn.split('\n').reverse().find((l) => l.startsWith(`${attr}=`));
  return line ? line.slice(attr.length + 1) : null;
}

export function summarise(der: Uint8Array): CertificateSummary {
  const c = new X509Certificate(der);
  const k = c.publicKey;
  const keyAlgorithm = k.asymmetricKeyType === 'rsa' ? `RSA-${k.asymmetricKeyDetails?.modulusLength ?? '?'}`
    : k.asymmetricKeyType === 'ec' ? `EC ${k.asymmetricKeyDetails?.namedCurve === 'prime256v1' ? 'P-256' : k.asymmetricKeyDetails?.namedCurve ?? '?'}`
      : String(k.asymmetricKeyType);
  return {
    subject: c.subject.split('\n').join(', '),
    issuer: c.issuer.split('\n').join(', '),
    serial: c.serialNumber,
    notBefore: new Date(c.validFrom).toISOString(),
    notAfter: new Date(c.validTo).toISOString(),
    keyAlgorithm,
    fingerprint: c.fingerprint256,
  };
}

export function displayNameOf(der: Uint8Array): string | null {
  const san = new X509Certificate(der).subjectAltName ?? '';
  // Node prints a directoryName as `DirName:CN=…` (multi-attribute names joined by newlines).
  const m = /DirName:(?:"([^"]*)"|([^,]*))/.exec(san);
  const dn = (m?.[1] ?? m?.[2] ?? '').replace(/\\n/g, '\n');
  return rdn(dn, 'CN');
}

export function identityFrom(authDer: Uint8Array, signDer: Uint8Array | null): CardIdentity {
  const cert = new X509Certificate(authDer);
  const userId = rdn(cert.subject, 'CN');
  if (!userId || !/^\d{12}$/.test(userId)) {
    throw new ScripError('unsupported-card', 'The card\'s authentication certificate does not name a 12-digit user id.', { subject: cert.subject.split('\n').join(', ') });
  }
  return { userId, displayName: displayNameOf(authDer), auth: summarise(authDer), sign: signDer ? summarise(signDer) : null };
}
