// The chain and revocation checks of `prescription.verify` against a started sandbox (real HTTPS on
// loopback, its own CA, CRLs served by it): a prescription signed with a key the sandbox's Signing
// CA certified is valid; pretty-printed it still is; an untrusted chain, a revoked certificate, one
// expired when it signed and an unreachable CRL each get their own verdict.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type RunningSandbox } from '../../../sandbox/server';
import { openTestCa } from '../../../sandbox/ca';
import { prepareDigest } from '../../../protocols/eps/fragments';
import { assembleSignature, provenanceEntry } from '../../../protocols/eps/signature';
import { verifySignedText } from '../../../main/dispensing/verify';
import { epsAcuteExample } from '../../support/fixtures';

type Json = Record<string, unknown>;
const example = epsAcuteExample;
const dir = mkdtempSync(join(tmpdir(), 'scrip-verify-trust-'));
let sb: RunningSandbox;
before(async () => {
  sb = await startSandbox({ dataDir: join(dir, 'sandbox') });
});
after(async () => {
  await sb?.close();
  rmSync(dir, { recursive: true, force: true });
});

function signer(validDays?: number): { key: KeyObject; der: Buffer; serial: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const cert = sb.context.ca.issueSigningCertificate({
    userId: '555086689106',
    displayName: 'BOIN',
    publicKey,
    ...(validDays !== undefined ? { validDays } : {}),
  });
  return { key: privateKey, der: cert.der, serial: cert.serial };
}

/** The example Bundle signed at `signedAt` as Scrip signs ($prepare's digest, RSA-SHA256, Provenance). */
function signed(
  s: { key: KeyObject; der: Buffer },
  signedAt = new Date(Date.now() - 60_000).toISOString().replace(/\.\d{3}Z$/, '+00:00'),
  pretty = false,
): string {
  const bundle = JSON.parse(readFileSync(example, 'utf8')) as Json;
  const { digest } = prepareDigest(bundle, signedAt, 'RS256', (alg, d) =>
    createHash(alg).update(d, 'utf8').digest('base64'),
  );
  let xml = assembleSignature(
    digest,
    sign('sha256', Buffer.from(digest, 'base64'), s.key).toString('base64'),
    s.der.toString('base64'),
  );
  if (pretty) xml = xml.replace(/></g, '>\n    <');
  const entries = bundle.entry as Json[];
  const mrs = entries.filter((e) => (e.resource as Json).resourceType === 'MedicationRequest');
  const requester = ((mrs[0]!.resource as Json).requester as Json).reference as string;
  const prov = provenanceEntry({
    id: '28828c55-8fa7-42d7-916f-fcf076e0c10e',
    requesterReference: requester,
    targetReferences: mrs.map((e) => e.fullUrl as string),
    recorded: signedAt,
    signedAt,
    signatureXml: xml,
  });
  return JSON.stringify({ ...bundle, entry: [...entries, prov] }, null, pretty ? 2 : 0);
}

const summary = (r: { checks: Array<{ id: string; result: string }> }): string =>
  r.checks.map((c) => `${c.id}:${c.result}`).join(' ');
const ALL_PASS = 'format:pass one-certificate:pass signature:pass digest:pass chain:pass validity:pass revocation:pass';

test('signed with a key the sandbox Signing CA certified: valid, compact or pretty-printed', async () => {
  const s = signer();
  const trustPem = sb.context.ca.bundlePem();
  const compact = await verifySignedText(signed(s), { trustPem });
  assert.equal(summary(compact), ALL_PASS, 'every check passes, the CRL fetched from the sandbox');
  assert.equal(compact.verdict, 'valid', 'valid');
  const pretty = await verifySignedText(signed(s, undefined, true), { trustPem });
  assert.equal(summary(pretty), ALL_PASS, 'an indented Signature and Bundle give the same verdicts');
});

test('a CA not in the trust bundle: the chain fails and its CRL is not believed', async () => {
  const other = openTestCa(join(dir, 'other-ca'));
  const r = await verifySignedText(signed(signer()), { trustPem: other.bundlePem() });
  assert.equal(
    summary(r),
    'format:pass one-certificate:pass signature:pass digest:pass chain:fail validity:pass revocation:not-checked',
    'untrusted',
  );
  assert.deepEqual(r.errors, ['Certificate not trusted'], "EPS's words");
});

test('revoked through the sandbox CRL: refused when signed after revocation or for key compromise; accepted when superseded later', async () => {
  const trustPem = sb.context.ca.bundlePem();
  const compromised = signer();
  const text = signed(compromised);
  sb.context.ca.revoke(compromised.serial, 'keyCompromise');
  const r = await verifySignedText(text, { trustPem });
  assert.equal(
    summary(r),
    'format:pass one-certificate:pass signature:pass digest:pass chain:pass validity:pass revocation:fail',
    'revoked',
  );
  assert.match(r.checks.at(-1)!.detail, /key compromise/, 'names the reason');
  assert.deepEqual(r.errors, ['Certificate is revoked'], "EPS's words");

  const superseded = signer();
  const before = signed(superseded);
  sb.context.ca.revoke(superseded.serial, 'superseded');
  assert.equal(
    summary(await verifySignedText(before, { trustPem })),
    ALL_PASS,
    'signed a minute before a "superseded" revocation: EPS accepts it',
  );
  const afterRevocation = signed(
    superseded,
    new Date(Date.now() + 60_000).toISOString().replace(/\.\d{3}Z$/, '+00:00'),
  );
  assert.match(
    summary(await verifySignedText(afterRevocation, { trustPem })),
    /revocation:fail$/,
    'signed after the revocation: refused',
  );
});

test('a certificate expired when it signed fails the validity check alone', async () => {
  const r = await verifySignedText(signed(signer(1 / 48)), { trustPem: sb.context.ca.bundlePem() });
  assert.equal(
    summary(r),
    'format:pass one-certificate:pass signature:pass digest:pass chain:pass validity:fail revocation:pass',
    'expired at signing',
  );
  assert.deepEqual(r.errors, ['Certificate expired when signed'], "EPS's words");
});

test('a CRL that cannot be fetched is "not checked", said plainly; no trust bundle: neither is checked', async () => {
  const dead = await startSandbox({ dataDir: join(dir, 'dead') });
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const cert = dead.context.ca.issueSigningCertificate({ userId: '555086689106', displayName: 'BOIN', publicKey });
  const trustPem = dead.context.ca.bundlePem();
  await dead.close();
  const r = await verifySignedText(signed({ key: privateKey, der: cert.der }), { trustPem });
  assert.equal(
    summary(r),
    'format:pass one-certificate:pass signature:pass digest:pass chain:pass validity:pass revocation:not-checked',
    'not checked, not passed',
  );
  assert.match(r.checks.at(-1)!.detail, /could not be fetched/, 'says why');
  assert.equal(r.verdict, 'not-fully-checked', 'not called valid');
  const none = await verifySignedText(signed({ key: privateKey, der: cert.der }));
  assert.equal(
    summary(none),
    'format:pass one-certificate:pass signature:pass digest:pass chain:not-checked validity:pass revocation:not-checked',
    'no bundle',
  );
});
