// What a supplier's shared sandbox must survive (issue 11), each over real HTTPS on loopback: the
// log behind a session or the admin secret and bounded in bytes, the clock's range, failures to log
// surfaced, idempotency keys no header can forge, redaction of decoded requests, non-XML characters
// refused, ::1 as an IP address, forward-secret AEAD TLS only (checked with openssl s_client), a
// TLS handshake timeout, activities for $prepare and $convert, 415 on FHIR routes, session tokens
// kept as hashes only, and a data directory only its owner can write.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, statSync, chmodSync, existsSync, readdirSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type RunningSandbox } from '../../sandbox/server';
import type { RouteModule } from '../../sandbox/http/context';
import { DataDirError } from '../../sandbox/store/data-dir';
import { ClockRangeError } from '../../sandbox/clock';
import { encodeGpObject } from '../../protocols/spine/gpobject';
import { httpsClient } from './support/sandbox-client';
import { need, requirements } from '../support/system';
import { epsAcuteExample } from '../support/fixtures';

const GP = { user: '555086689106', role: '200102238987' };
const ADMIN = { user: '555086692103', role: '200102240003' };
const PHARMACIST = { user: '555086691101', role: '200102240002' };
const example = epsAcuteExample;

const boom: RouteModule = () => [
  {
    method: 'GET',
    path: '/_test/boom',
    handle: () => {
      throw new Error('a sandbox bug, on purpose');
    },
  },
];

let sb: RunningSandbox;
let send: ReturnType<typeof httpsClient>;
let dir: string;
const logFailures: string[] = [];
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'scrip-hardening-'));
  // Whoever creates the files (even with a umask that would give them to everyone) makes them private.
  const umask = process.umask(0);
  try {
    sb = await startSandbox({
      dataDir: join(dir, 'data'),
      clock: '2026-11-22T10:00:00Z',
      routes: [boom],
      onLogFailure: (l) => logFailures.push(l),
      handshakeTimeoutMs: 1500,
    });
  } finally {
    process.umask(umask);
  }
  send = httpsClient(sb.baseUrl, sb.caCertPath);
});
after(async () => {
  await sb.close();
  rmSync(dir, { recursive: true, force: true });
});

const session = (who: { user: string; role: string }): string => {
  const s = sb.context.broker.scriptedSession(who.user, who.role);
  assert.ok(typeof s !== 'string', String(s));
  return s.token;
};
const as = (who: { user: string; role: string }, extra: Record<string, string> = {}) => ({
  authorization: `Bearer ${session(who)}`,
  'nhsd-session-urid': who.role,
  ...extra,
});
const admin = () => ({ authorization: `Bearer ${sb.adminSecret}` });
type Page = {
  exchanges: Array<{ seq: number; path: string; status: number; request: string; response: string }>;
  last: number;
  more: boolean;
};
const readLog = async (since = 0): Promise<Page> => {
  const r = await send(`/_log?since=${since}`, { headers: admin() });
  assert.equal(r.status, 200, `the admin reads the log: ${r.body.slice(0, 200)}`);
  return JSON.parse(r.body) as Page;
};

test('/_log needs a live session or the admin secret', async () => {
  assert.equal((await send('/_log?since=0')).status, 401, 'no credentials');
  assert.equal(
    (await send('/_log?since=0', { headers: { authorization: 'Bearer scrip-sandbox-admin_wrong' } })).status,
    401,
    'a wrong secret',
  );
  assert.equal(
    (await send('/_log?since=0', { headers: { authorization: `Bearer ${session(GP)}` } })).status,
    200,
    'a live session',
  );
  assert.equal((await send('/_log?since=0', { headers: admin() })).status, 200, 'the admin secret');
  assert.equal(readFileSync(sb.adminSecretFile, 'utf8').trim(), sb.adminSecret, 'the secret is the one in its file');
});

test('/_log answers stay bounded in bytes after many 64 kB requests', async () => {
  const big = encodeGpObject([
    { name: 'service', value: 'NOPE' },
    { name: 'filler', value: 'x'.repeat(64 * 1024) },
  ]);
  for (let i = 0; i < 40; i++) await send('/login/authactivate', { method: 'POST', body: big });
  const r = await send('/_log?since=0', { headers: admin() });
  assert.ok(
    Buffer.byteLength(r.body) <= 1024 * 1024 + 1024,
    `one page is at most about 1 MB: ${Buffer.byteLength(r.body)}`,
  );
  const page = JSON.parse(r.body) as Page;
  assert.ok(
    page.exchanges.some((e) => /…\[truncated: \d+ characters stored/.test(e.request)),
    'large bodies are shown cut, with a marker',
  );
  const all: number[] = [];
  for (let since = 0, more = true; more;) {
    const p = await readLog(since);
    all.push(...p.exchanges.map((e) => e.seq));
    more = p.more;
    since = p.last;
  }
  assert.ok(all.length >= 40 && new Set(all).size === all.length, `paging reads every exchange once: ${all.length}`);
});

test('the clock is held within its range: past it, 400 and nothing changes; every route keeps working', async () => {
  const step = async () =>
    send('/_clock', { method: 'POST', body: JSON.stringify({ advanceSeconds: 100 * 365 * 86_400 }) });
  assert.equal((await step()).status, 200, 'a hundred years from 2026 is within range');
  const before = JSON.parse((await send('/_status')).body) as { clock: string };
  const refused = await step();
  assert.equal(refused.status, 400, `the next hundred years would pass the end of the range: ${refused.body}`);
  assert.match(refused.body, /2199-12-31/, 'the refusal names the limit');
  const status = await send('/_status');
  assert.equal(status.status, 200, 'routes that format a time still answer');
  assert.equal((JSON.parse(status.body) as { clock: string }).clock, before.clock, 'a refused step changed nothing');
  await assert.rejects(
    startSandbox({ dataDir: join(dir, 'clock-range'), clock: '+275000-01-01T00:00:00Z' }),
    ClockRangeError,
    'a start outside the range is refused',
  );
});

test('an exchange the log cannot keep is surfaced, with the inner error of a 5xx', async () => {
  sb.context.db.exec('ALTER TABLE message_log RENAME TO message_log_away');
  try {
    const r = await send('/_test/boom');
    assert.equal(r.status, 500, 'the bug is a 500');
  } finally {
    sb.context.db.exec('ALTER TABLE message_log_away RENAME TO message_log');
  }
  const line = logFailures
    .map((l) => JSON.parse(l) as { status: number; path: string; response?: string; logError: string })
    .find((l) => l.path === '/_test/boom');
  assert.ok(line, `the failure was told: ${JSON.stringify(logFailures)}`);
  assert.equal(line.status, 500, 'with its status');
  assert.match(line.response ?? '', /a sandbox bug, on purpose/, 'and what went wrong inside');
  assert.equal(
    (JSON.parse((await send('/_status')).body) as { logFailures: number }).logFailures,
    1,
    '/_status counts it',
  );
  // And a 500 the log can keep is kept with its stack.
  await send('/_test/boom');
  assert.ok(
    (await readLog()).exchanges.some(
      (e) => e.path === '/_test/boom' && e.status === 500 && e.response.includes('a sandbox bug, on purpose'),
    ),
    'logged with the inner error',
  );
});

test('X-Request-ID answers are kept per endpoint and user: "Task r-42" on one is not "r-42" on the other', async () => {
  const headers = as(PHARMACIST, { 'content-type': 'application/fhir+json' });
  const first = await send('/FHIR/R4/$process-message', {
    method: 'POST',
    body: '{"resourceType":"Bundle","type":"collection"}',
    headers: { ...headers, 'x-request-id': 'Task r-42' },
  });
  assert.equal(first.status, 400, first.body);
  assert.match(first.body, /Bundle\.type/, 'the $process-message answer');
  const task = await send('/FHIR/R4/Task', {
    method: 'POST',
    body: '{"resourceType":"Task"}',
    headers: { ...headers, 'x-request-id': 'r-42' },
  });
  assert.doesNotMatch(
    task.body,
    /Bundle\.type/,
    `Task answers for itself, not with the stored $process-message answer: ${task.body}`,
  );
  const again = await send('/FHIR/R4/Task', {
    method: 'POST',
    body: '{"resourceType":"Task","status":"rejected"}',
    headers: { ...headers, 'x-request-id': 'r-42' },
  });
  assert.equal(again.body, task.body, 'a retry on the same endpoint still gets the first answer');
  const other = await send('/FHIR/R4/$process-message', {
    method: 'POST',
    body: '{"resourceType":"Bundle","type":"message","entry":[]}',
    headers: { ...as(GP, { 'content-type': 'application/fhir+json' }), 'x-request-id': 'Task r-42' },
  });
  assert.doesNotMatch(other.body, /Bundle\.type must be/, 'another user with the same ID gets their own answer');
});

test("a token sent as ?%74oken= or in name='sso_ticket' is accepted by the broker and never shown by /_log", async () => {
  const token = session(GP);
  const since = (await readLog()).last;
  const assertion = await send(`/saml/RoleAssertion?%74oken=${encodeURIComponent(token)}`);
  assert.equal(assertion.status, 200, 'the broker reads the percent-encoded name');
  const out = await send('/login/authlogout', {
    method: 'POST',
    body: `<?xml version="1.0"?><gpOBJECT><gpPARAM name='sso_ticket'>${token}</gpPARAM></gpOBJECT>`,
  });
  assert.equal(out.status, 200, 'the broker reads the single-quoted name');
  assert.equal(
    (JSON.parse((await send(`/_sessions/${encodeURIComponent(token)}`)).body) as { endReason: string }).endReason,
    'logged-out',
    'the logout took',
  );
  const page = await readLog(since);
  assert.ok(page.exchanges.length >= 3, 'the exchanges are logged');
  assert.ok(!JSON.stringify(page).includes(token.slice(12, 30)), 'no part of the token in the log');
});

test('control characters and lone surrogates in gpOBJECT parameters are refused with 400, never echoed', async () => {
  for (const bad of ['&#0;', '&#x1b;', '&#xD800;', '&#xdfff;', '\u001b', '&#xFFFE;']) {
    const body = `<?xml version="1.0"?><gpOBJECT><gpPARAM name="service">ACTIVATION</gpPARAM><gpPARAM name="app_url">a${bad}b</gpPARAM></gpOBJECT>`;
    const r = await send('/login/authactivate', { method: 'POST', body });
    assert.equal(r.status, 400, `${JSON.stringify(bad)} is refused`);
    assert.ok(
      !/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(r.body) && !r.body.includes('a\u001bb'),
      `${JSON.stringify(bad)} is not echoed`,
    );
  }
  const fine = await send('/login/authactivate', {
    method: 'POST',
    body: encodeGpObject([
      { name: 'service', value: 'ACTIVATION' },
      { name: 'app_url', value: 'NHST é\t' },
    ]),
  });
  assert.equal(fine.status, 200, 'ordinary characters are still fine');
});

test('the TLS certificate names ::1 as an IP address, not a DNS name', async () => {
  const socket = tlsConnect({
    host: '127.0.0.1',
    port: Number(new URL(sb.baseUrl).port),
    ca: readFileSync(sb.caCertPath),
    servername: 'localhost',
  });
  await once(socket, 'secureConnect');
  const cert = new X509Certificate(socket.getPeerX509Certificate()!.raw);
  socket.destroy();
  const san = cert.subjectAltName ?? '';
  assert.match(san, /IP Address:0:0:0:0:0:0:0:1\b/, `::1 is an iPAddress: ${san}`);
  assert.doesNotMatch(san, /DNS:::1/, 'and not a dNSName');
  assert.ok(cert.checkIP('::1'), 'Node matches ::1 against it');
});

test('TLS offers only forward-secret AEAD suites (openssl s_client)', async (t) => {
  if (!need(t, requirements.openssl)) return;
  const connect = `127.0.0.1:${new URL(sb.baseUrl).port}`;
  const handshake = async (args: string[]): Promise<{ ok: boolean; out: string }> => {
    // stdin closed at once: s_client ends after the handshake (or its failure).
    const child = spawn('openssl', ['s_client', '-connect', connect, '-CAfile', sb.caCertPath, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: 15_000,
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.stdin.end();
    await once(child, 'close');
    return { ok: /Cipher is (?!\(NONE\))/.test(out), out };
  };
  // SECLEVEL=0 so that openssl itself offers the old suites: the refusal must be the server's.
  for (const weak of [
    'AES128-SHA',
    'AES128-GCM-SHA256',
    'AES256-SHA256',
    'ECDHE-RSA-AES128-SHA',
    'ECDHE-RSA-AES256-SHA384',
    'DES-CBC3-SHA',
  ]) {
    const r = await handshake(['-tls1_2', '-cipher', `${weak}:@SECLEVEL=0`]);
    assert.equal(r.ok, false, `${weak} (static RSA or CBC) is refused: ${r.out.slice(0, 300)}`);
  }
  for (const good of ['ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-RSA-CHACHA20-POLY1305']) {
    const r = await handshake(['-tls1_2', '-cipher', good]);
    assert.ok(r.ok && r.out.includes(good), `${good} is accepted: ${r.out.slice(0, 300)}`);
  }
  assert.ok((await handshake(['-tls1_3'])).ok, 'TLS 1.3 is accepted');
  assert.equal((await handshake(['-tls1_1', '-cipher', 'ALL:@SECLEVEL=0'])).ok, false, 'TLS 1.1 is refused');
});

test('a connection that never starts its TLS handshake is closed by the handshake timeout', async () => {
  const socket = netConnect(Number(new URL(sb.baseUrl).port), '127.0.0.1');
  await once(socket, 'connect');
  const t0 = performance.now();
  const closed = once(socket, 'close').then(() => 'closed' as const);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'still open'>((r) => {
    timer = setTimeout(() => r('still open'), 6000);
  });
  const outcome = await Promise.race([closed, deadline]);
  clearTimeout(timer);
  socket.destroy();
  assert.equal(outcome, 'closed', 'the server dropped the silent connection');
  assert.ok(
    performance.now() - t0 < 4500,
    `within about the 1.5 s configured: ${Math.round(performance.now() - t0)} ms`,
  );
});

test('$prepare and $convert need the activity EPS needs; an admin-only role is refused', async (t) => {
  if (!existsSync(example)) {
    t.skip(`needs NHS England's EPS examples at ${example}`);
    return;
  }
  const bundle = readFileSync(example, 'utf8');
  for (const path of ['/FHIR/R4/$prepare', '/FHIR/R4/$convert']) {
    const refused = await send(path, {
      method: 'POST',
      body: bundle,
      headers: as(ADMIN, { 'content-type': 'application/fhir+json' }),
    });
    assert.equal(
      refused.status,
      403,
      `${path} for a role without a prescribing activity: ${refused.body.slice(0, 200)}`,
    );
    assert.match(refused.body, /ACCESS_DENIED/, 'an EPS-style refusal');
    const pharmacist = await send(path, {
      method: 'POST',
      body: bundle,
      headers: as(PHARMACIST, { 'content-type': 'application/fhir+json' }),
    });
    assert.equal(pharmacist.status, 403, `${path} for a dispensing role`);
    const ok = await send(path, {
      method: 'POST',
      body: bundle,
      headers: as(GP, { 'content-type': 'application/fhir+json' }),
    });
    assert.equal(ok.status, 200, `${path} for a prescriber: ${ok.body.slice(0, 200)}`);
  }
});

test('FHIR routes answer 415 with an OperationOutcome unless the body is said to be JSON', async () => {
  for (const type of ['text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'application/jsonx', '']) {
    const r = await send('/FHIR/R4/$process-message', {
      method: 'POST',
      body: '{"resourceType":"Bundle"}',
      headers: as(GP, type ? { 'content-type': type } : {}),
    });
    assert.equal(r.status, 415, `Content-Type '${type}'`);
    assert.equal(
      (JSON.parse(r.body) as { resourceType: string }).resourceType,
      'OperationOutcome',
      'as an OperationOutcome',
    );
  }
  for (const type of ['application/fhir+json', 'application/json', 'application/fhir+json; charset=utf-8']) {
    const r = await send('/FHIR/R4/$process-message', {
      method: 'POST',
      body: '{"resourceType":"Bundle"}',
      headers: as(GP, { 'content-type': type }),
    });
    assert.equal(r.status, 400, `Content-Type '${type}' is read (and the Bundle found wanting)`);
  }
});

test('session tokens are kept only as hashes: no token in the table or in any file of the database', async () => {
  const token = session(GP);
  const columns = (sb.context.db.prepare('PRAGMA table_info(sso_sessions)').all() as Array<{ name: string }>).map(
    (c) => c.name,
  );
  assert.ok(!columns.includes('token'), `no token column: ${columns.join(', ')}`);
  const needle = Buffer.from(token.slice(12, 40));
  for (const f of readdirSync(sb.dataDir).filter((n) => n.startsWith('sandbox.db'))) {
    assert.equal(readFileSync(join(sb.dataDir, f)).indexOf(needle), -1, `${f} holds no token`);
  }
});

test('the data directory and database are private, and a directory others can write is refused', async () => {
  const mode = (p: string) => statSync(p).mode & 0o777;
  assert.equal(mode(sb.dataDir), 0o700, 'data directory 0700 despite umask 0');
  for (const f of ['sandbox.db', 'sandbox.db-wal', 'admin-secret'])
    assert.equal(mode(join(sb.dataDir, f)), 0o600, `${f} 0600 despite umask 0`);
  const open = join(dir, 'shared');
  await startSandbox({ dataDir: open }).then((s) => s.close());
  chmodSync(open, 0o777);
  await assert.rejects(
    startSandbox({ dataDir: open }),
    (e: unknown) =>
      e instanceof DataDirError && /can be written by its group and everyone \(mode 777\).*chmod 700/.test(e.message),
    'refused, saying why and what to do',
  );
  chmodSync(open, 0o770);
  await assert.rejects(startSandbox({ dataDir: open }), DataDirError, 'group-writable is refused too');
});
