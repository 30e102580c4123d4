// The PKCS#11 tier's pure parts: the driver table, PIN state from token flags, which certificate is
// which (with the sandbox CA's issuance), ECDSA r||s to DER, and where modules are looked for.
import { strict as assert } from 'node:assert';
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { describe, test } from 'node:test';
import { builtInRules, chooseDriver, driverTable } from '../../../main/card/driver-table';
import { certificateRole } from '../../../main/card/card-certificates';
import { CKF, ecdsaRawToDer, pairCertificates, pinFromFlags, pkcs11ToScrip } from '../../../main/card/pkcs11-driver';
import { discoverModules, readManaged } from '../../../main/card/pkcs11-tokens';
import { Pkcs11Error } from '../../../native/pkcs11/pkcs11-module';
import { issueCard } from '../../../sandbox/card/issue';
import { testCa } from '../../sandbox/card/fixture';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const VIRTUAL = '3B88800153637269705049561D';
const JCOP = '3BF91800008131FE454A434F503431563232AF';

describe('driver table', () => {
  test('ATR rows send cards to PIV or mark them unsupported; unknown cards are probed', () => {
    assert.deepEqual(
      chooseDriver(builtInRules, { atr: VIRTUAL, ownedBy: null }),
      { driver: 'piv', rule: 'Scrip virtual PIV card' },
      'the virtual card is PIV',
    );
    assert.equal(
      chooseDriver(builtInRules, { atr: JCOP, ownedBy: null }).driver,
      'unsupported',
      'JCOP41 NHS cards are not PIV',
    );
    assert.equal(
      chooseDriver(builtInRules, { atr: '3B00', ownedBy: null }).driver,
      'probe',
      'an unknown card is probed',
    );
  });

  test('a configured module claims cards by ATR (or all) ahead of the built-in rows, and always its own slots', () => {
    const table = driverTable([
      { path: '/m/vendor.so', name: 'vendor.so', cards: [{ atr: JCOP }] },
      { path: '/m/softhsm.so', name: 'softhsm.so', cards: 'none' },
    ]);
    assert.deepEqual(
      chooseDriver(table, { atr: JCOP, ownedBy: null }),
      { driver: 'pkcs11', module: '/m/vendor.so', rule: 'vendor.so' },
      'the vendor module takes the JCOP card',
    );
    assert.equal(chooseDriver(table, { atr: VIRTUAL, ownedBy: null }).driver, 'piv', 'other cards keep their rows');
    assert.deepEqual(
      chooseDriver(table, { atr: null, ownedBy: '/m/softhsm.so' }),
      { driver: 'pkcs11', module: '/m/softhsm.so', rule: 'softhsm.so' },
      'a token reader goes to its module',
    );
    assert.equal(
      chooseDriver(table, { atr: null, ownedBy: '/m/gone.so' }).driver,
      'unsupported',
      'a module no longer configured takes nothing',
    );
    const all = driverTable([{ path: '/m/opensc.so', name: 'opensc.so', cards: 'all' }]);
    assert.equal(
      chooseDriver(all, { atr: VIRTUAL, ownedBy: null }).driver,
      'pkcs11',
      '"all" claims every card, PIV ones too',
    );
  });
});

describe('PIN state from token flags', () => {
  test('low, final try and locked are shown before typing; the PIN pad flag is passed on', () => {
    assert.deepEqual(
      pinFromFlags(0, false),
      { retriesLeft: 3, maxRetries: 3, blocked: false, verified: false, source: 'token-flags', pinPad: false },
      'no flags: all tries',
    );
    assert.equal(pinFromFlags(CKF.USER_PIN_COUNT_LOW, false).retriesLeft, 2, 'count low: fewer than all');
    assert.equal(pinFromFlags(CKF.USER_PIN_COUNT_LOW | CKF.USER_PIN_FINAL_TRY, false).retriesLeft, 1, 'final try: one');
    const locked = pinFromFlags(CKF.USER_PIN_LOCKED, true);
    assert.equal(locked.blocked, true, 'locked is blocked');
    assert.equal(locked.verified, false, 'a locked PIN is never verified');
    assert.equal(
      pinFromFlags(CKF.PROTECTED_AUTHENTICATION_PATH, false).pinPad,
      true,
      'protected authentication path: PIN pad',
    );
  });

  test("PKCS#11 return values become the app's errors", () => {
    const e = (ckr: string) => pkcs11ToScrip(new Pkcs11Error({ ckr, code: 0, message: ckr, step: 'C_Login' })).code;
    assert.equal(e('CKR_PIN_LOCKED'), 'pin-blocked', 'locked');
    assert.equal(e('CKR_DEVICE_REMOVED'), 'card-removed', 'removed');
    assert.equal(e('CKR_TOKEN_NOT_PRESENT'), 'card-removed', 'not present');
    assert.equal(e('CKR_PIN_LEN_RANGE'), 'pin-format', 'length');
    assert.equal(e('CKR_FUNCTION_NOT_SUPPORTED'), 'unsupported-card', 'not allowed by the token');
  });
});

describe('certificates', () => {
  test("the sandbox CA's certificates say which is which; keys are paired by CKA_ID, not usage", () => {
    const ca = testCa();
    const card = issueCard({ userId: '555086689106', displayName: 'DR CLARE BOIN', pin: '123456', ca }).card;
    const auth = Buffer.from(card.keys['9a'].certificateDer, 'hex');
    const signing = Buffer.from(card.keys['9c'].certificateDer, 'hex');
    assert.equal(certificateRole(auth), 'auth', 'clientAuth / digitalSignature: authentication');
    assert.equal(certificateRole(signing), 'sign', 'nonRepudiation: signing');
    // Stored in any order, with any IDs: the pairing follows the certificates.
    const p = pairCertificates([
      { id: 'aa', label: 'x', der: signing },
      { id: 'bb', label: 'y', der: auth },
    ]);
    assert.equal(p.auth?.id, 'bb', 'auth by content');
    assert.equal(p.sign?.id, 'aa', 'sign by content');
    assert.equal(certificateRole(new Uint8Array([0x30, 0x00])), null, 'malformed: no role');
  });
});

test('ECDSA r||s from PKCS#11 becomes DER that verifies', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  for (let i = 0; i < 20; i++) {
    const data = Buffer.from(`message ${i}`);
    const raw = sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
    assert.ok(verify('sha256', data, publicKey, Buffer.from(ecdsaRawToDer(raw))), `DER form ${i} verifies`);
  }
});

test('modules are found in the usual places; managed configuration is read or its fault named', () => {
  assert.deepEqual(
    discoverModules('linux', (p) => p === '/usr/lib/softhsm/libsofthsm2.so'),
    ['/usr/lib/softhsm/libsofthsm2.so'],
    'SoftHSM2 on Debian',
  );
  assert.deepEqual(
    discoverModules('plan9', () => true),
    [],
    'an unknown OS has no usual places',
  );
  const dir = mkdtempSync(join(tmpdir(), 'scrip-managed-'));
  try {
    assert.deepEqual(readManaged(join(dir, 'absent.json')), { modules: [], error: null }, 'no file: no modules');
    writeFileSync(
      join(dir, 'm.json'),
      JSON.stringify({ modules: [{ path: '/opt/vendor/p11.so', cards: [{ atr: JCOP }] }] }),
    );
    assert.deepEqual(
      readManaged(join(dir, 'm.json')).modules,
      [{ path: '/opt/vendor/p11.so', cards: [{ atr: JCOP }] }],
      "the administrator's module",
    );
    writeFileSync(join(dir, 'bad.json'), '{"modules": [{"cards": 3}]}');
    const bad = readManaged(join(dir, 'bad.json'));
    assert.deepEqual(bad.modules, [], 'a malformed file gives no modules');
    assert.match(String(bad.error), /bad\.json/, 'and names the file');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
