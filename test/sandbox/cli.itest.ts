// `scrip sandbox …` as a supplier runs it: the ready line, users, scripted tokens the services
// accept, revocation seen by the broker's CRL and ending live sessions of a running sandbox, patients
// editable as JSON, and a restart that loses nothing.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { once } from 'node:events';
import { randomUUID, generateKeyPairSync, X509Certificate, createSign } from 'node:crypto';
import { mkdtempSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { openTestCa } from '../../sandbox/ca';
import { httpsClient } from './support/sandbox-client';
import { encodeGpObject, parseGpObject, gpValue } from '../../protocols/spine/gpobject';
import { buildSignedData, wrapSmime } from '../../protocols/spine/cms';
import { isValidNhsNumber } from '../../protocols/ids/nhs-number';

const root = new URL('../..', import.meta.url).pathname;
const scrip = join(root, 'bin', 'scrip.mjs');
const dir = mkdtempSync(join(tmpdir(), 'scrip-sandbox-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [scrip, 'sandbox', ...args], {
      timeout: 30_000,
    });
    return { code: 0, out: stdout, err: stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof x.code === 'number' ? x.code : 1, out: x.stdout ?? '', err: x.stderr ?? '' };
  }
}

async function runServer(): Promise<{
  baseUrl: string;
  caCertPath: string;
  dataDir: string;
  adminSecretFile: string;
  stop(): Promise<number | null>;
}> {
  const child = spawn(
    process.execPath,
    [scrip, 'sandbox', '--data', dir, '--port', '0', '--clock', '2026-11-22T10:00:00Z'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout! });
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const [first] = (await once(lines, 'line')) as [string];
  clearTimeout(timer);
  const ready = JSON.parse(first) as { baseUrl: string; caCertPath: string; dataDir: string; adminSecretFile: string };
  return {
    ...ready,
    async stop() {
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      return code;
    },
  };
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
  const d = JSON.parse(r.out) as {
    users: Array<{
      id: string;
      roles: Array<{ id: string; orgCode: string; jobRoleCode: string; activities: string[] }>;
    }>;
  };
  const gp = d.users.find((u) => u.roles.length === 2)!;
  assert.notEqual(gp.roles[0]!.orgCode, gp.roles[1]!.orgCode, 'a GP with roles at two organisations');
  assert.ok(
    d.users.some((u) => u.roles.some((x) => x.activities.includes('B0570') && x.orgCode === 'FCG71')),
    'a pharmacist at FCG71',
  );
  assert.ok(
    d.users.some((u) => u.roles.every((x) => !x.activities.some((a) => ['B0278', 'B0420', 'B0058'].includes(a)))),
    'an admin who cannot prescribe',
  );
  for (const u of d.users) {
    assert.match(u.id, /^\d{12}$/);
    for (const x of u.roles) {
      assert.match(x.id, /^\d{12}$/);
      assert.match(x.jobRoleCode, /^S\d{4}:G\d{4}:R\d{4}$/);
    }
  }
  const file = join(dir, 'users.json');
  const edited = JSON.parse(readFileSync(file, 'utf8'));
  edited.users.push({
    id: '555000000001',
    name: { given: ['ADA'], family: 'NEW' },
    telecom: '0',
    roles: [
      {
        id: '200000000001',
        orgCode: 'FCG71',
        jobRoleCode: 'S8000:G8000:R8003',
        jobRoleName: 'x',
        activities: ['B0570'],
      },
    ],
  });
  writeFileSync(file, JSON.stringify(edited));
  assert.ok(
    JSON.parse((await cli('users', '--data', dir)).out).users.some((u: { id: string }) => u.id === '555000000001'),
    "JSON.parse((await cli('users', '--data', dir)).out).users.some((u: { id: string }) => u.id === '5…",
  );
});

test('a scripted token is accepted like a card login, and survives a restart', async () => {
  const t = await cli(
    'token',
    '--data',
    dir,
    '--user',
    '555086691101',
    '--role',
    '200102240002',
    '--clock',
    '2026-11-22T10:00:00Z',
  );
  assert.equal(t.code, 0, t.err);
  const s = JSON.parse(t.out) as { token: string; roleProfileId: string; expiresAt: string };
  assert.equal(s.roleProfileId, '200102240002');
  assert.equal(s.expiresAt, '2026-11-22T22:00:00.000Z');
  assert.equal(
    (await cli('token', '--data', dir, '--user', '555086691101', '--role', '200102238987')).code,
    2,
    'a role the user does not hold',
  );
  for (let run = 0; run < 2; run++) {
    const sb = await runServer();
    const send = httpsClient(sb.baseUrl, sb.caCertPath);
    const r = await send('/Patient/9449305552', {
      headers: {
        authorization: `Bearer ${s.token}`,
        'nhsd-session-urid': s.roleProfileId,
        'x-request-id': randomUUID(),
      },
    });
    assert.equal(r.status, 200, `run ${run}: ${r.body}`);
    const admin = { authorization: `Bearer ${readFileSync(sb.adminSecretFile, 'utf8').trim()}` };
    assert.equal((await send('/_log?since=0')).status, 401, 'the log needs a session or the admin secret');
    const log = JSON.parse((await send('/_log?since=0', { headers: admin })).body) as {
      exchanges: Array<{ path: string; request: string }>;
    };
    const viaCli = await cli('log', '--data', dir, '--since', '0');
    assert.equal(viaCli.code, 0, `scrip sandbox log: ${viaCli.err}`);
    assert.equal(
      (JSON.parse(viaCli.out) as { exchanges: unknown[] }).exchanges.length,
      log.exchanges.length,
      'scrip sandbox log reads the same page with the admin secret',
    );
    assert.equal(
      log.exchanges.filter((e) => e.path === '/Patient/9449305552').length,
      run + 1,
      'the message log persists across restarts',
    );
    assert.ok(!JSON.stringify(log).includes(s.token), '!JSON.stringify(log).includes(s.token)');
    assert.equal(await sb.stop(), 0);
  }
});

test('revoke puts every certificate of a user on the CRL the sandbox publishes', async () => {
  const ca = openTestCa(join(dir, 'ca'));
  const cert = ca.issueAuthCertificate({
    userId: '555086690109',
    displayName: 'MRS JANE SMITH',
    publicKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey,
  });
  assert.equal((await cli('revoke', '--data', dir, '--user', '555999999998')).code, 2);
  const r = await cli('revoke', '--data', dir, '--user', '555086690109');
  assert.equal(r.code, 0, r.err);
  assert.ok(
    (JSON.parse(r.out) as { revoked: string[] }).revoked.includes(cert.serial),
    '(JSON.parse(r.out) as { revoked: string[] }).revoked.includes(cert.serial)',
  );
  const sb = await runServer();
  try {
    const crl = await httpsClient(sb.baseUrl, sb.caCertPath)('/crl/auth.crl');
    assert.equal(crl.status, 200);
    assert.equal(crl.headers['content-type'], 'application/pkix-crl');
  } finally {
    assert.equal(await sb.stop(), 0);
  }
  assert.ok(openTestCa(join(dir, 'ca')).isRevoked(cert.serial), "openTestCa(join(dir, 'ca')).isRevoked(cert.serial)");
});

test("revoke, run while the sandbox serves, ends the user's card and scripted sessions at once", async () => {
  const GP = '555086689106',
    ROLE = '200102238987',
    OTHER = '555086691101';
  const at = '2026-11-22T10:00:00Z';
  const sb = await runServer();
  const send = httpsClient(sb.baseUrl, sb.caCertPath);
  try {
    // A card-style login: an authentication certificate from the sandbox CA, the challenge signed in software.
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const cert = openTestCa(join(dir, 'ca'), { now: () => new Date(at) }).issueAuthCertificate({
      userId: GP,
      displayName: 'DR CLARE BOIN',
      publicKey,
    });
    const login = async (): Promise<{ status: number; body: string }> => {
      const a = parseGpObject(
        (
          await send('/login/authactivate', {
            method: 'POST',
            body: encodeGpObject([{ name: 'service', value: 'ACTIVATION' }]),
          })
        ).body,
      );
      const challenge = gpValue(a, 'challenge')!;
      const content = Buffer.from(challenge, 'base64');
      const response = wrapSmime(
        buildSignedData({
          content,
          certificateDer: cert.der,
          signature: createSign('sha256').update(content).sign(privateKey),
          digest: 'sha256',
        }),
      );
      return send('/login/authvalidate', {
        method: 'POST',
        body: encodeGpObject([
          { name: 'service', value: 'AUTHENTICATION' },
          { name: 'challenge', value: challenge },
          { name: 'signature', value: gpValue(a, 'signature')! },
          { name: 'uid', value: GP },
          { name: 'response', value: response, attrs: { encoding: 'base64' } },
        ]),
      });
    };
    const v = await login();
    assert.equal(v.status, 200, v.body);
    const cardToken = gpValue(parseGpObject(v.body), 'sso_ticket')!;
    const scripted = JSON.parse(
      (await cli('token', '--data', dir, '--user', GP, '--role', ROLE, '--clock', at)).out,
    ) as { token: string };
    const other = JSON.parse(
      (await cli('token', '--data', dir, '--user', OTHER, '--role', '200102240002', '--clock', at)).out,
    ) as { token: string };
    const patient = (token: string, role: string) =>
      send('/Patient/9449305552', {
        headers: { authorization: `Bearer ${token}`, 'nhsd-session-urid': role, 'x-request-id': randomUUID() },
      });
    assert.equal((await patient(scripted.token, ROLE)).status, 200);
    assert.equal((await send(`/saml/RoleAssertion?token=${encodeURIComponent(cardToken)}`)).status, 200);

    const r = await cli('revoke', '--data', dir, '--user', GP);
    assert.equal(r.code, 0, r.err);
    const out = JSON.parse(r.out) as { revoked: string[]; sessionsEnded: number };
    assert.ok(out.revoked.includes(cert.serial), 'out.revoked.includes(cert.serial)');
    assert.ok(out.sessionsEnded >= 2, `sessions ended: ${out.sessionsEnded}`);

    // The very next requests to the running server are refused, each naming why.
    const refused = await patient(scripted.token, ROLE);
    assert.equal(refused.status, 401);
    assert.match(refused.body, /token-revoked/);
    const assertion = await send(`/saml/RoleAssertion?token=${encodeURIComponent(cardToken)}`);
    assert.equal(assertion.status, 401);
    assert.equal(gpValue(parseGpObject(assertion.body), 'error'), 'token-revoked');
    const state = JSON.parse((await send(`/_sessions/${encodeURIComponent(cardToken)}`)).body) as {
      active: boolean;
      endReason: string;
    };
    assert.deepEqual([state.active, state.endReason], [false, 'revoked']);
    // The card cannot log in again, and another user's session is untouched.
    const again = await login();
    assert.equal(gpValue(parseGpObject(again.body), 'error'), 'certificate-revoked');
    assert.equal((await patient(other.token, '200102240002')).status, 200);
  } finally {
    assert.equal(await sb.stop(), 0);
  }
});

test('patients are printed as JSON, edits to patients.json are served at once, and a bad edit is named', async () => {
  const r = await cli('patients', '--data', dir);
  assert.equal(r.code, 0, r.err);
  const seeded = JSON.parse(r.out) as { patients: Array<{ nhsNumber: string; family: string; birthDate: string }> };
  assert.equal(seeded.patients.length, 20);
  for (const p of seeded.patients) assert.ok(isValidNhsNumber(p.nhsNumber), p.nhsNumber);
  const file = join(dir, 'patients.json');
  const original = readFileSync(file, 'utf8');
  const sb = await runServer();
  const send = httpsClient(sb.baseUrl, sb.caCertPath);
  const s = JSON.parse(
    (
      await cli(
        'token',
        '--data',
        dir,
        '--user',
        '555086689106',
        '--role',
        '200102238987',
        '--clock',
        '2026-11-22T10:00:00Z',
      )
    ).out,
  ) as { token: string };
  const get = (path: string) =>
    send(path, {
      headers: {
        authorization: `Bearer ${s.token}`,
        'nhsd-session-urid': '200102238987',
        'x-request-id': randomUUID(),
      },
    });
  try {
    const edited = JSON.parse(original) as { patients: Array<Record<string, unknown>> };
    edited.patients[0]!.family = 'CHISLETT-EDITED';
    edited.patients.push({
      nhsNumber: '9990000018',
      prefix: 'MR',
      given: ['NEW'],
      family: 'PATIENT',
      gender: 'male',
      birthDate: '1990-01-01',
      addressLines: ['1 NEW ROAD'],
      postcode: 'LS1 1AA',
      gpOdsCode: 'A83008',
      nominatedPharmacy: null,
    });
    writeFileSync(file, JSON.stringify(edited, null, 2));
    assert.equal(
      (JSON.parse((await get('/Patient/9449305552')).body) as { name: Array<{ family: string }> }).name[0]!.family,
      'CHISLETT-EDITED',
    );
    const added = await get('/Patient?family=patient&birthdate=1990-01-01');
    assert.equal((JSON.parse(added.body) as { total: number }).total, 1, added.body);
    assert.ok(
      (
        JSON.parse((await cli('patients', '--data', dir)).out) as { patients: Array<{ nhsNumber: string }> }
      ).patients.some((p) => p.nhsNumber === '9990000018'),
      "(JSON.parse((await cli('patients', '--data', dir)).out) as { patients: Array<{ nhsNumber: string …",
    );

    // A wrong check digit: refused with the reason, naming the patient and the field, everywhere.
    edited.patients.at(-1)!.nhsNumber = '9990000019';
    writeFileSync(file, JSON.stringify(edited, null, 2));
    const bad = await cli('patients', '--data', dir);
    assert.equal(bad.code, 2);
    assert.match(
      bad.err,
      /patient 21 \(9990000019 PATIENT\): nhsNumber: 9990000019 is not a valid NHS number: its check digit \(the last\) should be 8, not 9/,
    );
    const served = await get('/Patient/9449305552');
    assert.equal(served.status, 503);
    assert.match(served.body, /9990000019 is not a valid NHS number/);
  } finally {
    assert.equal(await sb.stop(), 0);
  }
  const start = await cli('--data', dir, '--port', '0');
  assert.equal(start.code, 2, 'the sandbox does not start on a broken patients.json');
  assert.match(start.err, /patients\.json is not valid:\n {2}patient 21 \(9990000019 PATIENT\): nhsNumber/);
  writeFileSync(file, original);
  assert.equal((await cli('patients', '--data', dir)).code, 0);
});
