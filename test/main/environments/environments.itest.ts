// Environments against the real sandbox over HTTPS: one started by the test and added as a second
// environment through the local HTTP API, checked over TLS with its own CA; the same services with
// another CA bundle are "certificate not trusted"; the diagnostics report reuses the check.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type RunningSandbox } from '../../../sandbox/server';
import { openTestCa } from '../../../sandbox/ca/test-ca';
import { startTestApp, type TestApp } from '../../support/test-app';

const dir = mkdtempSync(join(tmpdir(), 'scrip-envs-itest-'));
let sb: RunningSandbox;
let t: TestApp;

before(async () => {
  sb = await startSandbox({ dataDir: join(dir, 'sandbox') });
  t = await startTestApp();
});
after(async () => {
  await t?.close();
  await sb?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function api(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${t.server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${t.adminKey}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

type Check = {
  ok: boolean;
  services: Array<{
    service: string;
    ok: boolean;
    failure: string | null;
    detail: string;
    httpStatus: number | null;
    certificate: { issuer: string } | null;
  }>;
};

test('a second environment on a sandbox started here: saved over the API, every service answers over trusted TLS', async () => {
  const caPem = readFileSync(sb.caCertPath, 'utf8');
  const saved = await api('PUT', '/environments/second', {
    label: 'Second sandbox',
    brokerUrl: sb.baseUrl,
    epsUrl: `${sb.baseUrl}/FHIR/R4`,
    pdsUrl: sb.baseUrl,
    caPem,
  });
  assert.equal(saved.status, 200, JSON.stringify(saved.body));
  const check = await api('POST', '/environments/second/check', {});
  assert.equal(check.status, 200, JSON.stringify(check.body));
  const c = check.body as unknown as Check;
  assert.equal(c.ok, true, JSON.stringify(c.services));
  assert.deepEqual(
    c.services.map((s) => s.service),
    ['broker', 'eps', 'pds'],
  );
  for (const s of c.services) {
    assert.equal(s.failure, null);
    assert.ok(s.httpStatus! >= 100, s.detail);
    assert.match(s.certificate!.issuer, /Scrip Sandbox Root/);
  }
});

test('the same services with another CA bundle: "certificate not trusted" for each, nothing else', async () => {
  const otherCa = openTestCa(join(dir, 'other-ca')).root.pem;
  const saved = await api('PUT', '/environments/wrong-ca', {
    label: 'Wrong CA',
    brokerUrl: sb.baseUrl,
    epsUrl: `${sb.baseUrl}/FHIR/R4`,
    pdsUrl: sb.baseUrl,
    caPem: otherCa,
  });
  assert.equal(saved.status, 200, JSON.stringify(saved.body));
  const c = (await api('POST', '/environments/wrong-ca/check', {})).body as unknown as Check;
  assert.equal(c.ok, false);
  for (const s of c.services) {
    assert.equal(s.failure, 'untrusted', s.detail);
    assert.match(s.detail, /certificate not trusted/);
    assert.match(s.detail, /Scrip Sandbox Root/); // who issued what the server presented
  }
});

test('chosen, the environment is what the diagnostics report checks', async () => {
  assert.equal((await api('POST', '/environments/second/use', {})).status, 200);
  const report = (await api('GET', '/diagnostics')).body as {
    checks: Array<{ name: string; ok: boolean; detail: string }>;
  };
  const mine = report.checks.filter((x) => x.name.includes('(Second sandbox)'));
  assert.equal(mine.length, 3, JSON.stringify(report.checks));
  assert.ok(
    mine.every((x) => x.ok),
    JSON.stringify(mine),
  );
  assert.equal((await api('POST', '/environments/wrong-ca/use', {})).status, 200);
  const bad = ((await api('GET', '/diagnostics')).body as typeof report).checks.filter((x) =>
    x.name.includes('(Wrong CA)'),
  );
  assert.ok(
    bad.length === 3 && bad.every((x) => !x.ok && /certificate not trusted/.test(x.detail)),
    JSON.stringify(bad),
  );
});

test('an http:// address is refused with the field named, and nothing is saved', async () => {
  const r = await api('PUT', '/environments/plain', {
    label: 'Plain',
    brokerUrl: sb.baseUrl.replace('https:', 'http:'),
    epsUrl: `${sb.baseUrl}/FHIR/R4`,
    pdsUrl: sb.baseUrl,
    systemTrust: true,
  });
  assert.equal(r.status, 400);
  assert.deepEqual(
    (r.body.details as { issues: Array<{ path: string }> }).issues.map((i) => i.path),
    ['brokerUrl'],
  );
  const list = (await api('GET', '/environments')).body as { environments: Array<{ name: string }> };
  assert.ok(!list.environments.some((e) => e.name === 'plain'), "!list.environments.some((e) => e.name === 'plain')");
});
