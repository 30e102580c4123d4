// Who the card belongs to, read from its certificates: the 12-digit user id from the
// authentication certificate's subject CN (`O=nhs, OU=people, CN=<user id>`), the display name
// from a SubjectAltName directoryName CN when present (Scrip's sandbox CA puts it there; real NHS
// certificates carry none), validity, issuer and key algorithm.
import { X509Certificate } from 'node:crypto';
import { hex, parseTlv, parseTlvs, TlvError } from '../../protocols/card';
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
  const line = dn
    .split('\n')
    .reverse()
    .find((l) => l.startsWith(`${attr}=`));
  return line ? line.slice(attr.length + 1) : null;
}

export function summarise(der: Uint8Array): CertificateSummary {
  const c = new X509Certificate(der);
  const k = c.publicKey;
  const keyAlgorithm =
    k.asymmetricKeyType === 'rsa'
      ? `RSA-${k.asymmetricKeyDetails?.modulusLength ?? '?'}`
      : k.asymmetricKeyType === 'ec'
        ? `EC ${k.asymmetricKeyDetails?.namedCurve === 'prime256v1' ? 'P-256' : (k.asymmetricKeyDetails?.namedCurve ?? '?')}`
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

/**
 * CN of the first directoryName in SubjectAltName, read from the DER (Node's text form escapes
 * commas and quotes inconsistently). Null when absent or malformed.
 */
export function displayNameOf(der: Uint8Array): string | null {
  try {
    const san = extensionsOf(der).find((x) => x.oid === '551D11'); // 2.5.29.17
    if (!san) return null;
    for (const gn of parseTlvs(parseTlv(san.value).value)) {
      if (gn.tag !== 0xa4) continue; // [4] directoryName
      for (const rdnSet of parseTlvs(parseTlv(gn.value).value)) {
        for (const atv of parseTlvs(rdnSet.value)) {
          const [type, val] = parseTlvs(atv.value);
          if (type && val && hex(type.value) === '550403')
            return new TextDecoder('utf-8', { fatal: true }).decode(val.value);
        }
      }
    }
    return null;
  } catch (e) {
    if (e instanceof TlvError || e instanceof TypeError) return null;
    throw e;
  }
}

/** A certificate's extensions: OID (hex of its DER value) and the extnValue's contents. Throws TlvError on malformed DER. */
function extensionsOf(der: Uint8Array): Array<{ oid: string; value: Uint8Array }> {
  const [tbs] = parseTlvs(parseTlv(der).value);
  const exts = tbs && parseTlvs(tbs.value).find((t) => t.tag === 0xa3);
  if (!exts) return [];
  return parseTlvs(parseTlv(exts.value).value).map((ext) => {
    const parts = parseTlvs(ext.value);
    return { oid: parts[0]?.tag === 0x06 ? hex(parts[0].value) : '', value: parts[parts.length - 1]!.value };
  });
}

export function identityFrom(authDer: Uint8Array, signDer: Uint8Array | null): CardIdentity {
  const cert = new X509Certificate(authDer);
  const userId = rdn(cert.subject, 'CN');
  if (!userId || !/^\d{12}$/.test(userId)) {
    throw new ScripError(
      'unsupported-card',
      "The card's authentication certificate does not name a 12-digit user id.",
      { subject: cert.subject.split('\n').join(', ') },
    );
  }
  return {
    userId,
    displayName: displayNameOf(authDer),
    auth: summarise(authDer),
    sign: signDer ? summarise(signDer) : null,
  };
}

/**
 * Whether a certificate is for authentication or for signing, from its own extensions: keyUsage
 * nonRepudiation (contentCommitment) marks the signing certificate; extendedKeyUsage clientAuth, or
 * digitalSignature without nonRepudiation, the authentication one. Null when it says neither.
 */
export function certificateRole(der: Uint8Array): 'auth' | 'sign' | null {
  let keyUsage: number | null = null;
  let clientAuth = false;
  try {
    for (const ext of extensionsOf(der)) {
      const inner = parseTlv(ext.value);
      if (ext.oid === '551D0F' && inner.tag === 0x03 && inner.value.length > 1) keyUsage = inner.value[1]!; // 2.5.29.15
      if (ext.oid === '551D25') clientAuth = parseTlvs(inner.value).some((o) => hex(o.value) === '2B06010505070302'); // 2.5.29.37, 1.3.6.1.5.5.7.3.2
    }
  } catch (e) {
    if (e instanceof TlvError || e instanceof TypeError) return null;
    throw e;
  }
  if (keyUsage !== null && keyUsage & 0x40) return 'sign'; // nonRepudiation
  if (clientAuth || (keyUsage !== null && keyUsage & 0x80)) return 'auth'; // digitalSignature
  return null;
}
