// The OS keychain wrapper against a real Secret Service (gnome-keyring in a private D-Bus session,
// started by scripts/with-session-bus.sh), checked with libsecret's own secret-tool.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { osKeychain, KeychainUnavailableError } from '../../../native/keychain/keychain';
import { need, requirements, commandExists } from '../../support/system';

test('stores, reads and deletes a secret in the Secret Service, visible to secret-tool', (t) => {
  if (!need(t, requirements.secretService)) return;
  const kc = osKeychain('scrip-test');
  const account = `acct-${randomBytes(4).toString('hex')}`;
  const secret = randomBytes(16).toString('base64url');
  assert.equal(kc.get(account), null);
  kc.set(account, secret);
  assert.equal(kc.get(account), secret);
  if (commandExists('secret-tool')) {
    assert.equal(execFileSync('secret-tool', ['lookup', 'service', 'scrip-test', 'username', account], { encoding: 'utf8' }).trim(), secret);
  }
  assert.equal(kc.delete(account), true);
  assert.equal(kc.get(account), null);
});

test('with no Secret Service reachable, it says so and stores nothing', (t) => {
  if (!need(t, requirements.secretService)) return;
  const saved = process.env.DBUS_SESSION_BUS_ADDRESS;
  try {
    // A child process with no session bus: the keychain must refuse, not fall back to a file.
    const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', `
      import('${new URL('../../../native/keychain/keychain.ts', import.meta.url).pathname}').then(({ osKeychain, KeychainUnavailableError }) => {
        try { osKeychain('scrip-test').set('x', 'y'); console.log('stored'); } catch (e) { console.log(e instanceof KeychainUnavailableError ? 'unavailable' : 'other: ' + e.message); }
      });`], { encoding: 'utf8', env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' } }).trim();
    assert.equal(out, 'unavailable');
  } finally {
    process.env.DBUS_SESSION_BUS_ADDRESS = saved;
  }
  void KeychainUnavailableError;
});
