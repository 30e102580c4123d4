// A keypad token (protected authentication path) whose private key is hidden until login
// (CKA_PRIVATE, as SoftHSM2 keeps it): a signature asked for while the token is not logged in is
// reached through a login on the reader's keypad, not refused with "needs the passcode". Real
// SoftHSM2 behind the PIN-pad shim (test/support/pinpad-shim.c: a C_Login carrying a PIN is
// refused; one without takes what is "typed on the keypad"), in-process Pkcs11Tokens and driver.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createVerify, X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox } from '../../../sandbox/server';
import { Pkcs11Tokens } from '../../../main/card/pkcs11-tokens';
import { Pkcs11Driver } from '../../../main/card/pkcs11-driver';
import { softHsmDir, softHsmTokenFor, SOFTHSM_MODULE, type SoftHsmDir } from '../../support/softhsm-token';
import { buildPinPadShim } from '../../support/pinpad-shim';

const PIN = '482913';
let hsm: SoftHsmDir, dataDir: string, shim: string;
const tokens = new Pkcs11Tokens({ pollMs: 200 });

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'scrip-keypad-'));
  // The token's keys and certificates are issued by a sandbox CA, as in the other PKCS#11 tests.
  const sb = await startSandbox({ dataDir: join(dataDir, 'sandbox') });
  await sb.close();
  hsm = softHsmDir();
  softHsmTokenFor(hsm, dataDir, { pin: PIN });
  shim = buildPinPadShim(hsm.dir);
  writeFileSync(join(hsm.dir, 'keypad-pin'), PIN, { mode: 0o600 });
  // Read by SoftHSM2 and the shim in the module's worker, which inherits this environment.
  process.env.SOFTHSM2_CONF = hsm.conf;
  process.env.SCRIP_PINPAD_MODULE = SOFTHSM_MODULE;
  process.env.SCRIP_PINPAD_PIN_FILE = join(hsm.dir, 'keypad-pin');
  process.env.SCRIP_PINPAD_LOG = join(hsm.dir, 'keypad.log');
  await tokens.configure([{ path: shim, cards: 'none' }], { modules: [], error: null });
});
after(async () => {
  await tokens.dispose();
  hsm?.remove();
  rmSync(dataDir, { recursive: true, force: true });
});

const keypadLog = () =>
  existsSync(join(hsm.dir, 'keypad.log')) ? readFileSync(join(hsm.dir, 'keypad.log'), 'utf8').trim() : '';

test('a key hidden until login on a keypad token: the signature logs in on the keypad, with no PIN from Scrip', async () => {
  const loaded = tokens.list()[0];
  assert.ok(loaded?.module, `the shim module loaded: ${loaded?.error ?? 'no module'}`);
  const reader = tokens.snapshots([]).find((r) => r.present)?.name;
  assert.ok(reader, 'the SoftHSM2 token shows as a reader');
  const target = await tokens.target(shim, reader);
  assert.ok(target, 'the token is found');
  const driver = new Pkcs11Driver(target.module, target.slot, target.token);
  assert.equal((await driver.pinInfo()).pinPad, true, 'the token says it has a protected authentication path');
  assert.equal(keypadLog(), '', 'nothing typed on the keypad yet: not logged in');
  const hash = createHash('sha256').update('a prescription').digest();
  const signature = await driver.sign('sign', { hash, algorithm: 'sha256' });
  assert.match(keypadLog(), /keypad login user=1/, 'the login was on the keypad');
  const cert = new X509Certificate(await driver.certificate('sign'));
  assert.ok(
    createVerify('sha256').update('a prescription').verify(cert.publicKey, Buffer.from(signature)),
    'the signature verifies with the signing certificate',
  );
});
