// The OS keychain wrapper against a real Secret Service (gnome-keyring in a private D-Bus session,
// started by scripts/with-session-bus.sh), checked with libsecret's own secret-tool.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { repoRoot } from '../../e2e/support/scrip-process';
import { osKeychain, KeychainUnavailableError } from '../../../native/keychain/keychain';
import { need, requirements, commandExists } from '../../support/system';

test('stores, reads and deletes a secret in the Secret Service, visible to secret-tool', async (t) => {
  if (!need(t, requirements.secretService)) return;
  const kc = osKeychain('scrip-test');
  const account = `acct-${randomBytes(4).toString('hex')}`;
  const secret = randomBytes(16).toString('base64url');
  assert.equal(kc.get(account), null);
  kc.set(account, secret);
  assert.equal(kc.get(account), secret);
  assert.equal(await kc.getAsync!(account), secret);
  assert.equal(await kc.getAsync!(`${account}-none`), null);
  if (commandExists('secret-tool')) {
    assert.equal(
      execFileSync('secret-tool', ['lookup', 'service', 'scrip-test', 'username', account], {
        encoding: 'utf8',
      }).trim(),
      secret,
    );
  }
  assert.equal(kc.delete(account), true);
  assert.equal(kc.get(account), null);
});

test('with no Secret Service reachable, it says so and stores nothing', (t) => {
  if (!need(t, requirements.secretService)) return;
  const saved = process.env.DBUS_SESSION_BUS_ADDRESS;
  try {
    // A child process with no session bus: the keychain must refuse, not fall back to a file.
    const out = execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `
      import('${new URL('../../../native/keychain/keychain.ts', import.meta.url).pathname}').then(({ osKeychain, KeychainUnavailableError }) => {
        // get first: @napi-rs/keyring would otherwise fall back to the kernel's keyutils and "store" it there.
        try { osKeychain('scrip-test').get('x'); osKeychain('scrip-test').set('x', 'y'); console.log('stored'); } catch (e) { console.log(e instanceof KeychainUnavailableError ? 'unavailable' : 'other: ' + e.message); }
        osKeychain('scrip-test').getAsync('x').then(() => console.log('read'), (e) => console.log(e instanceof KeychainUnavailableError ? 'unavailable' : 'other: ' + e.message));
      });`,
      ],
      { encoding: 'utf8', env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' } },
    ).trim();
    assert.equal(out, 'unavailable\nunavailable');
  } finally {
    process.env.DBUS_SESSION_BUS_ADDRESS = saved;
  }
  void KeychainUnavailableError;
});

// `scrip api-key create` with no agent running works on the data directory directly (main/cli).
function cli(args: string[], env: Record<string, string>): { code: number; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync(process.execPath, [join(repoRoot, 'bin', 'scrip.mjs'), ...args], {
      encoding: 'utf8',
      env: { ...process.env, SCRIP_API_KEY: '', SCRIP_URL: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { code: 0, stdout, stderr: '' };
  } catch (e) {
    const err = e as { status: number; stdout: string; stderr: string };
    return { code: err.status, stdout: err.stdout, stderr: err.stderr };
  }
}

test('an API key made by the CLI is an HMAC under a secret that exists only in the Secret Service', (t) => {
  if (!need(t, requirements.secretService)) return;
  const dataDir = mkdtempSync(join(tmpdir(), 'scrip-kc-'));
  try {
    const r = cli(['api-key', 'create', '--name', 'itest', '--scopes', 'read', '--json'], { SCRIP_DATA_DIR: dataDir });
    assert.equal(r.code, 0, r.stderr);
    const { key } = JSON.parse(r.stdout) as { key: string };
    const account = `api-key-secret:${dataDir}`;
    const stored = osKeychain('scrip').get(account);
    assert.ok(stored, 'the signing secret is in the keychain');
    const db = new Database(join(dataDir, 'scrip.db'), { readonly: true });
    const row = db.prepare('SELECT secret_hash, hash_kind FROM api_keys').get() as {
      secret_hash: Buffer;
      hash_kind: string;
    };
    db.close();
    assert.equal(row.hash_kind, 'hmac-sha256');
    assert.deepEqual(
      row.secret_hash,
      createHmac('sha256', Buffer.from(stored, 'base64url'))
        .update(key.slice('scrip_0123456789abcdef_'.length))
        .digest(),
    );
    // Nothing in the data directory holds the secret.
    for (const f of readdirSync(dataDir))
      assert.ok(!readFileSync(join(dataDir, f)).includes(stored), `${f} holds the secret`);
    osKeychain('scrip').delete(account);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('with no Secret Service, "scrip api-key create" refuses, says what is missing and writes no key', (t) => {
  if (!need(t, requirements.secretService)) return;
  const dataDir = mkdtempSync(join(tmpdir(), 'scrip-kc-'));
  try {
    const r = cli(['api-key', 'create', '--name', 'itest'], {
      SCRIP_DATA_DIR: dataDir,
      DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus',
    });
    assert.equal(r.code, 22, r.stderr);
    assert.match(r.stderr, /API keys cannot be created or checked/);
    assert.match(
      r.stderr,
      /not fall back to keeping this secret in a file/,
      'the refusal says Scrip will not quietly use a file',
    );
    const db = new Database(join(dataDir, 'scrip.db'), { readonly: true });
    assert.equal(db.prepare('SELECT COUNT(*) FROM api_keys').pluck().get(), 0);
    db.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
