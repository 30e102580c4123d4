// A signature made with a real RSA key over the canonical SignedInfo verifies with Scrip's own
// verifier, and a one-byte change in a signed fragment, the signature value or the signing time is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';
import { prepareDigest } from '../../../protocols/eps/fragments';
import {
  assembleSignature,
  provenanceEntry,
  findRequesterSignature,
  verifyPrescriptionSignature,
  SignatureErrors,
  base64Utf8,
} from '../../../protocols/eps/signature';
import { epsExamples } from '../../support/fixtures';

const example = join(epsExamples, 'primary-care', 'acute-and-repeat-prescribing');
type Json = Record<string, unknown>;
const bundle = JSON.parse(readFileSync(join(example, '1-Prepare-Request-200_OK.json'), 'utf8')) as Json;
const signedAt = '2022-10-21T13:47:00+00:00';
const hash = (alg: 'sha256' | 'sha1', data: string) => createHash(alg).update(data, 'utf8').digest('base64');

const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
function certificate(notBefore: Date, notAfter: Date): string {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  cert.serialNumber = '01';
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  const attrs = [{ name: 'commonName', value: 'Test Prescriber' }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.sign(
    forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()),
    forge.md.sha256.create(),
  );
  return forge.util.encode64(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes());
}
const certB64 = certificate(new Date('2020-01-01T00:00:00Z'), new Date('2030-01-01T00:00:00Z'));

function signedBundle(b: Json, cert = certB64): { bundle: Json; xml: string } {
  const { digest } = prepareDigest(b, signedAt, 'RS256', hash);
  // The card signs the decoded digest bytes (the canonical SignedInfo) with RSA PKCS#1 v1.5 SHA-256.
  const value = sign('sha256', Buffer.from(digest, 'base64'), privateKey).toString('base64');
  const xml = assembleSignature(digest, value, cert);
  const entries = (b.entry as Json[]).map((e) => e.resource as Json);
  const mrs = (b.entry as Json[]).filter((e) => (e.resource as Json).resourceType === 'MedicationRequest');
  const requester = (entries.find((r) => r.resourceType === 'MedicationRequest')!.requester as Json)
    .reference as string;
  const prov = provenanceEntry({
    id: '28828c55-8fa7-42d7-916f-fcf076e0c10e',
    requesterReference: requester,
    targetReferences: mrs.map((e) => e.fullUrl as string),
    recorded: signedAt,
    signedAt,
    signatureXml: xml,
  });
  return { bundle: { ...b, entry: [...(b.entry as Json[]), prov] }, xml };
}

test('a real RSA signature over the prepared SignedInfo verifies', async () => {
  const { bundle: signed, xml } = signedBundle(bundle);
  const found = findRequesterSignature(signed);
  assert.equal(found?.xml, xml);
  const result = await verifyPrescriptionSignature({ signatureXml: found!.xml, bundle: signed, signedAt: found!.when });
  assert.deepEqual(result.errors, []);
  assert.equal(result.algorithm, 'RS256');
  // and Node's own verifier agrees on the same bytes
  const si = /<SignedInfo>.*<\/SignedInfo>/
    .exec(xml)![0]
    .replace('<SignedInfo>', '<SignedInfo xmlns="http://www.w3.org/2000/09/xmldsig#">');
  const sv = /<SignatureValue>([^<]*)</.exec(xml)![1]!;
  const { createVerify } = await import('node:crypto');
  assert.ok(
    createVerify('rsa-sha256').update(si).verify(publicKey, sv, 'base64'),
    "createVerify('rsa-sha256').update(si).verify(publicKey, sv, 'base64')",
  );
});

test('one changed byte in a signed fragment is refused', async () => {
  const { bundle: signed, xml } = signedBundle(bundle);
  const tampered = JSON.parse(
    JSON.stringify(signed).replace(/"family":"(\w)/, (_m, c: string) => `"family":"${c === 'X' ? 'Y' : 'X'}`),
  ) as Json;
  assert.notDeepEqual(tampered, signed);
  const result = await verifyPrescriptionSignature({ signatureXml: xml, bundle: tampered, signedAt });
  assert.deepEqual(result.errors, [SignatureErrors.mismatch]);
});

test('a different signing time is refused (the time is a signed fragment)', async () => {
  const { bundle: signed, xml } = signedBundle(bundle);
  const result = await verifyPrescriptionSignature({
    signatureXml: xml,
    bundle: signed,
    signedAt: '2022-10-21T13:47:01+00:00',
  });
  assert.deepEqual(result.errors, [SignatureErrors.mismatch]);
});

test('a changed signature value is refused', async () => {
  const { xml } = signedBundle(bundle);
  const sv = /<SignatureValue>([^<]*)</.exec(xml)![1]!;
  const bytes = Buffer.from(sv, 'base64');
  bytes[10] = bytes[10]! ^ 1;
  const result = await verifyPrescriptionSignature({
    signatureXml: xml.replace(sv, bytes.toString('base64')),
    bundle,
    signedAt,
  });
  assert.deepEqual(result.errors, [SignatureErrors.invalid]);
});

test('a pretty-printed, self-closed SignedInfo still verifies (the verifier re-canonicalises)', async () => {
  const { xml } = signedBundle(bundle);
  const pretty = xml
    .replace(/><\/(CanonicalizationMethod|SignatureMethod|Transform|DigestMethod)>/g, '/>')
    .replace('<SignedInfo>', '<SignedInfo>\n  ')
    .replace('<SignedInfo>\n  ', '<SignedInfo>');
  const result = await verifyPrescriptionSignature({ signatureXml: pretty, bundle, signedAt });
  assert.deepEqual(result.errors, []);
});

test('format, certificate and validity failures are named as EPS names them', async () => {
  const { xml } = signedBundle(bundle);
  assert.deepEqual(
    (
      await verifyPrescriptionSignature({
        signatureXml: xml.replace(/<SignatureValue>[^<]*</, '<SignatureValue><'),
        bundle,
        signedAt,
      })
    ).errors,
    [SignatureErrors.format],
  );
  assert.deepEqual((await verifyPrescriptionSignature({ signatureXml: '<!DOCTYPE x><x/>', bundle, signedAt })).errors, [
    SignatureErrors.format,
  ]);
  assert.deepEqual(
    (
      await verifyPrescriptionSignature({
        signatureXml: xml.replace(certB64, `-----BEGIN CERTIFICATE-----${certB64}-----END CERTIFICATE-----`),
        bundle,
        signedAt,
      })
    ).errors,
    [SignatureErrors.multipleCertificates],
  );
  assert.deepEqual(
    (await verifyPrescriptionSignature({ signatureXml: xml.replace(certB64, 'AAAA'), bundle, signedAt })).errors,
    [SignatureErrors.certificate],
  );
  const old = signedBundle(bundle, certificate(new Date('2010-01-01T00:00:00Z'), new Date('2020-01-01T00:00:00Z')));
  assert.deepEqual((await verifyPrescriptionSignature({ signatureXml: old.xml, bundle, signedAt })).errors, [
    SignatureErrors.expired,
  ]);
});

test('the trust function is consulted with the signer certificate and signing time', async () => {
  const { xml } = signedBundle(bundle);
  let seen: { cn: unknown; at: string } | undefined;
  const result = await verifyPrescriptionSignature({
    signatureXml: xml,
    bundle,
    signedAt,
    trust: {
      chain: ({ certificate, signedAt: at }) => {
        seen = { cn: certificate.subject.getField('CN')?.value, at: at.toISOString() };
        return { result: 'fail', detail: 'not in the bundle' };
      },
    },
  });
  assert.deepEqual(result.errors, ['Certificate not trusted']);
  assert.deepEqual(seen, { cn: 'Test Prescriber', at: '2022-10-21T13:47:00.000Z' });
});

test('the Provenance carries base64 of the Signature and names the requester', () => {
  const { bundle: signed, xml } = signedBundle(bundle);
  const prov = (signed.entry as Json[]).at(-1)!.resource as {
    signature: Array<{ data: string; type: Array<{ code: string }> }>;
  };
  assert.equal(base64Utf8(prov.signature[0]!.data), xml);
  assert.equal(prov.signature[0]!.type[0]!.code, '1.2.840.10065.1.12.1.1');
  assert.match(xml, /^<Signature xmlns="http:\/\/www.w3.org\/2000\/09\/xmldsig#"><SignedInfo><CanonicalizationMethod/);
});

test('an RS1 (SHA-1) signature verifies too, and is told apart from RS256', async () => {
  const { digest } = prepareDigest(bundle, signedAt, 'RS1', hash);
  const value = sign('sha1', Buffer.from(digest, 'base64'), privateKey).toString('base64');
  const result = await verifyPrescriptionSignature({
    signatureXml: assembleSignature(digest, value, certB64),
    bundle,
    signedAt,
  });
  assert.deepEqual(result.errors, []);
  assert.equal(result.algorithm, 'RS1');
  const wrongHash = sign('sha256', Buffer.from(digest, 'base64'), privateKey).toString('base64');
  assert.deepEqual(
    (
      await verifyPrescriptionSignature({
        signatureXml: assembleSignature(digest, wrongHash, certB64),
        bundle,
        signedAt,
      })
    ).errors,
    [SignatureErrors.invalid],
  );
});

test('the crypto passed with a check is the one used, for that check only (no process-wide setting)', async () => {
  const { bundle: signed, xml } = signedBundle(bundle);
  const calls: string[] = [];
  const refusing = {
    hash: (alg: 'sha256' | 'sha1', data: string) => (calls.push(`hash ${alg}`), hash(alg, data)),
    verify: () => (calls.push('verify'), false),
  };
  const refused = await verifyPrescriptionSignature({
    signatureXml: xml,
    bundle: signed,
    signedAt,
    trust: { crypto: refusing },
  });
  assert.deepEqual(refused.errors, [SignatureErrors.invalid], 'the passed verify said no');
  assert.deepEqual(calls, ['verify', 'hash sha256'], 'both primitives came from the passed crypto');
  const plain = await verifyPrescriptionSignature({ signatureXml: xml, bundle: signed, signedAt });
  assert.deepEqual(plain.errors, [], 'a later check without it uses the built-in crypto');
});
