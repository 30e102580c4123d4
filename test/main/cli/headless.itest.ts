// A machine with no keychain (CI, a container): `scrip agent --headless` keeps its secrets in a
// 0600 file in the data directory, chosen by name, and hands an admin key to a 0600 file; the CLI
// follows the agent's choice; diagnostics say which store is in use. Without --headless the same
// machine is refused with what to do, never given a silent fallback.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startScrip, type ScripProcess } from '../../e2e/support/scrip-process';
import { noAgentEnv, scrip as runScrip } from '../../support/scrip-cli';

const NO_BUS = { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus', SCRIP_VIRTUAL_CARD: 'off' };
const keyDir = mkdtempSync(join(tmpdir(), 'scrip-headless-'));
const running: ScripProcess[] = [];
after(async () => {
  for (const p of running) await p.stop();
  rmSync(keyDir, { recursive: true, force: true });
});

const scrip = (args: string[], env: Record<string, string>) => runScrip(args, { env: noAgentEnv(env) });

test('scrip agent --headless: the file key store, an admin key in a 0600 file, the CLI and diagnostics follow', async () => {
  const keyFile = join(keyDir, 'admin.key');
  const agent = await startScrip(['agent', '--headless', '--admin-key-file', keyFile], NO_BUS);
  running.push(agent);
  assert.equal(agent.ready.keyStore, 'file', 'the ready line says which store');
  assert.equal(agent.ready.adminKey, keyFile, 'and where the admin key went');
  assert.equal(statSync(keyFile).mode & 0o777, 0o600, 'the admin key file is private');
  const adminKey = readFileSync(keyFile, 'utf8').trim();
  assert.match(adminKey, /^scrip_[0-9a-f]{16}_/, 'an API key');
  const env = { ...NO_BUS, SCRIP_DATA_DIR: agent.dataDir };
  const withKey = await scrip(['readers', 'list', '--json'], { ...env, SCRIP_API_KEY: adminKey });
  assert.equal(withKey.code, 0, `the admin key works: ${withKey.stderr}`);
  // No key given: the CLI makes its own, in the same file store the agent chose.
  const diag = await scrip(['diagnostics', '--json'], env);
  assert.equal(diag.code, 0, `the CLI works with no keychain: ${diag.stderr}`);
  const checks = (JSON.parse(diag.stdout) as { checks: Array<{ name: string; ok: boolean; detail: string }> }).checks;
  const store = checks.find((c) => c.name === 'Key store (API keys)');
  assert.ok(store?.ok, `the key store check passes: ${JSON.stringify(store)}`);
  assert.match(store.detail, /secrets\.json \(SCRIP_KEYCHAIN=file\)/, 'diagnostics name the file store');
  assert.equal(statSync(join(agent.dataDir, 'secrets.json')).mode & 0o777, 0o600, 'the secrets file is private');
});

test('without --headless and with no keychain, the CLI is refused and told about the explicit file store', async () => {
  const agent = await startScrip(['agent'], NO_BUS);
  running.push(agent);
  assert.equal(agent.ready.keyStore, 'os', 'the OS keychain is the default');
  const r = await scrip(['readers', 'list'], { ...NO_BUS, SCRIP_DATA_DIR: agent.dataDir });
  assert.equal(r.code, 22, `no-keychain: ${r.stderr}`);
  assert.match(r.stderr, /SCRIP_KEYCHAIN=file/, 'the way out is named');
  assert.throws(() => statSync(join(agent.dataDir, 'secrets.json')), 'nothing was written to a file');
});

test('--headless with SCRIP_KEYCHAIN=os is a contradiction and refused', async () => {
  const r = await scrip(['agent', '--headless'], {
    ...NO_BUS,
    SCRIP_KEYCHAIN: 'os',
    SCRIP_DATA_DIR: join(keyDir, 'x'),
  });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /--headless keeps secrets in a file, but SCRIP_KEYCHAIN is "os"/, r.stderr);
});
