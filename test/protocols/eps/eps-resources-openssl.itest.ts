// openssl, not Scrip's code, on NHS England's signed ParentPrescriptions: the RSA verdict over the
// canonical SignedInfo Scrip builds (as EPS reads the XML) and the SHA-1 digest of the
// FragmentsToBeHashed it builds agree with Scrip's verdicts and with the DigestValue NHS England signed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSignedPrescription } from '../../../protocols/eps/signed-prescription';
import { verifySignedPrescription } from '../../../protocols/eps/signature';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'eps-signed-prescriptions');

function opensslVerifies(
  dir: string,
  alg: 'sha1' | 'sha256',
  data: string,
  signatureB64: string,
  cert: X509Certificate,
): boolean {
  writeFileSync(join(dir, 'si.xml'), data);
  writeFileSync(join(dir, 'sig.bin'), Buffer.from(signatureB64, 'base64'));
  writeFileSync(join(dir, 'pub.pem'), cert.publicKey.export({ type: 'spki', format: 'pem' }));
  try {
    return /Verified OK/.test(
      execFileSync(
        'openssl',
        ['dgst', `-${alg}`, '-verify', join(dir, 'pub.pem'), '-signature', join(dir, 'sig.bin'), join(dir, 'si.xml')],
        { encoding: 'utf8', stdio: 'pipe' },
      ),
    );
  } catch {
    return false;
  }
}

test('openssl agrees with every RSA verdict, and hashes the fragments to the DigestValue NHS England signed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'scrip-eps-openssl-'));
  try {
    for (const name of [
      'ValidSignature',
      'SignatureAlgorithmSha256',
      'SignatureIsInvalid',
      'SignatureDoesNotMatchPrescription',
    ]) {
      const xml = readFileSync(join(fixtures, `${name}.xml`), 'utf8');
      const read = readSignedPrescription(xml);
      const r = await verifySignedPrescription(read.prescription);
      const value = /<SignatureValue>([^<]*)</.exec(xml)![1]!.replace(/&#13;|\s/g, '');
      const cert = new X509Certificate(
        Buffer.from(/<X509Certificate>([^<]*)</.exec(xml)![1]!.replace(/&#13;|\s/g, ''), 'base64'),
      );
      const rsa = r.checks.find((c) => c.id === 'signature')!.result === 'pass';
      assert.equal(
        opensslVerifies(dir, r.algorithm === 'RS256' ? 'sha256' : 'sha1', r.signedInfo!, value, cert),
        rsa,
        `${name}: openssl and Scrip agree on the RSA signature (${rsa ? 'valid' : 'invalid'})`,
      );
    }
    const valid = readFileSync(join(fixtures, 'ValidSignature.xml'), 'utf8');
    writeFileSync(join(dir, 'fragments.xml'), readSignedPrescription(valid).prescription.fragments());
    const digest = execFileSync('openssl', ['dgst', '-sha1', '-binary', join(dir, 'fragments.xml')]).toString('base64');
    assert.equal(
      digest,
      /<DigestValue>([^<]*)</.exec(valid)![1],
      'SHA-1 of the FragmentsToBeHashed is the signed DigestValue',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
