// Independent check of the CMS envelope: OpenSSL verifies what protocols/spine/cms builds (SHA-256
// and the legacy SHA-1) against the sandbox CA chain. The wire S/MIME body carries the CMS as one
// base64 line (as the Identity Agent sends it), which OpenSSL's S/MIME reader does not take, so
// OpenSSL is given the DER that unwrapSmime recovers from the `response` value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';
import { buildSignedData, unwrapSmime, wrapSmime } from '../../../protocols/spine/cms';
import { commandExists, need, type Requirement } from '../../support/system';
import { testCa } from '../../sandbox/card/fixture';

const openssl: Requirement = { name: 'openssl', check: () => (commandExists('openssl') ? null : 'install openssl') };

for (const digest of ['sha256', 'sha1'] as const) {
  test(`openssl cms -verify accepts the ${digest} S/MIME answer built around a node-forge signature`, (t) => {
    if (!need(t, openssl)) return;
    const dir = mkdtempSync(join(tmpdir(), 'scrip-cms-'));
    try {
      const ca = testCa();
      const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const cert = ca.issueAuthCertificate({ userId: '555123456789', displayName: 'Dr Test', publicKey });
      const challenge = forge.random.getBytesSync(48);
      // Sign as a card would: PKCS#1 v1.5 over the digest of the challenge, with node-forge.
      const key = forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString());
      const md = digest === 'sha256' ? forge.md.sha256.create() : forge.md.sha1.create();
      md.update(challenge);
      const signature = Buffer.from(key.sign(md), 'binary');
      const content = Buffer.from(challenge, 'binary');
      const response = wrapSmime(buildSignedData({ content, certificateDer: cert.der, signature, digest }));
      writeFileSync(join(dir, 'cms.der'), unwrapSmime(response));
      writeFileSync(join(dir, 'ca.pem'), ca.bundlePem());
      execFileSync(
        'openssl',
        [
          'cms',
          '-verify',
          '-inform',
          'DER',
          '-in',
          join(dir, 'cms.der'),
          '-CAfile',
          join(dir, 'ca.pem'),
          '-purpose',
          'any',
          '-binary',
          '-out',
          join(dir, 'content.bin'),
        ],
        { stdio: 'pipe' },
      );
      assert.deepEqual(readFileSync(join(dir, 'content.bin')), content);
      // One changed byte of content and OpenSSL refuses it.
      const tampered = Buffer.from(content);
      tampered[0]! ^= 1;
      writeFileSync(
        join(dir, 'bad.der'),
        buildSignedData({ content: tampered, certificateDer: cert.der, signature, digest }),
      );
      assert.throws(() =>
        execFileSync(
          'openssl',
          [
            'cms',
            '-verify',
            '-inform',
            'DER',
            '-in',
            join(dir, 'bad.der'),
            '-CAfile',
            join(dir, 'ca.pem'),
            '-purpose',
            'any',
            '-binary',
            '-out',
            join(dir, 'x.bin'),
          ],
          { stdio: 'pipe' },
        ),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
