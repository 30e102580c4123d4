// The prescriber's XML-DSig Signature and its Provenance (eps.md §1.6), and the check EPS runs on
// them (eps.md §6.4; EPS's coordinator signature-verification.ts), one named verdict per check.
// The one verifier: the sandbox on $process-message/release, dispensing, and `prescription.verify`.
// The XML is read as EPS reads it (protocols/xml/eps-view.ts, decision 0004). Chain and revocation
// need a trust bundle and a network, so they are the caller's `trust` checks. Pure JS:
// node-forge for X.509; RSA and hashes by Web Crypto where the runtime has it (Node, browsers —
// 20–50× faster than forge's, which is the fallback); @xmldom/xmldom (via parseXmlSafely) for the XML.
import forge from 'node-forge';
import { parseXmlSafely } from '../xml/parse';
import { epsCanonical, epsView, viewChildren, viewText } from '../xml/eps-view';
import type { XmlElement } from '../xml/canonical';
import { arr, obj, type Json } from '../fhir/json';
import { canonicalFragments, canonicalSignedInfo, utf8Base64, type SignatureAlgorithm } from './fragments';
import { CHECK_NAMES, type CheckId } from './check-names';

const DSIG = 'http://www.w3.org/2000/09/xmldsig#';
const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const EXC_C14N_COMMENTS = `${EXC_C14N}WithComments`;

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

interface ProvenanceInput {
  id: string; // UUID of the Provenance
  requesterReference: string; // MedicationRequest.requester.reference (PractitionerRole)
  targetReferences: string[]; // each MedicationRequest's fullUrl
  recorded: string; // when the Provenance was made
  signedAt: string; // $prepare's timestamp
  signatureXml: string; // from assembleSignature
}

interface ProvenanceEntry {
  fullUrl: string;
  resource: {
    resourceType: 'Provenance';
    id: string;
    target: Array<{ reference: string }>;
    recorded: string;
    agent: Array<{ who: { reference: string } }>;
    signature: Array<{
      type: Array<{ system: string; code: string }>;
      when: string;
      who: { reference: string };
      data: string;
    }>;
  };
}

/** The Bundle entry that carries the signature (add it to the prepared Bundle for $process-message). */
export function provenanceEntry(p: ProvenanceInput): ProvenanceEntry {
  return {
    fullUrl: `urn:uuid:${p.id}`,
    resource: {
      resourceType: 'Provenance',
      id: p.id,
      target: p.targetReferences.map((reference) => ({ reference })),
      recorded: p.recorded,
      agent: [{ who: { reference: p.requesterReference } }],
      signature: [
        {
          type: [{ system: 'urn:iso-astm:E1762-95:2013', code: '1.2.840.10065.1.12.1.1' }],
          when: p.signedAt,
          who: { reference: p.requesterReference },
          data: utf8Base64(p.signatureXml),
        },
      ],
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
        try {
          return { xml: base64Utf8(s.data), when: s.when };
        } catch {
          return null;
        }
      }
    }
  }
  return null;
}

/** The bundle as it was at $prepare: without its Provenance entries (the only permitted difference). */
export function withoutProvenance(bundle: Json): Json {
  return { ...bundle, entry: arr(bundle.entry).filter((e) => obj(e.resource).resourceType !== 'Provenance') };
}

// Web Crypto, typed by hand so this module needs no DOM or Node types.
interface SubtleLike {
  importKey(
    format: 'spki',
    key: Uint8Array,
    alg: { name: string; hash: string },
    extractable: boolean,
    usages: string[],
  ): Promise<unknown>;
  verify(alg: string, key: unknown, signature: Uint8Array, data: Uint8Array): Promise<boolean>;
  digest(alg: string, data: Uint8Array): Promise<ArrayBuffer>;
}
const subtle = (globalThis as { crypto?: { subtle?: SubtleLike } }).crypto?.subtle;
const webHash = { sha256: 'SHA-256', sha1: 'SHA-1' } as const;

/**
 * Hashing and RSA verification for the check, for a runtime that has faster ones than Web Crypto
 * (whose per-call overhead dominates on Node): the sandbox passes Node's own with each check
 * (`crypto` of TrustChecks). Both work on the UTF-8 of `data`; `verify` is RSASSA-PKCS1-v1_5 with
 * the certificate's public key.
 */
export interface SignatureCrypto {
  hash(alg: 'sha256' | 'sha1', data: string): string | Promise<string>;
  verify(
    alg: 'sha256' | 'sha1',
    data: string,
    signature: Uint8Array,
    certificateDer: Uint8Array,
  ): boolean | Promise<boolean>;
}

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

async function hashBase64(alg: 'sha256' | 'sha1', data: string, provided?: SignatureCrypto): Promise<string> {
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
async function rsaVerify(
  alg: 'sha256' | 'sha1',
  data: string,
  signatureB64: string,
  cert: forge.pki.Certificate,
  certKey: string,
  certDer: Uint8Array,
  provided?: SignatureCrypto,
): Promise<boolean> {
  const signature = forge.util.decode64(signatureB64);
  if (provided) return provided.verify(alg, data, rawBytes(signature), certDer);
  if (subtle) {
    const key = await remember(publicKeys, `${alg}:${certKey}`, () =>
      subtle.importKey(
        'spki',
        rawBytes(forge.asn1.toDer(forge.pki.publicKeyToAsn1(cert.publicKey)).getBytes()),
        { name: 'RSASSA-PKCS1-v1_5', hash: webHash[alg] },
        false,
        ['verify'],
      ),
    );
    return subtle.verify('RSASSA-PKCS1-v1_5', key, rawBytes(signature), new TextEncoder().encode(data));
  }
  const md = alg === 'sha256' ? forge.md.sha256.create() : forge.md.sha1.create();
  md.update(data, 'utf8');
  return (cert.publicKey as forge.pki.rsa.PublicKey).verify(md.digest().getBytes(), signature);
}

// ——— The check, as EPS's coordinator runs it (signature-verification.ts), one verdict per check ———

/** EPS's own words for each failure (what its OperationOutcome says). */
export const SignatureErrors = {
  format: 'Invalid signature format',
  multipleCertificates: 'Multiple certificates detected',
  certificate: 'Invalid certificate',
  invalid: 'Signature is invalid',
  mismatch: "Signature doesn't match prescription",
  expired: 'Certificate expired when signed',
  untrusted: 'Certificate not trusted',
  revoked: 'Certificate is revoked',
} as const;

type CheckResult = 'pass' | 'fail' | 'not-checked';
export interface Check {
  id: CheckId;
  name: string;
  result: CheckResult;
  /** One sentence: what was found. */
  detail: string;
  /** EPS's words when this check fails (null when it passes or was not checked). */
  epsError: string | null;
}

const CHECK_ORDER: CheckId[] = ['format', 'one-certificate', 'signature', 'digest', 'chain', 'validity', 'revocation'];

/** The verdict of a chain or revocation check made by the caller. */
export interface Outcome {
  result: CheckResult;
  detail: string;
  epsError?: string;
}

export interface Signer {
  certificate: forge.pki.Certificate;
  der: Uint8Array;
  signedAt: Date;
}

/** Checks that need more than this pure module has: a trust bundle, a network for CRLs, and
 *  faster hashing and RSA than Web Crypto's (without `crypto`: Web Crypto, or node-forge without it). */
export interface TrustChecks {
  chain?(signer: Signer): Outcome | Promise<Outcome>;
  revocation?(signer: Signer): Outcome | Promise<Outcome>;
  crypto?: SignatureCrypto;
}

/** A signed prescription as the check needs it, from a FHIR Bundle or an HL7 v3 ParentPrescription. */
export interface SignedPrescription {
  /** The XML-DSig Signature element as EPS reads it (epsView), or null with the reason. */
  signature: XmlElement | null;
  missing?: string;
  /** The signing time: Provenance.signature.when, or the HL7 author/time. */
  signedAt: string | null;
  /** The prescription's own canonical FragmentsToBeHashed (may throw: the sentence says why). */
  fragments(): string;
}

export interface VerifyResult {
  /** No check failed (a check not made does not fail). */
  ok: boolean;
  /** EPS's words for each failed check, in EPS's order. */
  errors: string[];
  checks: Check[];
  certificate?: forge.pki.Certificate;
  algorithm?: SignatureAlgorithm;
  /** The canonical SignedInfo EPS verifies (whitespace-only text removed, Signature's namespace set). */
  signedInfo?: string;
}

const attr = (e: XmlElement | undefined, name: string): string | undefined => e?.attrs?.[name];
const only = (e: XmlElement | undefined, name: string): XmlElement | undefined => {
  const c = e ? viewChildren(e, name) : [];
  return c.length === 1 ? c[0] : undefined;
};

/** Why the Signature is not in the form EPS reads, or null. */
function formatProblem(sig: XmlElement): string | null {
  if (sig.name !== 'Signature')
    return `The signature element is <${sig.name}>; EPS reads only an unprefixed <Signature>.`;
  for (const n of ['SignedInfo', 'SignatureValue', 'KeyInfo']) {
    const c = viewChildren(sig, n).length;
    if (c !== 1) return c ? `The Signature has ${c} ${n} elements.` : `The Signature has no ${n}.`;
  }
  if (!viewText(only(sig, 'SignatureValue')).trim()) return 'The SignatureValue is empty.';
  const x509Data = viewChildren(only(sig, 'KeyInfo')!, 'X509Data');
  if (x509Data.length !== 1)
    return x509Data.length ? `The KeyInfo has ${x509Data.length} X509Data elements.` : 'The KeyInfo has no X509Data.';
  const certs = viewChildren(x509Data[0]!, 'X509Certificate');
  if (certs.length !== 1)
    return certs.length
      ? `The X509Data has ${certs.length} X509Certificate elements; EPS reads exactly one.`
      : 'The X509Data has no X509Certificate.';
  if (!viewText(certs[0]).trim()) return 'The X509Certificate is empty.';
  const si = only(sig, 'SignedInfo')!;
  const method = attr(only(si, 'CanonicalizationMethod'), 'Algorithm');
  if (method !== EXC_C14N && method !== EXC_C14N_COMMENTS)
    return method
      ? `The canonicalization method ${method} is not exclusive XML canonicalization, the only one EPS supports.`
      : 'The SignedInfo has no CanonicalizationMethod.';
  if (!only(si, 'SignatureMethod')) return 'The SignedInfo has no SignatureMethod.';
  if (!only(only(si, 'Reference'), 'DigestMethod') || !only(only(si, 'Reference'), 'DigestValue'))
    return 'The SignedInfo has no Reference with a DigestMethod and DigestValue.';
  return null;
}

/**
 * EPS's algorithms from a SignedInfo, and the SignedInfo as EPS canonicalises it: its attributes
 * replaced by the Signature's own xmlns; a SignatureMethod naming no rsa-sha* rewritten (with the
 * DigestMethod) to SHA-1, as EPS does before both checks.
 */
function epsSignedInfo(sig: XmlElement): {
  signedInfo: XmlElement;
  rsa: 'sha256' | 'sha1';
  digest: 'sha256' | 'sha1';
  canonicalization: string;
} {
  const si = structuredClone(only(sig, 'SignedInfo')!);
  const xmlns = attr(sig, 'xmlns');
  si.attrs = xmlns === undefined ? {} : { xmlns };
  const method = only(si, 'SignatureMethod')!;
  const digestMethod = only(only(si, 'Reference'), 'DigestMethod')!;
  const m = /rsa-sha\w+/.exec(attr(method, 'Algorithm') ?? '');
  if (!m) {
    method.attrs = { ...method.attrs, Algorithm: `${DSIG}rsa-sha1` };
    digestMethod.attrs = { ...digestMethod.attrs, Algorithm: `${DSIG}sha1` };
  }
  return {
    signedInfo: si,
    rsa: m?.[0] === 'rsa-sha256' ? 'sha256' : 'sha1',
    digest: attr(digestMethod, 'Algorithm') === 'http://www.w3.org/2001/04/xmlenc#sha256' ? 'sha256' : 'sha1',
    canonicalization: attr(only(si, 'CanonicalizationMethod'), 'Algorithm')!,
  };
}

/** A Signature's XML read once into EPS's view (or why it cannot be), for callers that check it more than one way. */
interface ReadSignature {
  signature: XmlElement | null;
  missing?: string;
}

export function readSignatureXml(signatureXml: string): ReadSignature {
  try {
    return { signature: epsView(parseXmlSafely(signatureXml).documentElement!) };
  } catch (e) {
    return { signature: null, missing: `The Provenance signature is not XML EPS can read: ${(e as Error).message}` };
  }
}

/** epsSignedInfoOf for a Signature already read (the sandbox compares it with what it prepared, then verifies the same view). */
export function epsSignedInfoOfRead(read: ReadSignature): string | null {
  if (!read.signature) return null;
  try {
    return formatProblem(read.signature) ? null : epsCanonical(epsSignedInfo(read.signature).signedInfo);
  } catch {
    return null;
  }
}

const notChecked = (id: CheckId, why: string): Check => ({
  id,
  name: CHECK_NAMES[id],
  result: 'not-checked',
  detail: why,
  epsError: null,
});
const verdict = (id: CheckId, o: Outcome, eps: string): Check => ({
  id,
  name: CHECK_NAMES[id],
  result: o.result,
  detail: o.detail,
  epsError: o.result === 'fail' ? (o.epsError ?? eps) : null,
});
const pass = (id: CheckId, detail: string): Check => ({
  id,
  name: CHECK_NAMES[id],
  result: 'pass',
  detail,
  epsError: null,
});
const fail = (id: CheckId, detail: string, eps: string): Check => ({
  id,
  name: CHECK_NAMES[id],
  result: 'fail',
  detail,
  epsError: eps,
});

function finish(checks: Check[], extra: Partial<VerifyResult> = {}): VerifyResult {
  for (const id of CHECK_ORDER)
    if (!checks.some((c) => c.id === id))
      checks.push(
        notChecked(
          id,
          `Not checked: ${checks.find((c) => c.result === 'fail')?.name.toLowerCase() ?? 'an earlier check'} failed, and EPS stops there.`,
        ),
      );
  checks.sort((a, b) => CHECK_ORDER.indexOf(a.id) - CHECK_ORDER.indexOf(b.id));
  const errors = checks.filter((c) => c.result === 'fail').map((c) => c.epsError!);
  return { ok: errors.length === 0, errors, checks, ...extra };
}

/** `20210726120522` (HL7, read as UTC like EPS) or an ISO time → Date (invalid when neither). */
export function signingDate(t: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})?(\d{2})?(\d{2})?/.exec(t);
  if (m && !t.includes('-'))
    return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0)));
  return new Date(t);
}

/** A certificate's subject or issuer name as `O=nhs, OU=people, CN=…`. */
export const nameText = (n: forge.pki.Certificate['subject']): string =>
  n.attributes.map((a) => `${a.shortName ?? a.name ?? a.type}=${String(a.value)}`).join(', ');
const subjectText = (c: forge.pki.Certificate): string => nameText(c.subject);

/**
 * The checks a signature's own bytes decide — format, one certificate, RSA, digest, validity — as
 * plain data, so they can be made in another thread; the trust checks follow (withTrustChecks).
 */
export interface OwnChecks {
  checks: Check[];
  /** A bad format or an unreadable certificate: EPS stops there, so no trust check is made. */
  stopped: boolean;
  /** The signer's certificate (base64 DER, as in the XML, whitespace removed) and its DER bytes. */
  certificate?: { base64: string; der: Uint8Array };
  signedAt?: Date;
  algorithm?: SignatureAlgorithm;
  signedInfo?: string;
}

/**
 * EPS's signature check of a signed prescription: each check with its verdict. As EPS: a bad format,
 * more than one certificate or an unreadable certificate stop the check; every other check is made.
 */
export async function verifySignedPrescription(p: SignedPrescription, trust: TrustChecks = {}): Promise<VerifyResult> {
  return withTrustChecks(await checkSignatureItself(p, trust.crypto), trust);
}

/** The checks of a signature that need no trust bundle (see OwnChecks). */
export async function checkSignatureItself(p: SignedPrescription, crypto?: SignatureCrypto): Promise<OwnChecks> {
  const checks: Check[] = [];
  const stop = (c: Check): OwnChecks => ({ checks: [...checks, c], stopped: true });
  // 1. Format
  if (!p.signature)
    return stop(fail('format', p.missing ?? 'The prescription has no signature.', SignatureErrors.format));
  const sig = p.signature;
  const problem = formatProblem(sig);
  if (problem) return stop(fail('format', problem, SignatureErrors.format));
  let eps: ReturnType<typeof epsSignedInfo>, signedInfo: string;
  try {
    eps = epsSignedInfo(sig);
    signedInfo = epsCanonical(eps.signedInfo);
  } catch (e) {
    return stop(
      fail('format', `The SignedInfo cannot be canonicalised: ${(e as Error).message}`, SignatureErrors.format),
    );
  }
  checks.push(
    pass('format', 'A Signature with SignedInfo, SignatureValue and one X509Certificate, in the form EPS reads.'),
  );
  // 2. One certificate, no PEM armour (EPS's test for a chain pasted into the element)
  const certText = viewText(only(only(only(sig, 'KeyInfo'), 'X509Data'), 'X509Certificate')).trim();
  if (/BEGIN CERTIFICATE|END CERTIFICATE/.test(certText))
    return stop(
      fail(
        'one-certificate',
        'The X509Certificate holds PEM armour (BEGIN/END CERTIFICATE): more than one certificate, or a chain, where EPS takes exactly one.',
        SignatureErrors.multipleCertificates,
      ),
    );
  let cert: forge.pki.Certificate, der: Uint8Array;
  const certKey = certText.replace(/\s+/g, '');
  try {
    const bytes = forge.util.decode64(certKey);
    cert = remember(certificates, certKey, () => forge.pki.certificateFromAsn1(forge.asn1.fromDer(bytes)));
    der = rawBytes(bytes);
  } catch (e) {
    return stop(
      fail(
        'one-certificate',
        `The X509Certificate is not a certificate that can be read: ${(e as Error).message}.`,
        SignatureErrors.certificate,
      ),
    );
  }
  checks.push(
    pass('one-certificate', `One certificate: ${subjectText(cert)} (serial ${cert.serialNumber.toUpperCase()}).`),
  );
  const algorithm: SignatureAlgorithm = eps.rsa === 'sha256' ? 'RS256' : 'RS1';
  const signatureValue = viewText(only(sig, 'SignatureValue'));
  // 3. RSA over the canonical SignedInfo
  let rsaOk = false;
  try {
    rsaOk = await rsaVerify(eps.rsa, signedInfo, signatureValue, cert, certKey, der, crypto);
  } catch {
    rsaOk = false;
  }
  const rsaName = eps.rsa === 'sha256' ? 'RSA-SHA256' : 'RSA-SHA1';
  checks.push(
    rsaOk
      ? pass(
          'signature',
          `The SignatureValue is a valid ${rsaName} signature of the canonical SignedInfo by the certificate's key.`,
        )
      : fail(
          'signature',
          `The SignatureValue is not a valid ${rsaName} signature of the canonical SignedInfo by the certificate's key.`,
          SignatureErrors.invalid,
        ),
  );
  // 4. The SignedInfo is the one this prescription gives
  try {
    const fragments = p.fragments();
    const digest = await hashBase64(eps.digest, fragments, crypto);
    // EPS builds the expected SignedInfo from the DigestMethod's algorithm alone (SignatureMethod included).
    const expected = canonicalSignedInfo(digest, eps.digest === 'sha256' ? 'RS256' : 'RS1', eps.canonicalization);
    const given = viewText(only(only(only(sig, 'SignedInfo'), 'Reference'), 'DigestValue'));
    const alg = eps.digest === 'sha256' ? 'SHA-256' : 'SHA-1';
    if (expected === signedInfo)
      checks.push(
        pass(
          'digest',
          `The prescription's FragmentsToBeHashed hash (${alg}) to ${digest}, the DigestValue the SignedInfo holds.`,
        ),
      );
    else if (given === digest)
      checks.push(
        fail(
          'digest',
          `The DigestValue matches the prescription (${alg}), but the rest of the SignedInfo is not the one EPS makes for it.`,
          SignatureErrors.mismatch,
        ),
      );
    else
      checks.push(
        fail(
          'digest',
          `The prescription's FragmentsToBeHashed hash (${alg}) to ${digest}, but the SignedInfo holds ${given || 'no DigestValue'}: the prescription is not the one that was signed.`,
          SignatureErrors.mismatch,
        ),
      );
  } catch (e) {
    checks.push(
      fail(
        'digest',
        `The prescription's FragmentsToBeHashed cannot be built: ${(e as Error).message}`,
        SignatureErrors.mismatch,
      ),
    );
  }
  const at = signingDate(p.signedAt ?? '');
  // 6. Valid when signed (strictly inside the validity period, as EPS compares)
  const from = cert.validity.notBefore,
    to = cert.validity.notAfter;
  if (Number.isNaN(at.getTime()))
    checks.push(
      fail(
        'validity',
        'The prescription gives no signing time to check the certificate against.',
        SignatureErrors.expired,
      ),
    );
  else if (at.getTime() > from.getTime() && at.getTime() < to.getTime())
    checks.push(
      pass(
        'validity',
        `Signed ${at.toISOString()}, inside the certificate's validity (${from.toISOString()} to ${to.toISOString()}).`,
      ),
    );
  else
    checks.push(
      fail(
        'validity',
        `Signed ${at.toISOString()}, outside the certificate's validity (${from.toISOString()} to ${to.toISOString()}).`,
        SignatureErrors.expired,
      ),
    );
  return { checks, stopped: false, certificate: { base64: certKey, der }, signedAt: at, algorithm, signedInfo };
}

/** The trust checks (chain, revocation) of the caller after a signature's own checks, and the verdict. */
export async function withTrustChecks(own: OwnChecks, trust: TrustChecks = {}): Promise<VerifyResult> {
  const checks = [...own.checks];
  if (own.stopped || !own.certificate || !own.signedAt) return finish(checks);
  const { base64, der } = own.certificate;
  const certificate = remember(certificates, base64, () =>
    forge.pki.certificateFromAsn1(forge.asn1.fromDer(forge.util.decode64(base64))),
  );
  const signer: Signer = { certificate, der, signedAt: own.signedAt };
  // 5. Chain (the caller's trust bundle)
  checks.push(
    trust.chain
      ? verdict('chain', await trust.chain(signer), SignatureErrors.untrusted)
      : notChecked('chain', 'Not checked: no trust bundle was given.'),
  );
  // 7. Revocation (the caller: CRLs)
  checks.push(
    trust.revocation
      ? verdict('revocation', await trust.revocation(signer), SignatureErrors.revoked)
      : notChecked('revocation', 'Not checked: no CRL was consulted.'),
  );
  return finish(checks, {
    certificate,
    ...(own.algorithm ? { algorithm: own.algorithm } : {}),
    ...(own.signedInfo !== undefined ? { signedInfo: own.signedInfo } : {}),
  });
}

interface VerifyInput {
  signatureXml: string;
  /** The prescription-order Bundle the signature should cover (Provenance entries are ignored). */
  bundle: Json;
  /** The signing time ($prepare's timestamp = HL7 author/time). */
  signedAt: string;
  trust?: TrustChecks;
}

/** The check for a Signature found in a FHIR Bundle (the sandbox and dispensing use this). */
export async function verifyPrescriptionSignature(input: VerifyInput): Promise<VerifyResult> {
  return verifySignedPrescription(
    fhirSignedPrescription(input.signatureXml, input.bundle, input.signedAt),
    input.trust,
  );
}

/** A FHIR prescription-order Bundle and the Signature XML of its Provenance, as the check reads them. */
export function fhirSignedPrescription(
  signatureXml: string | ReadSignature,
  bundle: Json,
  signedAt: string,
): SignedPrescription {
  const { signature, missing } = typeof signatureXml === 'string' ? readSignatureXml(signatureXml) : signatureXml;
  return {
    signature,
    ...(missing ? { missing } : {}),
    signedAt,
    fragments: () => canonicalFragments(withoutProvenance(bundle), signedAt),
  };
}
