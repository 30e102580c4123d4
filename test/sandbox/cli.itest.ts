// `scrip sandbox …` as a supplier runs it: the ready line, users, scripted tokens the services
// accept, revocation seen by the broker's CRL, and a restart that loses nothing.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { once } from 'node:events';
import { randomUUID, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { openTestCa } from '../../sandbox/ca';
import { httpsClient } from './support/sandbox-client';

const root = new URL('../..', import.meta.url).pathname;
const scrip = join(root, 'bin', 'scrip.mjs');
const dir = mkdtempSync(join(tmpdir(), 'scrip-sandbox-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [scrip, 'sandbox', ...args], { timeout: 30_000 });
    return { code: 0, out: stdout, err: stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof x.code === 'number' ? x.code : 1, out: x.stdout ?? '', err: x.stderr ?? '' };
  }
}

async function runServer(): Promise<{ baseUrl: string; caCertPath: string; dataDir: string; stop(): Promise<number | null> }> {
  const child = spawn(process.execPath, [scrip, 'sandbox', '--data', dir, '--port', '0', '--clock', '2026-11-22T10:00:00Z'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const [first] = (await once(lines, 'line')) as [string];
  clearTimeout(timer);
  const ready = JSON.parse(first) as { baseUrl: string; caCertPath: string; dataDir: string };
  return { ...ready, async stop() { child.kill('SIGTERM'); const [code] = (await once(child, 'exit')) as [number | null]; return code; } };
}

test('the sandbox prints one JSON line when ready, serves HTTPS on its own CA, and stops on SIGTERM', async () => {
  const sb = await runServer();
  assert.match(sb.baseUrl, /^https:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(sb.dataDir, dir);
  assert.match(new X509Certificate(readFileSync(sb.caCertPath)).subject, /Root Authority G2/);
  const status = JSON.parse((await httpsClient(sb.baseUrl, sb.caCertPath)('/_status')).body);
  assert.equal(status.clock, '2026-11-22T10:00:00.000Z');
  assert.equal(await sb.stop(), 0);
});

test('users are printed as JSON, and edits to users.json are used', async () => {
  const r = await cli('users', '--data', dir);
  assert.equal(r.code, 0, r.err);
  const d = JSON.parse(r.out) as { users: Array<{ id: string; roles: Array<{ id: string; orgCode: string; jobRoleCode: string; activities: string[] }> }> };
  const gp = d.users.find((u) => u.roles.length === 2)!;
  assert.notEqual(gp.roles[0]!.orgCode, gp.roles[1]!.orgCode, 'a GP with roles at two organisations');
  assert.ok(d.users.some((u) => u.roles.some((x) => x.activities.includes('B0570') && x.orgCode === 'FCG71')), 'a pharmacist at FCG71');
  assert.ok(d.users.some((u) => u.roles.every((x) => !x.activities.some((a) => ['B0278', 'B0420', 'B0058'].includes(a)))), 'an admin who cannot prescribe');
  for (const u of d.users) { assert.match(u.id, /^\d{12}$/); for (const x of u.roles) { assert.match(x.id, /^\d{12}$/); assert.match(x.jobRoleCode, /^S\d{4}:G\d{4}:R\d{4}$/); } }
  const file = join(dir, 'users.json');
  const edited = JSON.parse(readFileSync(file, 'utf8'));
  edited.users.push({ id: '555000000001', name: { given: ['ADA'], family: 'NEW' }, telecom: '0', roles: [{ id: '200000000001', orgCode: 'FCG71', jobRoleCode: 'S8000:G8000:R8003', jobRoleName: 'x', activities: ['B0570'] }] });
  writeFileSync(file, JSON.stringify(edited));
  assert.ok(JSON.parse((await cli('users', '--data', dir)).out).users.some((u: { id: string }) => u.id === '555000000001'));
});

test('a scripted token is accepted like a card login, and survives a restart', async () => {
  const t = await cli('token', '--data', dir, '--user', '555086691101', '--role', '200102240002', '--clock', '2026-11-22T10:00:00Z');
  assert.equal(t.code, 0, t.err);
  const s = JSON.parse(t.out) as { token: string; roleProfileId: string; expiresAt: string };
  assert.equal(s.roleProfileId, '200102240002');
  assert.equal(s.expiresAt, '2026-11-22T22:00:00.000Z');
  assert.equal((await cli('token', '--data', dir, '--user', '555086691101', '--role', '200102238987')).code, 2, 'a role the user does not hold');
  for (let run = 0; run < 2; run++) {
    const sb = await runServer();
    const send = httpsClient(sb.baseUrl, sb.caCertPath);
    const r = await send('/Patient/9449305552', { headers: { authorization: `Bearer ${s.token}`, 'nhsd-session-urid': s.roleProfileId, 'x-request-id': randomUUID() } });
    assert.equal(r.status, 200, `run ${run}: ${r.body}`);
    const log = JSON.parse((await send('/_log?since=0')).body) as { exchanges: Array<{ path: string; request: string }> };
    assert.equal(log.exchanges.filter((e) => e.path === '/Patient/9449305552').length, run + 1, 'the message log persists across restarts');
    assert.ok(!JSON.stringify(log).includes(s.token));
    assert.equal(await sb.stop(), 0);
  }
});

test('revoke puts every certificate of a user on the CRL the sandbox publishes', async () => {
  const ca = openTestCa(join(dir, 'ca'));
  const cert = ca.issueAuthCertificate({ userId: '555086690109', displayName: 'MRS JANE SMITH', publicKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey });
  assert.equal((await cli('revoke', '--data', dir, '--user', '555999999998')).code, 2);
  const r = await cli('revoke', '--data', dir, '--user', '555086690109');
  assert.equal(r.code, 0, r.err);
  assert.ok((JSON.parse(r.out) as { revoked: string[] }).revoked.includes(cert.serial));
  const sb = await runServer();
  try {
    const crl = await httpsClient(sb.baseUrl, sb.caCertPath)('/crl/auth.crl');
    assert.equal(crl.status, 200);
    assert.equal(crl.headers['content-type'], 'application/pkix-crl');
  } finally {
    assert.equal(await sb.stop(), 0);
  }
  assert.ok(openTestCa(join(dir, 'ca')).isRevoked(cert.serial));
});
