// The headless key store: chosen by name only (SCRIP_KEYCHAIN=file), secrets in a 0600 file in a
// 0700 directory, refused when others can read it; any other SCRIP_KEYCHAIN value is refused.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileKeychain, keyStoreFor, keyStoreFile, KeychainUnavailableError } from '../../../native/keychain/keychain';
import { openStores } from '../../../main/app';

const dir = mkdtempSync(join(tmpdir(), 'scrip-filekc-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('stores, reads and deletes secrets in a 0600 file under a 0700 directory', () => {
  const file = join(dir, 'data', 'secrets.json');
  const kc = fileKeychain(file);
  assert.equal(kc.get('a'), null, 'nothing at first');
  kc.set('a', 's1');
  kc.set('b', 's2');
  assert.equal(kc.get('a'), 's1', 'read back');
  assert.equal(statSync(file).mode & 0o777, 0o600, 'the file is private');
  assert.equal(statSync(join(dir, 'data')).mode & 0o777, 0o700, 'the directory is private');
  assert.equal(kc.delete('a'), true, 'deleted');
  assert.equal(kc.delete('a'), false, 'already gone');
  assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { b: 's2' }, 'only b is left');
  chmodSync(file, 0o644);
  assert.throws(
    () => kc.get('b'),
    (e: unknown) => e instanceof KeychainUnavailableError && /can be read by other users/.test(e.message),
    'a readable file is refused',
  );
});

test('the store is the OS keychain unless SCRIP_KEYCHAIN=file names the file one; a typo is refused', () => {
  assert.equal(keyStoreFor(dir, {}).kind, 'os', 'the default is the OS keychain');
  const f = keyStoreFor(dir, { SCRIP_KEYCHAIN: 'file' });
  assert.equal(f.kind, 'file', 'file when asked by name');
  assert.match(f.where, new RegExp(`${keyStoreFile(dir).replace(/[.]/g, '\\.')}`), 'says where');
  assert.throws(
    () => keyStoreFor(dir, { SCRIP_KEYCHAIN: 'plain' }),
    /SCRIP_KEYCHAIN is "plain"; it takes "os" \(the default\) or "file"/,
    'refused, naming the value',
  );
});

test('API keys made and checked under the file store; diagnostics name the store', () => {
  const data = join(dir, 'apidata');
  const store = keyStoreFor(data, { SCRIP_KEYCHAIN: 'file' });
  const { db, apiKeys } = openStores(data, store);
  try {
    const { key } = apiKeys.create('ci', ['admin']);
    assert.ok(apiKeys.authenticate(key), 'the key checks');
    const status = apiKeys.keychainStatus();
    assert.equal(status.available, true, 'available');
    assert.match(status.detail, /secrets\.json \(SCRIP_KEYCHAIN=file\)/, status.detail);
  } finally {
    db.close();
  }
});
