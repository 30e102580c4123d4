// The sandbox's signer check (chain to the Signing CA, revocation per call) and Node's crypto for
// the XML-DSig check: same verdicts as before, revocation seen at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, createHash, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openTestCa, signingCertificateTrust } from '../../../sandbox/ca';
import { nodeSignatureCrypto } from '../../../sandbox/ca/signature-crypto';

test('a signing certificate from the Signing CA is trusted until revoked, from any process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scrip-trust-'));
  try {
    const ca = openTestCa(join(dir, 'ca'));
    const trust = signingCertificateTrust(ca);
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const signing = ca.issueSigningCertificate({ userId: '555086689106', displayName: 'X', publicKey });
    const auth = ca.issueAuthCertificate({ userId: '555086689106', displayName: 'X', publicKey });
    const other = openTestCa(join(dir, 'other-ca')).issueSigningCertificate({
      userId: '555086689106',
      displayName: 'X',
      publicKey,
    });
    const at = new Date();
    const verdicts = (der: Uint8Array) =>
      [
        trust.chain!({ certificate: null as never, der, signedAt: at }),
        trust.revocation!({ certificate: null as never, der, signedAt: at }),
      ]
        .map((o) => (o as { result: string }).result)
        .join(' ');
    assert.equal(verdicts(signing.der), 'pass pass', 'issued by the Signing CA, not revoked');
    assert.equal(verdicts(signing.der), 'pass pass', 'a second look (cached chain) agrees');
    assert.equal(verdicts(auth.der), 'fail not-checked', 'issued by the Authentication CA, not Signing');
    assert.equal(verdicts(other.der), 'fail not-checked', 'another CA with the same names');
    assert.equal(verdicts(Uint8Array.of(1, 2, 3)), 'fail not-checked', 'not a certificate');
    openTestCa(join(dir, 'ca')).revoke(signing.serial); // as `scrip sandbox revoke` would, through the files
    assert.equal(verdicts(signing.der), 'pass fail', 'revoked, seen at once');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Node crypto for signatures: base64 digests and RSA verification over UTF-8', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scrip-trust-'));
  try {
    const ca = openTestCa(join(dir, 'ca'));
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const cert = ca.issueSigningCertificate({ userId: '555086689106', displayName: 'X', publicKey });
    const text = '<SignedInfo>é</SignedInfo>';
    assert.equal(
      nodeSignatureCrypto.hash('sha256', text),
      createHash('sha256').update(Buffer.from(text, 'utf8')).digest('base64'),
    );
    const sig = sign('sha256', Buffer.from(text, 'utf8'), privateKey);
    assert.equal(nodeSignatureCrypto.verify('sha256', text, sig, cert.der), true);
    assert.equal(nodeSignatureCrypto.verify('sha256', `${text} `, sig, cert.der), false);
    assert.equal(nodeSignatureCrypto.verify('sha1', text, sig, cert.der), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
