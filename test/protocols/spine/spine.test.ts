import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSign, createVerify, generateKeyPairSync, X509Certificate } from 'node:crypto';
import fc from 'fast-check';
import { encodeGpObject, parseGpObject, gpValue, GpObjectError } from '../../../protocols/spine/gpobject';
import {
  buildSignedData,
  certificateIdentity,
  parseSignedData,
  wrapSmime,
  unwrapSmime,
  CmsError,
} from '../../../protocols/spine/cms';
import { rolesFromGp, roleToGp } from '../../../protocols/spine/roles';
import { buildRoleAssertion, parseRoleAssertion, SamlError } from '../../../protocols/spine/saml';
import { testCa } from '../../sandbox/card/fixture';

test('gpOBJECT round-trips params, attributes and awkward text', () => {
  const params = [
    { name: 'service', value: 'AUTHENTICATION' },
    {
      name: 'nhsjobrole0',
      value: 'STIRLING MEDICAL CENTRE (S KUMAR), "Admin & Clerical":"Admin":"Demographic Administrator"',
      attrs: { id: '887389426511', orgcode: 'B81012' },
    },
    { name: 'challenge', value: 'MlJN9BVjTdKtTpKrSz3Jvq0sONIAAAFc7yH6TYe8NK6GHS7F7t2tGnmcost76xk7' },
  ];
  const parsed = parseGpObject(encodeGpObject(params));
  assert.equal(gpValue(parsed, 'service'), 'AUTHENTICATION');
  const roles = rolesFromGp(parsed);
  assert.deepEqual(roles, [
    {
      id: '887389426511',
      orgCode: 'B81012',
      orgName: 'STIRLING MEDICAL CENTRE (S KUMAR)',
      jobRoleName: '"Admin & Clerical":"Admin":"Demographic Administrator"',
    },
  ]);
  assert.deepEqual(rolesFromGp(parseGpObject(encodeGpObject([roleToGp(0, roles[0]!)]))), roles);
});

test('the real INT answer shape parses (DOCTYPE with a URL is skipped, never fetched)', () => {
  const xml = `<!DOCTYPE USER SYSTEM "https://gas.nis1.national.ncrs.nhs.uk/login/dtd">
<gpOBJECT>
<gpPARAM name="log_session_id">Ao9qufl+uA</gpPARAM>
<gpPARAM name="cn">RA_A00394 RA A</gpPARAM>
<gpPARAM name="nhsjobrole0" id="887389426511" orgcode="B81012">STIRLING MEDICAL CENTRE (S KUMAR), "Admin &amp; Clerical":"Admin":"Demographic Administrator"</gpPARAM>
<gpPARAM name="sso_ticket">AQIC5wM2LY4SfcwrRGMHiyxMR3suYWqcF+B1j56GJ4xGut4=@AAJTSQACMDE=#</gpPARAM>
<gpPARAM name="sso_session_time">600</gpPARAM>
</gpOBJECT>`;
  const p = parseGpObject(xml);
  assert.equal(gpValue(p, 'sso_ticket'), 'AQIC5wM2LY4SfcwrRGMHiyxMR3suYWqcF+B1j56GJ4xGut4=@AAJTSQACMDE=#');
  assert.equal(rolesFromGp(p)[0]?.jobRoleName, '"Admin & Clerical":"Admin":"Demographic Administrator"');
});

test('hostile or broken XML is refused, never expanded, never crashes', () => {
  for (const bad of [
    '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><gpOBJECT><gpPARAM name="a">&e;</gpPARAM></gpOBJECT>',
    '<gpOBJECT><gpPARAM name="a"><![CDATA[x]]></gpPARAM></gpOBJECT>',
    '<gpOBJECT><gpPARAM name="a">&unknown;</gpPARAM></gpOBJECT>',
    '<gpOBJECT><gpPARAM>x</gpPARAM></gpOBJECT>',
    '<html/>',
    'x'.repeat(300 * 1024),
  ])
    assert.throws(() => parseGpObject(bad), GpObjectError, bad.slice(0, 40));
  fc.assert(
    fc.property(fc.string({ maxLength: 400 }), (s) => {
      try {
        parseGpObject(s);
      } catch (e) {
        if (!(e instanceof GpObjectError)) throw e;
      }
    }),
  );
});

test('CMS SignedData around a card-style signature verifies, and wraps as S/MIME', () => {
  const ca = testCa();
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const certDer = ca.issueAuthCertificate({ userId: '555123456789', displayName: 'Dr Test', publicKey }).der;
  const challenge = Buffer.from('MlJN9BVjTdKtTpKrSz3Jvq0sONIAAAFc7yH6TYe8NK6GHS7F7t2tGnmcost76xk7', 'base64');
  const signature = createSign('sha256').update(challenge).sign(privateKey);
  const der = buildSignedData({ content: challenge, certificateDer: certDer, signature, digest: 'sha256' });
  const parsed = parseSignedData(unwrapSmime(wrapSmime(der)));
  assert.deepEqual(Buffer.from(parsed.content), challenge);
  assert.deepEqual(Buffer.from(parsed.certificateDer), certDer);
  assert.equal(parsed.digest, 'sha256');
  assert.ok(
    createVerify('sha256')
      .update(parsed.content)
      .verify(new X509Certificate(parsed.certificateDer).publicKey, parsed.signature),
    "createVerify('sha256').update(parsed.content).verify(new X509Certificate(parsed.certificateDer).p…",
  );
  assert.throws(() => unwrapSmime('bm90IHNtaW1l'), CmsError);
  assert.throws(() => parseSignedData(Uint8Array.of(0x30, 0x03, 0x02, 0x01)), CmsError);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
      try {
        parseSignedData(b);
      } catch (e) {
        if (!(e instanceof CmsError)) throw e;
      }
    }),
  );
});

test('a certificate re-encoded in BER (BOOLEAN TRUE as 01) has the same identity as the DER one; junk has none', () => {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const cert = testCa().issueAuthCertificate({ userId: '555000222333', displayName: 'BER', publicKey });
  // What a generic BER encoder does to the critical flags: 01 01 FF becomes 01 01 01, lengths unchanged.
  const ber = Buffer.from(cert.der.toString('hex').replaceAll('0101ff', '010101'), 'hex');
  assert.notDeepEqual(ber, cert.der, 'the certificate had critical flags to re-encode');
  const [a, b] = [certificateIdentity(cert.der), certificateIdentity(ber)];
  assert.equal(b.serialHex, cert.serial, 'serial number read from the BER copy');
  assert.deepEqual(b, a, 'issuer, serial, subject and key are the same in both encodings');
  assert.deepEqual(
    Buffer.from(a.spkiDer),
    publicKey.export({ type: 'spki', format: 'der' }),
    'the key is the SubjectPublicKeyInfo in DER',
  );
  assert.deepEqual(
    a.issuerDer,
    certificateIdentity(testCa().auth.der).subjectDer,
    "the issuer is the Authentication CA's subject",
  );
  for (const junk of [Buffer.from('3003020101', 'hex'), Buffer.from('not asn1'), Buffer.alloc(0)]) {
    assert.throws(() => certificateIdentity(junk), CmsError, `no identity in ${junk.toString('hex')}`);
  }
});

test('SAML role assertion round-trips roles with codes and activities; DOCTYPE is refused', () => {
  const a = {
    uid: '555123456789',
    cn: 'Dr Test Person',
    selectedRoleId: '555000111222',
    ssbMode: '0' as const,
    token: 'AQIC5-token',
    issueInstant: '2026-11-22T10:00:00Z',
    notBefore: '2026-11-22T09:57:00Z',
    notOnOrAfter: '2026-11-22T10:03:00Z',
    roles: [
      {
        id: '555000111222',
        orgCode: 'A83008',
        orgName: 'HALLGARTH SURGERY',
        jobRoleName: '"Clinical":"Clinical Provision":"Clinical Practitioner Access Role"',
        jobRoleCode: 'S8000:G8000:R8000',
        activities: ['B0278', 'B0420'],
      },
      {
        id: '555000333444',
        orgCode: 'FCG71',
        orgName: 'A & B PHARMACY',
        jobRoleName: '"Clinical":"Pharmacy":"Pharmacist"',
        jobRoleCode: 'S8000:G8000:R8003',
        activities: ['B0570'],
      },
    ],
  };
  const xml = buildRoleAssertion(a, { responseId: 'r1', assertionId: 'a1', issuer: 'sandbox' });
  assert.deepEqual(parseRoleAssertion(xml), a);
  assert.throws(() => parseRoleAssertion('<!DOCTYPE x [<!ENTITY e "x">]><x/>'), SamlError);
});
