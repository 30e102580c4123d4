// A cis2-apim environment: saved with its CIS2 and APIM settings (the application key goes to the
// keychain, only its kid to environments.json), each missing piece named, and `check` reaching the
// sandbox's discovery document, JWKS and APIM token endpoint over HTTPS — or saying which is wrong.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type RunningSandbox } from '../../../sandbox/server';
import { EnvironmentService } from '../../../main/environments/environment-service';
import { configuredEnvironments, environmentsFile } from '../../../main/environments/environments';
import { brokerFor } from '../../../main/identity/broker-for';
import { appKeyAccount } from '../../../main/identity/cis2/app-key';
import { ScripError } from '../../../main/errors';
import { memoryKeychain } from '../../../native/keychain/keychain';

let sb: RunningSandbox, dir: string;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'scrip-cis2-env-'));
  sb = await startSandbox({ dataDir: join(dir, 'sb') });
});
after(async () => {
  await sb.close();
  rmSync(dir, { recursive: true, force: true });
});

const keyPem = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();
function input(over: Record<string, unknown> = {}) {
  return {
    name: 'cis2-int',
    label: 'CIS2 + APIM (sandbox)',
    brokerUrl: sb.baseUrl,
    epsUrl: `${sb.baseUrl}/FHIR/R4`,
    pdsUrl: sb.baseUrl,
    caPem: sb.context.ca.root.pem,
    auth: 'cis2-apim' as const,
    cis2Issuer: `${sb.baseUrl}/cis2`,
    cis2ClientId: 'x.apps.sandbox',
    apimTokenUrl: `${sb.baseUrl}/oauth2/token`,
    apimClientId: 'x-apim',
    apimKeyPem: keyPem,
    ...over,
  };
}

test('saved with its key in the keychain and only the kid on disk; each missing piece is named', () => {
  const dataDir = mkdtempSync(join(dir, 'data-'));
  const keychain = memoryKeychain();
  const svc = new EnvironmentService({ dataDir, sandbox: null, keychain: () => keychain });
  try {
    svc.save(input({ cis2Issuer: 'http://insecure.example', apimClientId: '', apimKeyPem: undefined }));
    assert.fail('should be refused');
  } catch (e) {
    assert.ok(e instanceof ScripError && e.code === 'invalid-input', String(e));
    const paths = (e.details?.issues as Array<{ path: string }>).map((i) => i.path).sort();
    assert.deepEqual(paths, ['apimClientId', 'apimKeyPem', 'cis2Issuer'], 'each wrong or missing field named');
  }
  const saved = svc.save(input());
  assert.equal(saved.auth, 'cis2-apim', 'the kind is kept');
  assert.match(saved.cis2?.apimKeyId ?? '', /^[A-Za-z0-9_-]{43}$/, "the kid is the key's RFC 7638 thumbprint");
  const onDisk = readFileSync(environmentsFile(dataDir), 'utf8');
  assert.ok(
    !onDisk.includes('PRIVATE KEY') && !onDisk.includes(keyPem.split('\n')[1]!),
    'the key is not in environments.json',
  );
  assert.ok(
    keychain.get(appKeyAccount(dataDir, 'cis2-int'))?.includes('BEGIN PRIVATE KEY'),
    'the key is in the keychain',
  );
  // Editing without a new key keeps the one stored.
  assert.equal(
    svc.save(input({ apimKeyPem: undefined, label: 'Renamed' })).cis2?.apimKeyId,
    saved.cis2?.apimKeyId,
    'the key ID is kept on edit',
  );
});

test('check reaches discovery, the JWKS and APIM; a wrong issuer is named', async () => {
  const dataDir = mkdtempSync(join(dir, 'data-'));
  const svc = new EnvironmentService({ dataDir, sandbox: null, keychain: () => memoryKeychain() });
  svc.save(input());
  const ok = await svc.check('cis2-int');
  assert.deepEqual(
    ok.services.map((s) => s.service).sort(),
    ['apim', 'cis2', 'eps', 'jwks', 'pds'],
    'no broker for cis2-apim; discovery, JWKS and APIM instead',
  );
  assert.ok(ok.ok, `every service answers: ${JSON.stringify(ok.services.filter((s) => !s.ok))}`);
  svc.save(input({ cis2Issuer: `${sb.baseUrl}/not-cis2`, name: 'elsewhere' }));
  const bad = await svc.check('elsewhere');
  const cis2 = bad.services.find((s) => s.service === 'cis2')!;
  assert.equal(cis2.ok, false, 'no discovery document there');
  assert.match(cis2.detail, /answered HTTP 404|discovery/, `the reason is said: ${cis2.detail}`);
  assert.equal(bad.services.find((s) => s.service === 'jwks')?.ok, false, 'the JWKS cannot be found without discovery');
});

test('a cis2-apim environment needs no security broker; an ssb one still does, and brokerFor says so for a file without one', async () => {
  const dataDir = mkdtempSync(join(dir, 'data-'));
  const svc = new EnvironmentService({ dataDir, sandbox: null, keychain: () => memoryKeychain() });
  const saved = svc.save(input({ brokerUrl: undefined }));
  assert.equal(saved.brokerUrl, null, 'saved without a broker address');
  assert.ok(!readFileSync(environmentsFile(dataDir), 'utf8').includes('brokerUrl'), 'none written');
  const check = await svc.check('cis2-int');
  assert.ok(check.ok, `it checks without one: ${JSON.stringify(check.services.filter((s) => !s.ok))}`);
  try {
    svc.save(input({ name: 'plain', auth: 'ssb', brokerUrl: undefined }));
    assert.fail('an ssb environment without a broker should be refused');
  } catch (e) {
    assert.ok(e instanceof ScripError && e.code === 'invalid-input', String(e));
    assert.deepEqual(
      (e.details?.issues as Array<{ path: string }>).map((i) => i.path),
      ['brokerUrl'],
      'the broker address is named',
    );
  }
  const env = configuredEnvironments(dataDir)['cis2-int']!;
  assert.throws(
    () =>
      brokerFor(
        { ...env, auth: 'ssb' },
        {
          http: () => {
            throw new Error('not reached');
          },
          keychain: () => memoryKeychain(),
          dataDir,
          onLost: () => undefined,
        },
      ),
    (e: unknown) => e instanceof ScripError && /no security broker address/.test(e.message),
    'a hand-edited ssb environment without a broker is refused with the reason',
  );
});

test('the issuer may be given as its discovery address; a bad key, client ID or kid is named on its own field', () => {
  const dataDir = mkdtempSync(join(dir, 'data-'));
  const svc = new EnvironmentService({ dataDir, sandbox: null, keychain: () => memoryKeychain() });
  const cert = sb.context.ca.root.pem;
  try {
    svc.save(input({ apimKeyPem: cert, cis2ClientId: 'has space', apimKeyId: 'a b' }));
    assert.fail('should be refused');
  } catch (e) {
    assert.ok(e instanceof ScripError && e.code === 'invalid-input', String(e));
    const issues = e.details?.issues as Array<{ path: string; message: string }>;
    assert.deepEqual(issues.map((i) => i.path).sort(), ['apimKeyId', 'apimKeyPem', 'cis2ClientId'], 'each field named');
    assert.match(
      issues.find((i) => i.path === 'apimKeyPem')!.message,
      /certificate, not a private key/,
      'a pasted certificate is called one',
    );
  }
  const saved = svc.save(input({ cis2Issuer: `${sb.baseUrl}/cis2/.well-known/openid-configuration` }));
  assert.equal(saved.cis2?.issuer, `${sb.baseUrl}/cis2`, 'the issuer is kept, not its discovery address');
});
