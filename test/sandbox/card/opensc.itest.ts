// Proof against software no one on this project wrote: OpenSC (pkcs15-tool, pkcs11-tool),
// openssl and yubico-piv-tool drive the virtual card through pcscd + vpcd (slot 35964).
// Tools run asynchronously: the card is served by this process's event loop.
import { strict as assert } from 'node:assert';
import { randomInt } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { commandExists, need, requirements } from '../../support/system';
import { newCard, PIN } from './fixture';
import { insertVirtualCard, READER, run, type VirtualCardHandle } from './vpcd-harness';

const MODULE = '/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so';
const yubico = {
  name: 'yubico-piv-tool',
  check: () => (commandExists('yubico-piv-tool') ? null : 'install yubico-piv-tool'),
};
const openssl = { name: 'openssl', check: () => (commandExists('openssl') ? null : 'install openssl') };

async function tool(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  try {
    const r = await run(cmd, args, { timeout: 60_000 });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof x.code === 'number' ? x.code : 1, out: (x.stdout ?? '') + (x.stderr ?? '') };
  }
}

describe('virtual card with OpenSC, openssl and yubico-piv-tool', { timeout: 180_000 }, () => {
  let vc: VirtualCardHandle | null = null;
  const userId = String(randomInt(100_000_000_000, 999_999_999_999));
  const file = () => join(dirname(vc!.path), 'x');

  before(async () => {
    if (requirements.pcscd.check() || requirements.opensc.check()) return;
    vc = await insertVirtualCard(newCard({ userId, displayName: 'Dr Open Source' }));
  });
  after(async () => {
    await vc?.stop();
  });

  test('pkcs15-tool lists both certificates', async (t) => {
    if (!need(t, requirements.pcscd, requirements.opensc) || !vc) return;
    const r = await tool('pkcs15-tool', ['--reader', READER, '--list-certificates']);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /Certificate for PIV Authentication/);
    assert.match(r.out, /Certificate for Digital Signature/);
    assert.match(r.out, /ID\s+: 01/);
    assert.match(r.out, /ID\s+: 02/);
  });

  test('pkcs11-tool signs SHA256-RSA-PKCS with the signing key and openssl verifies it', async (t) => {
    if (!need(t, requirements.pcscd, requirements.opensc, openssl) || !vc) return;
    const base = file();
    writeFileSync(`${base}.txt`, 'prescription 1234');
    const cert = await tool('pkcs15-tool', ['--reader', READER, '--read-certificate', '02', '--output', `${base}.crt`]);
    assert.equal(cert.code, 0, cert.out);
    const sign = await tool('pkcs11-tool', [
      '--module',
      MODULE,
      '--token-label',
      userId,
      '--login',
      '--pin',
      PIN,
      '--sign',
      '--mechanism',
      'SHA256-RSA-PKCS',
      '--id',
      '02',
      '-i',
      `${base}.txt`,
      '-o',
      `${base}.sig`,
    ]);
    assert.equal(sign.code, 0, sign.out);
    const pub = await tool('openssl', ['x509', '-in', `${base}.crt`, '-pubkey', '-noout', '-out', `${base}.pub`]);
    assert.equal(pub.code, 0, pub.out);
    const v = await tool('openssl', [
      'dgst',
      '-sha256',
      '-verify',
      `${base}.pub`,
      '-signature',
      `${base}.sig`,
      `${base}.txt`,
    ]);
    assert.equal(v.code, 0, v.out);
    assert.match(v.out, /Verified OK/);
    const subject = await tool('openssl', ['x509', '-in', `${base}.crt`, '-noout', '-subject']);
    assert.match(subject.out, new RegExp(`O ?= ?nhs, OU ?= ?people, CN ?= ?${userId}`));
  });

  test('a wrong PIN is refused and the retry counter drops', async (t) => {
    if (!need(t, requirements.pcscd, requirements.opensc) || !vc) return;
    const before = vc.file().pin.tries;
    const r = await tool('pkcs11-tool', [
      '--module',
      MODULE,
      '--token-label',
      userId,
      '--login',
      '--pin',
      '000000',
      '--sign',
      '--mechanism',
      'SHA256-RSA-PKCS',
      '--id',
      '01',
      '-i',
      `${file()}.txt`,
      '-o',
      `${file()}.bad`,
    ]);
    assert.notEqual(r.code, 0);
    assert.match(r.out, /CKR_PIN_INCORRECT/);
    assert.equal(vc.file().pin.tries, before - 1);
    if (yubico.check()) return;
    // the card reports the lower count to any program that asks (VERIFY without data)
    const status = await tool('yubico-piv-tool', ['-r', READER, '-a', 'status']);
    assert.match(status.out, new RegExp(`PIN tries left:\\s+${before - 1}`), status.out);
  });

  test('yubico-piv-tool -a status reads the objects', async (t) => {
    if (!need(t, requirements.pcscd, yubico) || !vc) return;
    const r = await tool('yubico-piv-tool', ['-r', READER, '-a', 'status']);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /CHUID:\s+3019d4e739da/);
    assert.match(r.out, /Slot 9a:[\s\S]*Subject DN:\s+O=nhs, OU=people, CN=\d{12}/);
    assert.match(r.out, /Slot 9c:[\s\S]*Issuer DN:\s+C=GB, O=nhs, OU=CA, CN=Scrip Sandbox Signing G2/);
    assert.match(r.out, /PIN tries left:\s+\d/);
  });

  test('pkcs11-tool --list-objects: NHS-like key usages, the "decrypt" OpenSC adds to every RSA key, and which key a client\'s rule picks', async (t) => {
    if (!need(t, requirements.pcscd, requirements.opensc, openssl) || !vc) return;
    // The certificates say what an NHS card's say (read by openssl, not by Scrip).
    for (const [id, usage] of [
      ['01', /Digital Signature, Key Encipherment/],
      ['02', /Non Repudiation/],
    ] as const) {
      const out = `${file()}-${id}.crt`;
      assert.equal(
        (await tool('pkcs15-tool', ['--reader', READER, '--read-certificate', id, '--output', out])).code,
        0,
        `certificate ${id} read`,
      );
      const text = (await tool('openssl', ['x509', '-in', out, '-noout', '-ext', 'keyUsage'])).out;
      assert.match(text, usage, `certificate ${id} key usage: ${text}`);
      if (id === '02')
        assert.doesNotMatch(text, /Digital Signature/, 'the signing certificate is for non-repudiation only');
    }
    const r = await tool('pkcs11-tool', [
      '--module',
      MODULE,
      '--token-label',
      userId,
      '--login',
      '--pin',
      PIN,
      '--list-objects',
      '--type',
      'privkey',
    ]);
    assert.equal(r.code, 0, r.out);
    const keys = [
      ...r.out.matchAll(/Private Key Object;[\s\S]*?ID:\s+(\w+)\s+Usage:\s+([^\n]*)\s+Access:\s+([^\n]*)/g),
    ].map((m) => ({ id: m[1]!, usage: m[2]!.split(', '), access: m[3]! }));
    assert.deepEqual(
      keys.map((k) => k.id),
      ['01', '02'],
      `both private keys listed, in PIV order: ${r.out}`,
    );
    const [auth, sign] = keys as [(typeof keys)[0], (typeof keys)[0]];
    assert.ok(
      auth.usage.includes('sign') && auth.usage.includes('unwrap') && !auth.usage.includes('non-repudiation'),
      `PIV AUTH key: ${auth.usage.join(', ')}`,
    );
    assert.ok(
      sign.usage.includes('non-repudiation') && !sign.usage.includes('unwrap'),
      `SIGN key: ${sign.usage.join(', ')}`,
    );
    assert.match(sign.access, /always authenticate/, 'the signing key needs the PIN for every signature');
    // What OpenSC does regardless of the certificate (pkcs15-piv.c, marked "extra" there): any RSA
    // key whose certificate allows digitalSignature or nonRepudiation is also "decrypt".
    assert.ok(auth.usage.includes('decrypt') && sign.usage.includes('decrypt'), 'OpenSC marks both RSA keys decrypt');
    // So NHSbuntu's rule — the last private key with CKA_DECRYPT — lands on the signing key through
    // OpenSC (its agent was written against a middleware that did not mark it so); a rule that
    // reads the usages OpenSC keeps from the certificates finds the authentication key.
    const lastDecrypt = keys.filter((k) => k.usage.includes('decrypt')).at(-1)?.id;
    assert.equal(
      lastDecrypt,
      '02',
      'through OpenSC the "last key that can decrypt" rule picks the signing key (docs/architecture.md, Sandbox)',
    );
    const notNonRepudiation = keys
      .filter((k) => k.usage.includes('sign') && !k.usage.includes('non-repudiation'))
      .map((k) => k.id);
    assert.deepEqual(
      notNonRepudiation,
      ['01'],
      'the one signing key that is not for non-repudiation is the authentication key',
    );
  });
});
