// The card's answer to the broker's challenge: a CMS/PKCS#7 SignedData (no signed attributes, so
// the signature is over the challenge itself), wrapped as an S/MIME body and base64 twice, as the
// Identity Agent sends it (spine-identity.md §2.5). Built around a signature the card made: the
// private key never leaves the card. Pure (node-forge's ASN.1, no I/O).
import forge from 'node-forge';

const { asn1 } = forge;
const OID = {
  signedData: '1.2.840.113549.1.7.2',
  data: '1.2.840.113549.1.7.1',
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  rsaEncryption: '1.2.840.113549.1.1.1',
};

type CmsDigest = 'sha1' | 'sha256';

export class CmsError extends Error {}

const bin = (b: Uint8Array) => forge.util.binary.raw.encode(b);
const bytes = (s: string) => Uint8Array.from(forge.util.binary.raw.decode(s));

function algId(oid: string): forge.asn1.Asn1 {
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(oid).getBytes()),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, ''),
  ]);
}

/** DER of a CMS SignedData holding `content`, the signer's certificate and the signature. */
export function buildSignedData(input: {
  content: Uint8Array;
  certificateDer: Uint8Array;
  signature: Uint8Array;
  digest: CmsDigest;
}): Uint8Array {
  const cert = asn1.fromDer(bin(input.certificateDer));
  const tbs = (cert.value as forge.asn1.Asn1[])[0]!;
  const tbsFields = tbs.value as forge.asn1.Asn1[];
  // tbsCertificate: [0] version, serialNumber, signature, issuer, … (version is explicit-tagged)
  const offset = tbsFields[0]!.tagClass === asn1.Class.CONTEXT_SPECIFIC ? 1 : 0;
  const serial = tbsFields[offset]!;
  const issuer = tbsFields[offset + 2]!;
  const digestOid = OID[input.digest];
  const int = (n: number) =>
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, asn1.integerToDer(n).getBytes());
  const signerInfo = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    int(1),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [issuer, serial]),
    algId(digestOid),
    algId(OID.rsaEncryption),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, bin(input.signature)),
  ]);
  const signedData = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    int(1),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SET, true, [algId(digestOid)]),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(OID.data).getBytes()),
      asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [
        asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, bin(input.content)),
      ]),
    ]),
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [cert]),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SET, true, [signerInfo]),
  ]);
  const contentInfo = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(OID.signedData).getBytes()),
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [signedData]),
  ]);
  return bytes(asn1.toDer(contentInfo).getBytes());
}

const SMIME_HEADER =
  'MIME-Version: 1.0\nContent-Disposition: attachment; filename="smime.p7m"\nContent-Type: application/x-pkcs7-mime; name="smime.p7m"\nContent-Transfer-Encoding: base64\n\n';

/** The `response` gpPARAM: base64 of an S/MIME body whose payload is the base64 CMS. */
export function wrapSmime(der: Uint8Array): string {
  return forge.util.encode64(SMIME_HEADER + forge.util.encode64(bin(der)));
}

/** Undoes wrapSmime; tolerates CRLF and the indented header some agents send. */
export function unwrapSmime(response: string): Uint8Array {
  let outer: string;
  try {
    outer = forge.util.decode64(response.replace(/\s+/g, ''));
  } catch {
    throw new CmsError('response is not base64');
  }
  const split = outer.search(/\r?\n\s*\r?\n/);
  if (split < 0 || !/application\/(x-)?pkcs7-mime/i.test(outer.slice(0, split)))
    throw new CmsError('response is not an S/MIME pkcs7-mime body');
  const payload = outer.slice(split).replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/=]+$/.test(payload)) throw new CmsError('S/MIME payload is not base64');
  return bytes(forge.util.decode64(payload));
}

interface ParsedSignedData {
  content: Uint8Array;
  certificateDer: Uint8Array;
  signature: Uint8Array;
  digest: CmsDigest;
}

/** Reads the parts of a SignedData built as above; throws CmsError on anything else. */
export function parseSignedData(der: Uint8Array): ParsedSignedData {
  if (der.length > 64 * 1024) throw new CmsError('SignedData too large');
  let ci: forge.asn1.Asn1;
  try {
    ci = asn1.fromDer(bin(der), { strict: true, parseAllBytes: true, decodeBitStrings: false } as unknown as boolean);
  } catch (e) {
    throw new CmsError(`not DER: ${e instanceof Error ? e.message : String(e)}`);
  }
  try {
    const [oid, wrapped] = ci.value as forge.asn1.Asn1[];
    if (asn1.derToOid(oid!.value as string) !== OID.signedData) throw new CmsError('not a SignedData');
    const sd = (wrapped!.value as forge.asn1.Asn1[])[0]!.value as forge.asn1.Asn1[];
    const digestSet = sd[1]!.value as forge.asn1.Asn1[];
    const encap = sd[2]!.value as forge.asn1.Asn1[];
    const contentOctets = (encap[1]!.value as forge.asn1.Asn1[])[0]!;
    const certs = sd.find((x) => x.tagClass === asn1.Class.CONTEXT_SPECIFIC && x.type === 0);
    const signerInfos = sd[sd.length - 1]!.value as forge.asn1.Asn1[];
    if (!certs || signerInfos.length !== 1 || digestSet.length !== 1)
      throw new CmsError('expected one certificate and one signer');
    const si = signerInfos[0]!.value as forge.asn1.Asn1[];
    const digestOid = asn1.derToOid((si[2]!.value as forge.asn1.Asn1[])[0]!.value as string);
    const digest: CmsDigest | null = digestOid === OID.sha1 ? 'sha1' : digestOid === OID.sha256 ? 'sha256' : null;
    if (!digest) throw new CmsError(`unsupported digest algorithm ${digestOid}`);
    if (si.length !== 5) throw new CmsError('signed attributes are not expected');
    return {
      content: bytes(contentOctets.value as string),
      certificateDer: bytes(asn1.toDer((certs.value as forge.asn1.Asn1[])[0]!).getBytes()),
      signature: bytes(si[4]!.value as string),
      digest,
    };
  } catch (e) {
    if (e instanceof CmsError) throw e;
    throw new CmsError('malformed SignedData');
  }
}

/**
 * Who a certificate says it is: issuer, serial number, subject and public key, read without
 * requiring DER. Clients that rebuild the CMS with a generic BER encoder (pyasn1's, for one) send
 * the certificate re-encoded — a critical flag's BOOLEAN TRUE as 01, not DER's FF — so its bytes no
 * longer match the CA's signature; the broker identifies it by issuer and serial number in the CA's
 * register instead (decision 0005). The Names and the key are returned re-encoded in DER, so they
 * compare byte for byte with the issued certificate's.
 */
interface CertificateIdentity {
  serialHex: string;
  issuerDer: Uint8Array;
  subjectDer: Uint8Array;
  spkiDer: Uint8Array;
}

export function certificateIdentity(certificate: Uint8Array): CertificateIdentity {
  let cert: forge.asn1.Asn1;
  try {
    cert = asn1.fromDer(bin(certificate), { strict: false, decodeBitStrings: false } as unknown as boolean);
  } catch {
    throw new CmsError('the certificate is not ASN.1');
  }
  const fields = Array.isArray(cert.value) && Array.isArray(cert.value[0]?.value) ? cert.value[0].value : null;
  if (!fields) throw new CmsError('the certificate has no tbsCertificate');
  // tbsCertificate: [0] version (explicit, optional), serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo, …
  const o = fields[0]?.tagClass === asn1.Class.CONTEXT_SPECIFIC ? 1 : 0;
  const [serial, , issuer, , subject, spki] = fields.slice(o, o + 6);
  const universal = (n: forge.asn1.Asn1 | undefined, type: number): n is forge.asn1.Asn1 =>
    !!n && n.tagClass === asn1.Class.UNIVERSAL && n.type === type;
  if (!universal(serial, asn1.Type.INTEGER) || typeof serial.value !== 'string' || !serial.value.length)
    throw new CmsError('the certificate has no serial number');
  for (const n of [issuer, subject, spki])
    if (!universal(n, asn1.Type.SEQUENCE)) throw new CmsError("the certificate's names or key are malformed");
  const der = (n: forge.asn1.Asn1) => bytes(asn1.toDer(n).getBytes());
  return {
    serialHex: forge.util
      .bytesToHex(serial.value)
      .toUpperCase()
      .replace(/^0+(?=.)/, ''),
    issuerDer: der(issuer!),
    subjectDer: der(subject!),
    spkiDer: der(spki!),
  };
}
