// The prescriber's XML-DSig Signature and its Provenance (eps.md §1.6), and the check EPS runs on
// them (eps.md §6.4 steps 1–5 and 8; chain and revocation are the caller's `trust` function).
// Used by the sandbox on $process-message/release and by Scrip to check what it signed. Pure JS:
// node-forge for X.509; RSA and hashes by Web Crypto where the runtime has it (Node, browsers —
// 20–50× faster than forge's, which is the fallback); @xmldom/xmldom (via parseXmlSafely) for the XML.
import forge from 'node-forge';
import { excC14n } from '../xml/exc-c14n';
import { parseXmlSafely, childElements, textOf, XmlParseError } from '../xml/parse';
import { arr, obj, type Json } from '../fhir/json';
import { canonicalFragments, canonicalSignedInfo, utf8Base64, type SignatureAlgorithm } from './fragments';

const DSIG = 'http://www.w3.org/2000/09/xmldsig#';
const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';

/** Base64 → UTF-8 string, without Node's Buffer. */
export function base64Utf8(b64: string): string {
  return new TextDecoder().decode(rawBytes(atob(b64)));
}

/** A binary string's bytes (a plain loop: Uint8Array.from with a map function is ~10× slower). */
function rawBytes(bin: string): Uint8Array {
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * The `<Signature>` XML from `$prepare`'s digest (base64 canonical SignedInfo), the base64 RSA
 * signature value over those bytes and the signer's base64 DER certificate (no PEM armour).
 */
export function assembleSignature(digestB64: string, signatureValueB64: string, certificateDerB64: string): string {
  const signedInfo = base64Utf8(digestB64).replace(`<SignedInfo xmlns="${DSIG}">`, '<SignedInfo>');
  return `<Signature xmlns="${DSIG}">${signedInfo}<SignatureValue>${signatureValueB64}</SignatureValue><KeyInfo><X509Data><X509Certificate>${certificateDerB64}</X509Certificate></X509Data></KeyInfo></Signature>`;
}

export interface ProvenanceInput {
  id: string;                       // UUID of the Provenance
  requesterReference: string;       // MedicationRequest.requester.reference (PractitionerRole)
  targetReferences: string[];       // each MedicationRequest's fullUrl
  recorded: string;                 // when the Provenance was made
  signedAt: string;                 // $prepare's timestamp
  signatureXml: string;             // from assembleSignature
}

export interface ProvenanceEntry {
  fullUrl: string;
  resource: {
    resourceType: 'Provenance'; id: string; target: Array<{ reference: string }>; recorded: string;
    agent: Array<{ who: { reference: string } }>;
    signature: Array<{ type: Array<{ system: string; code: string }>; when: string; who: { reference: string }; data: string }>;
  };
}

/** The Bundle entry that carries the signature (add it to the prepared Bundle for $process-message). */
export function provenanceEntry(p: ProvenanceInput): ProvenanceEntry {
  return {
    fullUrl: `urn:uuid:${p.id}`,
    resource: {
      resourceType: 'Provenance', id: p.id,
      target: p.targetReferences.map((reference) => ({ reference })),
      recorded: p.recorded,
      agent: [{ who: { reference: p.requesterReference } }],
      signature: [{
        type: [{ system: 'urn:iso-astm:E1762-95:2013', code: '1.2.840.10065.1.12.1.1' }],
        when: p.signedAt, who: { reference: p.requesterReference }, data: utf8Base64(p.signatureXml),
      }],
    },
  };
}

/** The requester's signature in a prescription-order Bundle (EPS's findRequesterSignature). */
export function findRequesterSignature(bundle: Json): { xml: string; when: string } | null {
  const resources = arr(bundle.entry).map((e) => obj(e.resource));
  const mr = resources.find((r) => r.resourceType === 'MedicationRequest');
  const requester = obj(mr?.requester).reference;
  for (const prov of resources.filter((r) => r.resourceType === 'Provenance')) {
    for (const s of arr(prov.signature)) {
      if (obj(s.who).reference === requester && typeof s.data === 'string' && typeof s.when === 'string') {
        try { return { xml: base64Utf8(s.data), when: s.when }; } catch { return null; }
      }
    }
  }
  return null;
}

/** The bundle as it was at $prepare: without its Provenance entries (the only permitted difference). */
export function withoutProvenance(bundle: Json): Json {
  return { ...bundle, entry: arr(bundle.entry).filter((e) => obj(e.resource).resourceType !== 'Provenance') };
}

export const SignatureErrors = {
  format: 'Invalid signature format',
  multipleCertificates: 'Multiple certificates detected',
  certificate: 'Invalid certificate',
  invalid: 'Signature is invalid',
  mismatch: "Signature doesn't match prescription",
  expired: 'Certificate expired when signed',
} as const;

export interface VerifyInput {
  signatureXml: string;
  /** The prescription-order Bundle the signature should cover (Provenance entries are ignored). */
  bundle: Json;
  /** The signing time ($prepare's timestamp = HL7 author/time). */
  signedAt: string;
  /** Chain and revocation: an error sentence, or null when the signer is trusted. */
  trust?: (certificate: forge.pki.Certificate, certificateDer: Uint8Array, signedAt: Date) => Promise<string | null> | string | null;
}

export interface VerifyResult {
  ok: boolean;
  errors: string[];
  certificate?: forge.pki.Certificate;
  algorithm?: SignatureAlgorithm;
}

// Web Crypto, typed by hand so this module needs no DOM or Node types.
interface SubtleLike {
  importKey(format: 'spki', key: Uint8Array, alg: { name: string; hash: string }, extractable: boolean, usages: string[]): Promise<unknown>;
  verify(alg: string, key: unknown, signature: Uint8Array, data: Uint8Array): Promise<boolean>;
  digest(alg: string, data: Uint8Array): Promise<ArrayBuffer>;
}
const subtle = (globalThis as { crypto?: { subtle?: SubtleLike } }).crypto?.subtle;
const webHash = { sha256: 'SHA-256', sha1: 'SHA-1' } as const;

/**
 * Hashing and RSA verification for the check, for a runtime that has faster ones than Web Crypto
 * (whose per-call overhead dominates on Node): the sandbox sets Node's own at startup. Both work
 * on the UTF-8 of `data`; `verify` is RSASSA-PKCS1-v1_5 with the certificate's public key.
 */
export interface SignatureCrypto {
  hash(alg: 'sha256' | 'sha1', data: string): string | Promise<string>;
  verify(alg: 'sha256' | 'sha1', data: string, signature: Uint8Array, certificateDer: Uint8Array): boolean | Promise<boolean>;
}
let provided: SignatureCrypto | null = null;
/** Use these primitives for every check in this process (null: back to Web Crypto or node-forge). */
export function setSignatureCrypto(c: SignatureCrypto | null): void { provided = c; }

/** Small caches by certificate text: a prescriber signs many prescriptions with one certificate. */
const certificates = new Map<string, forge.pki.Certificate>();
const publicKeys = new Map<string, Promise<unknown>>();
function remember<V>(cache: Map<string, V>, key: string, make: () => V): V {
  let v = cache.get(key);
  if (v === undefined) {
    if (cache.size >= 64) cache.clear();
    v = make();
    cache.set(key, v);
  }
  return v;
}

async function hashBase64(alg: 'sha256' | 'sha1', data: string): Promise<string> {
  if (provided) return provided.hash(alg, data);
  if (subtle) {
    const d = new Uint8Array(await subtle.digest(webHash[alg], new TextEncoder().encode(data)));
    let bin = '';
    for (const b of d) bin += String.fromCharCode(b);
    return btoa(bin);
  }
  const md = alg === 'sha256' ? forge.md.sha256.create() : forge.md.sha1.create();
  md.update(data, 'utf8');
  return forge.util.encode64(md.digest().getBytes());
}

/** RSASSA-PKCS1-v1_5 over the UTF-8 of `data`. */
async function rsaVerify(alg: 'sha256' | 'sha1', data: string, signatureB64: string, cert: forge.pki.Certificate, certKey: string, certDer: Uint8Array): Promise<boolean> {
  const signature = forge.util.decode64(signatureB64);
  if (provided) return provided.verify(alg, data, rawBytes(signature), certDer);
  if (subtle) {
    const key = await remember(publicKeys, `${alg}:${certKey}`, () => subtle.importKey('spki', rawBytes(forge.asn1.toDer(forge.pki.publicKeyToAsn1(cert.publicKey)).getBytes()), { name: 'RSASSA-PKCS1-v1_5', hash: webHash[alg] }, false, ['verify']));
    return subtle.verify('RSASSA-PKCS1-v1_5', key, rawBytes(signature), new TextEncoder().encode(data));
  }
  const md = alg === 'sha256' ? forge.md.sha256.create() : forge.md.sha1.create();
  md.update(data, 'utf8');
  return (cert.publicKey as forge.pki.rsa.PublicKey).verify(md.digest().getBytes(), signature);
}

/** EPS's signature check, in its order; all errors found are reported. */
export async function verifyPrescriptionSignature(input: VerifyInput): Promise<VerifyResult> {
  const errors: string[] = [];
  // 1. Format
  let signedInfoC14n: string | undefined, signatureValue = '', certText = '', sigMethod = '', digestMethod = '';
  try {
    const doc = parseXmlSafely(input.signatureXml);
    const root = doc.documentElement!;
    const signedInfo = (root.localName ?? root.nodeName) === 'Signature' ? childElements(root, 'SignedInfo')[0] : undefined;
    signatureValue = root ? textOf(childElements(root, 'SignatureValue')[0] ?? root).trim() : '';
    const x509 = childElements(childElements(childElements(root, 'KeyInfo')[0] ?? doc, 'X509Data')[0] ?? doc, 'X509Certificate')[0];
    certText = x509 ? textOf(x509).trim() : '';
    if (!signedInfo || !childElements(root, 'SignatureValue')[0] || !signatureValue || !certText) throw new XmlParseError('incomplete');
    const canonMethod = (childElements(signedInfo, 'CanonicalizationMethod')[0] as unknown as { getAttribute(n: string): string | null } | undefined)?.getAttribute('Algorithm');
    if (canonMethod !== EXC_C14N) throw new XmlParseError('unsupported canonicalization');
    sigMethod = (childElements(signedInfo, 'SignatureMethod')[0] as unknown as { getAttribute(n: string): string | null } | undefined)?.getAttribute('Algorithm') ?? '';
    const ref = childElements(signedInfo, 'Reference')[0];
    digestMethod = (ref && (childElements(ref, 'DigestMethod')[0] as unknown as { getAttribute(n: string): string | null } | undefined)?.getAttribute('Algorithm')) ?? '';
    // The SignedInfo takes the Signature's namespace (EPS sets xmlns on it before canonicalising).
    signedInfoC14n = excC14n(signedInfo);
  } catch {
    return { ok: false, errors: [SignatureErrors.format] };
  }
  // 2. One certificate, no PEM armour
  if (/BEGIN CERTIFICATE|END CERTIFICATE/.test(certText)) return { ok: false, errors: [SignatureErrors.multipleCertificates] };
  // 3. Parse the certificate
  let cert: forge.pki.Certificate, der: Uint8Array;
  const certKey = certText.replace(/\s+/g, '');
  try {
    const bytes = forge.util.decode64(certKey);
    cert = remember(certificates, certKey, () => forge.pki.certificateFromAsn1(forge.asn1.fromDer(bytes)));
    der = rawBytes(bytes);
  } catch {
    return { ok: false, errors: [SignatureErrors.certificate] };
  }
  // 4. Cryptographic check over the canonical SignedInfo
  const algorithm: SignatureAlgorithm = sigMethod.includes('rsa-sha256') ? 'RS256' : 'RS1';
  try {
    if (!(await rsaVerify(algorithm === 'RS256' ? 'sha256' : 'sha1', signedInfoC14n, signatureValue, cert, certKey, der))) errors.push(SignatureErrors.invalid);
  } catch {
    errors.push(SignatureErrors.invalid);
  }
  // 5. The SignedInfo is the one this prescription gives
  try {
    const digestAlg = digestMethod.endsWith('#sha256') ? 'sha256' : 'sha1';
    const fragments = canonicalFragments(withoutProvenance(input.bundle), input.signedAt);
    const expected = canonicalSignedInfo(await hashBase64(digestAlg, fragments), algorithm);
    if (expected !== signedInfoC14n) errors.push(SignatureErrors.mismatch);
  } catch {
    errors.push(SignatureErrors.mismatch);
  }
  // 8. Valid when signed (strictly inside the validity period)
  const at = new Date(input.signedAt);
  if (!(at.getTime() > cert.validity.notBefore.getTime() && at.getTime() < cert.validity.notAfter.getTime())) errors.push(SignatureErrors.expired);
  // 6, 7, 9: revocation and chain, by the caller
  if (input.trust) {
    const problem = await input.trust(cert, der, at);
    if (problem) errors.push(problem);
  }
  return { ok: errors.length === 0, errors, certificate: cert, algorithm };
}
