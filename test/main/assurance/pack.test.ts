// The evidence pack's seal: manifest.json with every file's SHA-256, manifest.jws over its exact
// bytes. Verified here, by openssl (an RS256 supplier key), and broken one byte at a time.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writePack, verifyPack, junitXml } from '../../../main/assurance/pack';
import { loadOrCreatePackKey, packKeyFromPem, jwkThumbprint } from '../../../main/assurance/pack-signature';
import type { RunResult } from '../../../main/assurance/runner';
import { commandExists } from '../../support/system';

const dir = mkdtempSync(join(tmpdir(), 'scrip-pack-'));
before(() => {
  process.env.SCRIP_ASSURANCE_PDF = 'off';
});
after(() => {
  delete process.env.SCRIP_ASSURANCE_PDF;
  rmSync(dir, { recursive: true, force: true });
});

const run: RunResult = {
  runId: 'run-1',
  startedAt: '2026-01-05T09:00:00.000Z',
  finishedAt: '2026-01-05T09:01:00.000Z',
  environment: { name: 'sandbox', label: 'Scrip sandbox (embedded)', sandbox: true, baseUrl: 'https://127.0.0.1:1' },
  fixedClock: '2026-01-05T09:00:00.000Z',
  versions: { Scrip: '0.1.0' },
  scenarios: [
    {
      id: 'S-01',
      title: 'A <b>scenario</b>',
      file: 's.yaml',
      requirements: ['DISP-SCAL-1.6.9'],
      tags: ['dispensing'],
      status: 'failed',
      ms: 12,
      failure:
        'S-01 (requirement DISP-SCAL-1.6.9) failed at step 1 "x": expected success, got error signature-invalid: no',
      steps: [
        {
          index: 1,
          kind: 'command',
          label: 'x',
          command: 'dispense.record',
          input: { pin: '123456' },
          status: 'failed',
          ms: 3,
          result: null,
          error: { code: 'signature-invalid', message: 'no' },
          differences: ['expected success'],
          requirements: [],
          screenshot: null,
          exchanges: [
            {
              seq: 1,
              at: 'now',
              method: 'POST',
              path: '/FHIR/R4/$process-message',
              status: 200,
              requestId: 'r1',
              request: 'Authorization: Bearer secret-token',
              response: '{}',
              ms: 1,
            },
          ],
        },
      ],
    },
  ],
  totals: { passed: 0, failed: 1, skipped: 0, steps: 1 },
  requirements: { 'DISP-SCAL-1.6.9': { scenarios: ['S-01'], status: 'failed' } },
  overheadPerStepMs: 0.1,
};

test('a pack written with a new supplier key (0600) verifies; the report escapes markup and hides secrets', async () => {
  const keyFile = join(dir, 'keys', 'supplier.pem');
  const key = loadOrCreatePackKey(keyFile, true);
  assert.equal(statSync(keyFile).mode & 0o777, 0o600, 'the key file is private');
  assert.equal(loadOrCreatePackKey(keyFile, false).thumbprint, key.thumbprint, 'the same key next time');
  const out = join(dir, 'pack');
  await writePack(out, run, key);
  const v = verifyPack(out);
  assert.equal(v.ok, true, JSON.stringify(v.problems));
  assert.deepEqual(v.signer, { alg: 'ES256', thumbprint: key.thumbprint }, 'the signer');
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  assert.ok(html.includes('A &lt;b&gt;scenario&lt;/b&gt;'), 'markup in a title is text');
  assert.doesNotMatch(html, /secret-token|123456/, 'no token or PIN in the report');
  assert.equal(verifyPack(out, { trust: 'someone-else' }).ok, false, 'a pinned key that differs is refused');
});

test('one changed byte in any file fails verification, naming the file; so does a removed or added file', async () => {
  const out = join(dir, 'tamper');
  await writePack(out, run, loadOrCreatePackKey(join(dir, 'keys', 'supplier.pem'), false));
  for (const f of readdirSync(out)) {
    const p = join(out, f);
    const original = readFileSync(p);
    const changed = Buffer.from(original);
    changed[changed.length >> 1] = changed[changed.length >> 1]! ^ 0x20;
    writeFileSync(p, changed);
    const v = verifyPack(out);
    writeFileSync(p, original);
    assert.equal(v.ok, false, `${f} changed`);
    assert.ok(
      v.problems.some((x) => x.file === f),
      `names ${f}: ${JSON.stringify(v.problems)}`,
    );
  }
  assert.equal(verifyPack(out).ok, true, 'restored, it verifies again');
  rmSync(join(out, 'messages.jsonl'));
  assert.deepEqual(
    verifyPack(out).problems.map((x) => x.file),
    ['messages.jsonl'],
    'a removed file is named',
  );
});

test('an RS256 supplier key: openssl verifies the JWS signature over header.payload', (t) => {
  if (!commandExists('openssl')) {
    t.skip('no openssl');
    return;
  }
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const key = packKeyFromPem(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  assert.equal(key.alg, 'RS256', 'RSA keys sign RS256');
  const out = join(dir, 'rsa');
  return writePack(out, run, key).then(() => {
    const [h, p, s] = readFileSync(join(out, 'manifest.jws'), 'utf8').trim().split('.');
    writeFileSync(join(dir, 'input'), `${h}.${p}`);
    writeFileSync(join(dir, 'sig'), Buffer.from(s!, 'base64url'));
    writeFileSync(join(dir, 'pub.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
    const said = execFileSync(
      'openssl',
      ['dgst', '-sha256', '-verify', join(dir, 'pub.pem'), '-signature', join(dir, 'sig'), join(dir, 'input')],
      { encoding: 'utf8' },
    );
    assert.match(said, /Verified OK/, 'openssl agrees');
    assert.ok(
      Buffer.from(p!, 'base64url').equals(readFileSync(join(out, 'manifest.json'))),
      'the payload is manifest.json byte for byte',
    );
    assert.equal(jwkThumbprint(key.jwk), key.thumbprint, 'the thumbprint is of the public key');
  });
});

test('JUnit XML names each scenario and its failure', () => {
  const xml = junitXml(run);
  assert.match(xml, /<testsuite name="Scrip assurance \(Scrip sandbox \(embedded\)\)" tests="1" failures="1"/, xml);
  assert.match(xml, /<failure message="S-01 \(requirement DISP-SCAL-1\.6\.9\) failed at step 1 &quot;x&quot;/, xml);
  assert.match(xml, /<property name="requirement" value="DISP-SCAL-1\.6\.9"\/>/, xml);
});

test("a directory holding other files is refused, so nothing of the user's is sealed or overwritten", async () => {
  const busy = join(dir, 'busy');
  writeFileSync(join(dir, 'placeholder'), '');
  await writePack(busy, run, loadOrCreatePackKey(join(dir, 'keys', 'supplier.pem'), false));
  writeFileSync(join(busy, 'notes.txt'), 'mine');
  await assert.rejects(
    writePack(busy, run, loadOrCreatePackKey(join(dir, 'keys', 'supplier.pem'), false)),
    /already holds other files \(notes\.txt\)/,
    'refused, naming the file',
  );
});

test('screenshots: in the pack, listed in the manifest, shown in the report; one changed byte fails naming the PNG; one not taken is said', async () => {
  const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex'); // a PNG's signature and header: content is not checked
  const step = run.scenarios[0]!.steps[0]!;
  const withShots: RunResult = {
    ...run,
    scenarios: [
      {
        ...run.scenarios[0]!,
        steps: [
          {
            ...step,
            screenshot: {
              name: 'after-release',
              page: 'dispense',
              file: 'screenshots/s-01-01-after-release.png',
              note: null,
            },
          },
          {
            ...step,
            index: 2,
            screenshot: {
              name: 'later',
              page: 'home',
              file: null,
              note: 'no Chromium was found (install chromium, or set SCRIP_CHROMIUM), so no screenshot was taken',
            },
          },
        ],
      },
    ],
  };
  const out = join(dir, 'shots');
  const { manifest } = await writePack(
    out,
    withShots,
    loadOrCreatePackKey(join(dir, 'keys', 'supplier.pem'), false),
    new Map([['screenshots/s-01-01-after-release.png', png]]),
  );
  assert.ok(
    manifest.files.some((f) => f.path === 'screenshots/s-01-01-after-release.png'),
    `the manifest lists the PNG: ${manifest.files.map((f) => f.path).join(', ')}`,
  );
  assert.equal(verifyPack(out).ok, true, 'the pack verifies');
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  assert.ok(
    html.includes(`data:image/png;base64,${png.toString('base64')}`),
    'the report shows the PNG inline (it stays one file)',
  );
  assert.ok(
    /alt="Scrip&#39;s dispense page after step 1 of S-01 \(after-release\)"/.test(html),
    'with a text alternative',
  );
  assert.ok(/Screenshot "later"<\/b>: no Chromium was found/.test(html), 'a screenshot not taken is said at its step');
  assert.ok(
    /1 of 2 taken \(browser mode, the screenshots folder\); not taken: no Chromium was found/.test(html),
    'and in the summary',
  );
  const p = join(out, 'screenshots', 's-01-01-after-release.png');
  writeFileSync(p, Buffer.concat([png.subarray(0, 4), Buffer.from([png[4]! ^ 1]), png.subarray(5)]));
  assert.deepEqual(
    verifyPack(out).problems.map((x) => x.file),
    ['screenshots/s-01-01-after-release.png'],
    'a changed screenshot is named',
  );
  await writePack(out, run, loadOrCreatePackKey(join(dir, 'keys', 'supplier.pem'), false));
  assert.equal(
    verifyPack(out).ok,
    true,
    'a later pack in the same folder drops the earlier screenshots rather than sealing them',
  );
});
