// Environments under the user's control: validation on save, the file on disk, choosing the one in
// use (never under a live session unless asked), removal, and the commands' audit trail.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openTestCa } from '../../../sandbox/ca/test-ca';
import { EnvironmentService } from '../../../main/environments/environment-service';
import { environmentsFile } from '../../../main/environments/environments';
import { checkCaBundle } from '../../../main/environments/ca-bundle';
import { ScripError } from '../../../main/errors';
import { invokeCommand } from '../../../main/commands/invoke';
import { scopes } from '../../../main/api/scopes';
import { startTestApp, type TestApp } from '../../support/test-app';
import type { Environment } from '../../../main/environments/environments';

const dir = mkdtempSync(join(tmpdir(), 'scrip-envs-'));
const ca = openTestCa(join(dir, 'ca'));
const caPem = ca.root.pem;
const leaf = ca.issueTlsCertificate();
const sandboxEnv: Environment = {
  name: 'sandbox',
  label: 'Scrip sandbox (embedded)',
  brokerUrl: 'https://127.0.0.1:1',
  epsUrl: 'https://127.0.0.1:1/FHIR/R4',
  pdsUrl: 'https://127.0.0.1:1',
  caPem,
  challengeDigest: 'sha256',
};
const good = {
  name: 'integration',
  label: 'Path to Live (INT)',
  brokerUrl: 'https://broker.int.example/',
  epsUrl: 'https://eps.int.example/FHIR/R4',
  pdsUrl: 'https://pds.int.example',
  caPem,
};

after(() => rmSync(dir, { recursive: true, force: true }));

function fresh(): { svc: EnvironmentService; dataDir: string } {
  const dataDir = mkdtempSync(join(dir, 'data-'));
  return { svc: new EnvironmentService({ dataDir, sandbox: { current: () => sandboxEnv } }), dataDir };
}

function issuesOf(f: () => unknown): Array<{ path: string; message: string }> {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof ScripError, String(e));
    assert.equal(e.code, 'invalid-input');
    return (e.details?.issues ?? []) as Array<{ path: string; message: string }>;
  }
  assert.fail('expected invalid-input');
}

test('the sandbox is built in and chosen by default; a saved environment is listed with its CA', () => {
  const { svc, dataDir } = fresh();
  assert.deepEqual(
    svc.list().map((e) => [e.name, e.builtIn, e.selected]),
    [['sandbox', true, true]],
  );
  const saved = svc.save(good);
  assert.equal(saved.brokerUrl, 'https://broker.int.example');
  assert.equal(saved.ca.source, 'file');
  assert.match(saved.ca.certificates[0]!.subject, /Root/);
  // The pasted bundle is kept in the data directory, readable by this user only.
  assert.equal(statSync(saved.ca.file!).mode & 0o077, 0);
  assert.equal(readFileSync(saved.ca.file!, 'utf8').trim(), caPem.trim());
  const onDisk = JSON.parse(readFileSync(environmentsFile(dataDir), 'utf8'));
  assert.equal(onDisk.environments.integration.caFile, saved.ca.file);
  assert.equal(svc.current().name, 'sandbox');
});

test('bad fields are refused together, each named, and nothing is written', () => {
  const { svc, dataDir } = fresh();
  const issues = issuesOf(() =>
    svc.save({
      ...good,
      name: 'Bad Name',
      brokerUrl: 'http://broker.example',
      epsUrl: 'https://user:pw@eps.example',
      pdsUrl: 'not a url',
      caPem: 'hello',
    }),
  );
  const paths = issues.map((i) => i.path).sort();
  assert.deepEqual(paths, ['brokerUrl', 'caPem', 'epsUrl', 'name', 'pdsUrl']);
  assert.match(issues.find((i) => i.path === 'brokerUrl')!.message, /https:\/\//);
  assert.match(issues.find((i) => i.path === 'epsUrl')!.message, /user name or password/);
  assert.match(issues.find((i) => i.path === 'caPem')!.message, /no PEM certificate/);
  assert.equal(existsSync(environmentsFile(dataDir)), false);
  assert.match(issuesOf(() => svc.save({ ...good, name: 'sandbox' }))[0]!.message, /built-in/);
});

test('a CA bundle is parsed and checked: a server certificate, a private key, a damaged block are refused', () => {
  assert.equal(checkCaBundle(caPem + leaf.caPem).length, 2);
  assert.throws(() => checkCaBundle(leaf.certPem), /not a CA certificate/);
  assert.throws(() => checkCaBundle(caPem + leaf.keyPem), /private key/);
  const damaged = caPem.replace(/\n[A-Za-z0-9+/]{10}/, '\n!!!!!!!!!!');
  assert.throws(() => checkCaBundle(damaged), /cannot be read/);
  const { svc } = fresh();
  assert.match(issuesOf(() => svc.save({ ...good, caPem: leaf.certPem }))[0]!.message, /not a CA certificate/);
  assert.match(issuesOf(() => svc.save({ ...good, caPem: undefined }))[0]!.message, /CA certificates/);
  assert.match(issuesOf(() => svc.save({ ...good, systemTrust: true }))[0]!.message, /one source of trust/);
});

test('an expired CA certificate is refused with its date', () => {
  const past = openTestCa(join(dir, 'past-ca'), { now: () => new Date('2001-01-01T00:00:00Z') });
  assert.throws(() => checkCaBundle(past.root.pem), /expired on \d{4}-\d\d-\d\d/);
});

test('a CA file by path is read and checked where it is; editing without a CA keeps it; system trust is explicit', () => {
  const { svc } = fresh();
  const file = join(dir, 'bundle.pem');
  writeFileSync(file, caPem);
  const { caPem: _p, ...noCa } = good;
  assert.equal(svc.save({ ...noCa, caFile: file }).ca.file, file);
  const edited = svc.save({ ...noCa, label: 'INT (renamed)' });
  assert.equal(edited.ca.file, file);
  assert.equal(edited.label, 'INT (renamed)');
  assert.equal(svc.save({ ...noCa, systemTrust: true }).ca.source, 'system');
  assert.match(
    issuesOf(() => svc.save({ ...noCa, caFile: join(dir, 'missing.pem') }))[0]!.message,
    /cannot be read: ENOENT/,
  );
});

test('use: the choice is remembered for the next start; remove falls back to the sandbox', async () => {
  const { svc, dataDir } = fresh();
  svc.save(good);
  await assert.rejects(svc.use('nowhere'), (e: unknown) => e instanceof ScripError && e.code === 'not-found');
  await svc.use('integration');
  assert.equal(svc.current().brokerUrl, 'https://broker.int.example');
  assert.equal(svc.current().caPem?.trim(), caPem.trim());
  const again = new EnvironmentService({ dataDir, sandbox: { current: () => sandboxEnv } });
  assert.equal(again.selectedName, 'integration');
  assert.equal(new EnvironmentService({ dataDir, sandbox: null, initial: 'sandbox' }).selectedName, 'sandbox');
  assert.throws(() => svc.remove('sandbox'), /cannot be removed/);
  svc.remove('integration');
  assert.equal(svc.selectedName, 'sandbox');
  assert.equal(new EnvironmentService({ dataDir, sandbox: null }).selectedName, 'sandbox');
});

test('a sandbox that is not running is started when chosen', async () => {
  const dataDir = mkdtempSync(join(dir, 'data-'));
  let running: Environment | null = null;
  const svc = new EnvironmentService({
    dataDir,
    sandbox: { current: () => running, start: async () => (running = sandboxEnv) },
    initial: 'integration',
  });
  svc.save(good);
  assert.match(svc.list()[0]!.problem!, /starts when you choose it/);
  await svc.use('sandbox');
  assert.equal(svc.current().name, 'sandbox');
});

test('a hand-edited environments.json that is wrong is reported with the field, not a crash', () => {
  const { svc, dataDir } = fresh();
  writeFileSync(
    environmentsFile(dataDir),
    JSON.stringify({ environments: { live: { label: 'Live', brokerUrl: 'nope' } } }),
  );
  assert.throws(
    () => svc.list(),
    (e: unknown) =>
      e instanceof ScripError && e.code === 'invalid-input' && /environments\.live\.brokerUrl/.test(e.message),
  );
});

// The commands, through the registry as every surface calls them.
let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(async () => {
  await t?.close();
});
const admin = { kind: 'internal' as const, scopes: new Set(scopes), label: 'test' };
const call = (name: string, input: Record<string, unknown>) =>
  invokeCommand(t.app.registry, t.app.services, name, input, admin);

test('commands: save, list, use refused while logged in unless the session is ended, remove; all audited', async () => {
  await call('environments.save', good);
  const listed = (await call('environments.list', {})) as { environments: Array<{ name: string }>; selected: string };
  assert.ok(
    listed.environments.some((e) => e.name === 'integration'),
    "listed.environments.some((e) => e.name === 'integration')",
  );
  // A live session (as after a card login).
  const m = t.app.services.identity.machine;
  m.apply({ type: 'card-inserted', reader: 'Test Reader 0' });
  m.apply({ type: 'pin-verified' });
  m.apply({ type: 'authenticated' });
  await assert.rejects(call('environments.use', { name: 'integration' }), (e: unknown) => {
    assert.ok(e instanceof ScripError, 'e instanceof ScripError');
    assert.equal(e.code, 'bad-state');
    assert.match(e.message, /logged in/);
    assert.match(e.action, /Log out/);
    return true;
  });
  assert.equal(t.app.services.environments.selectedName, 'sandbox');
  const used = (await call('environments.use', { name: 'integration', endSession: true })) as { selected: boolean };
  assert.equal(used.selected, true);
  assert.equal(t.app.services.identity.view().state, 'card-present'); // logged out, card still in
  await assert.rejects(
    call('environments.save', { ...good, name: 'x', brokerUrl: 'ftp://x' }),
    (e: unknown) => e instanceof ScripError && e.code === 'invalid-input',
  );
  await call('environments.remove', { name: 'integration' });
  assert.equal(t.app.services.environments.selectedName, 'sandbox');
  const actions = t.app.services.audit.list({ limit: 1000 }).map((x) => x.action);
  for (const a of ['environments.save', 'environments.use', 'environments.remove', 'session.end-for-environment'])
    assert.ok(actions.includes(a), a);
});

test('a CA file must be named by its full path (the agent may run in another folder than the CLI)', () => {
  const { svc } = fresh();
  const { caPem: _p, ...noCa } = good;
  assert.match(issuesOf(() => svc.save({ ...noCa, caFile: 'int-ca.pem' }))[0]!.message, /full path/);
});

test('an empty form is answered with every missing field at once', () => {
  const { svc } = fresh();
  const issues = issuesOf(() => svc.save({ name: '', label: '', brokerUrl: '', epsUrl: '', pdsUrl: '' }));
  assert.deepEqual(issues.map((i) => i.path).sort(), ['brokerUrl', 'caPem', 'epsUrl', 'label', 'name', 'pdsUrl']);
});

test('use is refused while a login is under way: it would end in a session of the old environment', async () => {
  await call('environments.save', { ...good, name: 'int2' });
  const identity = t.app.services.identity;
  const real = identity.loginInProgress.bind(identity);
  identity.loginInProgress = () => true; // as between authactivate and authvalidate
  try {
    await assert.rejects(
      call('environments.use', { name: 'int2' }),
      (e: unknown) => e instanceof ScripError && e.code === 'bad-state' && /login is in progress/.test(e.message),
    );
    assert.notEqual(t.app.services.environments.selectedName, 'int2');
  } finally {
    identity.loginInProgress = real;
  }
  await call('environments.remove', { name: 'int2' });
});
