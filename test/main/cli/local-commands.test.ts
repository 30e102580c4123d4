// Pure computations run in the CLI process: `scrip prescription digest`, `prescription verify` and
// `medicines search` (bundled dm+d subset) answer with no agent, no pcscd and no keychain — a fresh
// data directory (no agent socket in it) and no D-Bus session, so any attempt to reach one fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../e2e/support/scrip-process';
import { prepareDigest } from '../../../protocols/eps/fragments';
import { epsAcuteExample } from '../../support/fixtures';
import { noAgentEnv, scrip as runScrip, type CliResult } from '../../support/scrip-cli';

const fixtures = join(repoRoot, 'test', 'fixtures', 'eps-signed-prescriptions');
const example = epsAcuteExample;

/** Each command in a data directory of its own, with no agent, keychain or pcscd to reach. */
async function scrip(args: string[]): Promise<CliResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'scrip-local-'));
  try {
    return await runScrip(args, {
      env: noAgentEnv({
        SCRIP_DATA_DIR: dataDir,
        DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent',
        PCSCLITE_CSOCK_NAME: join(dataDir, 'no-pcscd.comm'),
      }),
      timeoutMs: 60_000,
    });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

test('prescription digest needs no agent: the digest equals the one computed here', async () => {
  const timestamp = '2024-12-09T11:50:04+00:00';
  const r = await scrip(['prescription', 'digest', '--bundle', example, '--timestamp', timestamp, '--json']);
  assert.equal(r.code, 0, `exit 0 (stderr: ${r.stderr})`);
  const out = JSON.parse(r.stdout) as { digest: string; timestamp: string };
  const expected = prepareDigest(
    JSON.parse(readFileSync(example, 'utf8')) as Record<string, unknown>,
    timestamp,
    'RS256',
    (alg, d) => createHash(alg).update(d, 'utf8').digest('base64'),
  );
  assert.equal(out.digest, expected.digest, 'same digest as protocols/eps/fragments');
  assert.equal(out.timestamp, timestamp, 'the given signing time');
});

test("prescription verify needs no agent: NHS England's valid and invalid signatures get their verdicts", async () => {
  const valid = await scrip(['prescription', 'verify', '--file', join(fixtures, 'ValidSignature.xml'), '--json']);
  assert.equal(valid.code, 0, `exit 0 (stderr: ${valid.stderr})`);
  const v = JSON.parse(valid.stdout) as { verdict: string; checks: Array<{ id: string; result: string }> };
  assert.equal(
    v.checks.map((c) => `${c.id}:${c.result}`).join(' '),
    'format:pass one-certificate:pass signature:pass digest:pass chain:not-checked validity:pass revocation:not-checked',
    'every check EPS makes passes; chain and CRL need a trust bundle',
  );
  assert.equal(v.verdict, 'not-fully-checked', 'no trust bundle: not fully checked');
  const invalid = await scrip(['prescription', 'verify', '--file', join(fixtures, 'SignatureIsInvalid.xml')]);
  assert.equal(invalid.code, 0, `a verdict, not an error (stderr: ${invalid.stderr})`);
  assert.match(invalid.stdout, /verdict: invalid/, 'the human form says invalid');
  assert.match(invalid.stdout, /Signature is invalid/, "EPS's words for the failed check");
});

test('medicines search uses the bundled dm+d subset when no agent runs', async () => {
  const r = await scrip(['medicines', 'search', 'paracetamol', '--json']);
  assert.equal(r.code, 0, `exit 0 (stderr: ${r.stderr})`);
  const out = JSON.parse(r.stdout) as { results: Array<{ name: string }>; release: { subset: boolean } };
  assert.ok(
    out.results.some((m) => /paracetamol/i.test(m.name)),
    'paracetamol found',
  );
  assert.equal(out.release.subset, true, 'the bundled subset answered');
});

test('medicines dose reads a dose shortcut against the bundled dm+d subset, with no agent', async () => {
  const r = await scrip(['medicines', 'dose', '1 tds 5/7', '--code', '39732311000001104', '--json']);
  assert.equal(r.code, 0, `exit 0 (stderr: ${r.stderr})`);
  const out = JSON.parse(r.stdout) as {
    sentence: string;
    quantity: number;
    unit: string;
    supplyDays: number;
    basis: string;
  };
  assert.deepEqual(
    [out.sentence, out.quantity, out.unit, out.supplyDays, out.basis],
    ['One capsule three times a day for 5 days', 15, 'capsule', 5, 'exact'],
    'amoxicillin 250mg capsules, 1 tds 5/7',
  );
});

test('a command that needs the agent still says none is running', async () => {
  const r = await scrip(['readers', 'list']);
  assert.equal(r.code, 20, 'service-unreachable');
  assert.match(r.stderr, /No Scrip agent is running/, 'says what is missing');
});

test('a file that is not a prescription is a clear input error', async () => {
  const r = await scrip(['prescription', 'verify', '--file', join(repoRoot, 'package.json')]);
  assert.equal(r.code !== 0, true, 'refused');
  assert.match(r.stderr, /resourceType "Bundle"/, 'names what is wrong');
});
