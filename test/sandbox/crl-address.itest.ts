// The sandbox decides its port before its CA issues anything, so every certificate's CRL
// distribution point names the address it really serves; a restart on the same data directory
// comes back on the same address, so older certificates keep pointing at a live CRL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { Agent, get } from 'node:https';
import { startSandbox } from '../../sandbox/server';

function fetchDer(url: string, ca: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    get(url, { agent: new Agent({ ca }) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

test('CRL distribution points name the running sandbox; a restart keeps the address', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'scrip-crl-'));
  try {
    let sb = await startSandbox({ dataDir: dir });
    const first = sb.baseUrl;
    assert.doesNotMatch(first, /:0$/);
    const key = () => generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    const issued = sb.context.ca.issueUserCertificates({
      userId: '555086689106',
      displayName: 'DR CLARE BOIN',
      authPublicKey: key(),
      signPublicKey: key(),
    });
    const crlUrl = `${first}/crl/sign.crl`;
    const der = new X509Certificate(issued.sign.der).raw;
    assert.ok(der.includes(Buffer.from(crlUrl, 'ascii')), `the signing certificate points at ${crlUrl}`);
    const ca = readFileSync(sb.caCertPath, 'utf8');
    const crl = await fetchDer(crlUrl, ca);
    assert.equal(crl.status, 200);
    assert.equal(crl.body[0], 0x30, 'a DER CRL');
    await sb.close();

    sb = await startSandbox({ dataDir: dir });
    try {
      assert.equal(sb.baseUrl, first, 'same address after a restart');
      assert.equal((await fetchDer(crlUrl, ca)).status, 200);
    } finally {
      await sb.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
