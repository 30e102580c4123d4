// A CA bundle as a person pastes or picks it: PEM certificates, each parsed and checked before Scrip
// trusts anything with it. A bundle that cannot be used is refused with the reason, not saved.
import { X509Certificate } from 'node:crypto';
import { ScripError } from '../errors';

export interface CaCertificate {
  subject: string;
  issuer: string;
  validFrom: string;
  validTo: string;
  fingerprint256: string;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

function oneLine(dn: string): string {
  return dn.split('\n').filter(Boolean).join(', ');
}

function refuse(message: string, action: string): ScripError {
  return new ScripError('invalid-input', message, { issues: [{ path: 'caPem', message }] }, action);
}

/** The certificates of a PEM bundle, or invalid-input saying which one is wrong and why. */
export function checkCaBundle(pem: string, now: Date = new Date()): CaCertificate[] {
  const blocks = [...pem.matchAll(BLOCK)];
  if (blocks.some((b) => /PRIVATE KEY/.test(b[1]!))) {
    throw refuse(
      'The CA bundle contains a private key. A CA bundle holds only certificates; a private key must never be pasted here.',
      'Remove the private key block and keep the key where it was; then paste only the CERTIFICATE blocks.',
    );
  }
  const certs = blocks.filter((b) => b[1] === 'CERTIFICATE');
  if (!certs.length)
    throw refuse(
      'The CA bundle holds no PEM certificate ("-----BEGIN CERTIFICATE-----" … "-----END CERTIFICATE-----").',
      'Paste or choose the CA certificates in PEM form; a DER (.cer/.crt binary) file must be converted first (openssl x509 -inform der).',
    );
  return certs.map((b, i) => {
    const n = certs.length > 1 ? `Certificate ${i + 1} of the CA bundle` : "The CA bundle's certificate";
    let x: X509Certificate;
    try {
      x = new X509Certificate(b[0]);
    } catch (e) {
      throw refuse(
        `${n} cannot be read: ${e instanceof Error ? e.message : String(e)}.`,
        'Check that it was copied whole, from BEGIN to END.',
      );
    }
    const subject = oneLine(x.subject);
    const validTo = new Date(x.validTo),
      validFrom = new Date(x.validFrom);
    if (validTo < now)
      throw refuse(
        `${n} ("${subject}") expired on ${validTo.toISOString().slice(0, 10)}.`,
        "Get the current CA certificates from the service's operator.",
      );
    if (validFrom > now)
      throw refuse(
        `${n} ("${subject}") is not valid before ${validFrom.toISOString().slice(0, 10)}.`,
        "Check this computer's clock, or get the current CA certificates.",
      );
    if (!x.ca)
      throw refuse(
        `${n} ("${subject}") is not a CA certificate: it cannot vouch for the services' certificates.`,
        "Use the certificate of the CA that issued the services' certificates (its root or intermediate), not a server certificate.",
      );
    return {
      subject,
      issuer: oneLine(x.issuer),
      validFrom: validFrom.toISOString(),
      validTo: validTo.toISOString(),
      fingerprint256: x.fingerprint256,
    };
  });
}
