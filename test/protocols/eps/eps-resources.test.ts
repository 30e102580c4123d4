// NHS England's signed HL7 v3 ParentPrescriptions (EPS coordinator test resources, vendored in
// test/fixtures/eps-signed-prescriptions) get the verdicts EPS's own code gives them, check by check;
// the indentation of a file does not change a verdict; each check fails on its own tampered variant.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSignedPrescription } from '../../../protocols/eps/signed-prescription';
import { verifySignedPrescription, SignatureErrors } from '../../../protocols/eps/signature';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'eps-signed-prescriptions');
const fixture = (name: string): string => readFileSync(join(dir, `${name}.xml`), 'utf8');
const verdicts = async (xml: string): Promise<string> => {
  const r = await verifySignedPrescription(readSignedPrescription(xml).prescription);
  return r.checks.map((c) => `${c.id}:${c.result}`).join(' ');
};
const NO_TRUST = 'chain:not-checked validity:pass revocation:not-checked';
/** The same XML with no whitespace-only text between elements. */
const compact = (xml: string): string => xml.replace(/>\s+</g, '><');

test('ValidSignature.xml (RSA-SHA1, indented): every EPS check passes', async () => {
  assert.equal(
    await verdicts(fixture('ValidSignature')),
    `format:pass one-certificate:pass signature:pass digest:pass ${NO_TRUST}`,
    'valid as EPS says',
  );
});

test('SignatureAlgorithmSha256.xml: a valid RSA-SHA256 signature; its text was re-wrapped after signing, which the digest check finds', async () => {
  const xml = fixture('SignatureAlgorithmSha256');
  const r = await verifySignedPrescription(readSignedPrescription(xml).prescription);
  assert.equal(r.algorithm, 'RS256', 'RSA-SHA256');
  assert.equal(
    r.checks.map((c) => `${c.id}:${c.result}`).join(' '),
    `format:pass one-certificate:pass signature:pass digest:fail ${NO_TRUST}`,
    'the signature is valid; the prescription is not what was signed',
  );
  // EPS's own algorithm (xml-js + xml-c14n) gives the same digest: the additional instructions'
  // text was line-wrapped by a formatter. Unwrapped, the prescription is the signed one.
  assert.match(
    r.checks.find((c) => c.id === 'digest')!.detail,
    /\/BffY7xhxvv\+Ie\+1aENwGkA6hxNZw862HRGIUCiOWm8=/,
    'the digest EPS computes for this file',
  );
  const unwrapped = xml.replace(/>([^<]*\S[^<]*)</g, (_m, t: string) => `>${t.replace(/\s*\n\s*/g, ' ')}<`);
  assert.equal(
    await verdicts(unwrapped),
    `format:pass one-certificate:pass signature:pass digest:pass ${NO_TRUST}`,
    'unwrapped, every check passes',
  );
});

test('SignatureIsInvalid.xml: the RSA check fails, the digest matches', async () => {
  assert.equal(
    await verdicts(fixture('SignatureIsInvalid')),
    `format:pass one-certificate:pass signature:fail digest:pass ${NO_TRUST}`,
    'signature is invalid',
  );
});

test('SignatureDoesNotMatchPrescription.xml: its DigestValue was changed, so the digest check fails (and the RSA check over the changed SignedInfo)', async () => {
  const r = await verifySignedPrescription(
    readSignedPrescription(fixture('SignatureDoesNotMatchPrescription')).prescription,
  );
  assert.equal(
    r.checks.map((c) => `${c.id}:${c.result}`).join(' '),
    `format:pass one-certificate:pass signature:fail digest:fail ${NO_TRUST}`,
    'both, as EPS reports',
  );
  assert.deepEqual(r.errors, [SignatureErrors.invalid, SignatureErrors.mismatch], "EPS's words");
});

test('compact and indented forms of each resource get the same verdicts', async () => {
  for (const name of [
    'ValidSignature',
    'SignatureAlgorithmSha256',
    'SignatureIsInvalid',
    'SignatureDoesNotMatchPrescription',
  ]) {
    const xml = fixture(name);
    assert.notEqual(compact(xml), xml, `${name} is indented`);
    assert.equal(await verdicts(compact(xml)), await verdicts(xml), `${name}: same verdicts compact`);
    const reindented = xml.replace(/\n/g, '\n\t\t');
    assert.equal(await verdicts(reindented), await verdicts(xml), `${name}: same verdicts re-indented`);
  }
});

test('a valid signature over a changed prescription is refused by the digest check alone', async () => {
  const xml = fixture('ValidSignature').replace('<family>BOIN</family>', '<family>BOYNE</family>');
  assert.equal(
    await verdicts(xml),
    `format:pass one-certificate:pass signature:pass digest:fail ${NO_TRUST}`,
    'RSA passes, digest fails',
  );
  const item = fixture('ValidSignature').replace(/<quantity unit="1" value="(\d+)"/, '<quantity unit="1" value="999"');
  assert.equal(
    await verdicts(item),
    `format:pass one-certificate:pass signature:pass digest:fail ${NO_TRUST}`,
    'a changed line item quantity too',
  );
});

test('a changed SignedInfo is refused by the RSA check', async () => {
  const xml = fixture('ValidSignature').replace(
    '<Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>',
    '<Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#WithComments"/>',
  );
  assert.equal(
    await verdicts(xml),
    `format:pass one-certificate:pass signature:fail digest:fail ${NO_TRUST}`,
    'the signed bytes changed, and it is not the SignedInfo EPS makes',
  );
});

test('format failures stop the check, named', async () => {
  const base = fixture('ValidSignature');
  const cases: Array<[string, string, RegExp]> = [
    [
      'no SignatureValue text',
      base.replace(/<SignatureValue>[^<]+<\/SignatureValue>/, '<SignatureValue>  </SignatureValue>'),
      /SignatureValue is empty/,
    ],
    [
      'two X509Certificate elements',
      base.replace(/(<X509Certificate>[^<]+<\/X509Certificate>)/, '$1$1'),
      /2 X509Certificate elements/,
    ],
    [
      'a prefixed ds:Signature',
      base
        .replace(
          '<Signature xmlns="http://www.w3.org/2000/09/xmldsig#">',
          '<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#" xmlns="http://www.w3.org/2000/09/xmldsig#">',
        )
        .replace('</Signature>', '</ds:Signature>'),
      /unprefixed <Signature>/,
    ],
    [
      'inclusive canonicalization',
      base.replace(
        '<CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>',
        '<CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/>',
      ),
      /not exclusive XML canonicalization/,
    ],
    [
      'not signed',
      base.replace(/<signatureText>[\s\S]*<\/signatureText>/, '<signatureText nullFlavor="NA"/>'),
      /not signed/,
    ],
  ];
  for (const [what, xml, detail] of cases) {
    const r = await verifySignedPrescription(readSignedPrescription(xml).prescription);
    const format = r.checks[0]!;
    assert.equal(`${format.id}:${format.result}`, 'format:fail', `${what}: format fails`);
    assert.match(format.detail, detail, `${what}: says why`);
    assert.deepEqual(r.errors, [SignatureErrors.format], `${what}: EPS's words`);
    assert.ok(
      r.checks.slice(1).every((c) => c.result === 'not-checked'),
      `${what}: the rest not checked`,
    );
  }
});

test('a chain pasted into X509Certificate is refused as "more than one certificate"; an unreadable one as invalid', async () => {
  const base = fixture('ValidSignature');
  const cert = /<X509Certificate>([^<]+)<\/X509Certificate>/.exec(base)![1]!.trim();
  const two = base.replace(
    /<X509Certificate>[^<]+</,
    `<X509Certificate>${cert}\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\n${cert}<`,
  );
  let r = await verifySignedPrescription(readSignedPrescription(two).prescription);
  assert.equal(`${r.checks[1]!.id}:${r.checks[1]!.result}`, 'one-certificate:fail', 'two certificates refused');
  assert.deepEqual(r.errors, [SignatureErrors.multipleCertificates], "EPS's words");
  r = await verifySignedPrescription(
    readSignedPrescription(base.replace(/<X509Certificate>[^<]+</, '<X509Certificate>aW52YWxpZA==<')).prescription,
  );
  assert.deepEqual(r.errors, [SignatureErrors.certificate], 'not a certificate');
});

test('a signing time outside the certificate fails the validity check (and, being signed, the digest)', async () => {
  const xml = fixture('ValidSignature').replace('<time value="20210726120522"/>', '<time value="20230726120522"/>');
  assert.equal(
    await verdicts(xml),
    'format:pass one-certificate:pass signature:pass digest:fail chain:not-checked validity:fail revocation:not-checked',
    'expired when signed',
  );
});
