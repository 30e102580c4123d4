// `scrip assure run` in a separate process, beside the whole-library run (assurance.itest.ts): a
// scenario written to fail names the requirement, the step and the difference; and with a Secret
// Service present the run is the same (no keychain is asked for).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../e2e/support/scrip-process';
import { headlessEnv, scrip as runScrip } from '../../support/scrip-cli';
import { need, requirements } from '../../support/system';

const work = mkdtempSync(join(tmpdir(), 'scrip-assure-cases-'));
after(() => rmSync(work, { recursive: true, force: true }));
const scrip = (args: string[], env: NodeJS.ProcessEnv, timeoutMs = 170_000) => runScrip(args, { env, timeoutMs });

test('a scenario meant to fail fails, naming the requirement, the step and the difference', async (t) => {
  if (!need(t, requirements.pcscd)) return;
  const r = await scrip(
    ['assure', 'run', join(repoRoot, 'test', 'fixtures', 'assurance-failing'), '--out', join(work, 'failing')],
    { ...headlessEnv(join(work, 'data')), SCRIP_ASSURANCE_PDF: 'off' },
  );
  assert.equal(r.code, 1, `exit code 1 when a scenario fails: ${r.stdout}${r.stderr.slice(-2000)}`);
  assert.match(
    r.stdout,
    /MEANT-TO-FAIL-01 \(requirements DISP-SCAL-1\.6\.9, DISP-SCAL-1\.9\.1\) failed at step \d+ "dispense the invalid prescription anyway": expected success, got error signature-invalid/,
    r.stdout,
  );
  const html = readFileSync(join(work, 'failing', 'report.html'), 'utf8');
  assert.match(html, /What differed/, 'the report shows the difference');
});

test('with a Secret Service present the run is the same (no keychain is asked for)', async (t) => {
  if (!need(t, requirements.pcscd, requirements.secretService)) return;
  const env = {
    ...headlessEnv(join(work, 'data2')),
    DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS!,
    SCRIP_ASSURANCE_PDF: 'off',
  };
  const r = await scrip(
    ['assure', 'run', '--only', 'ID-LOGIN-01,ID-CARD-REMOVAL-01', '--out', join(work, 'with-bus'), '--json'],
    env,
  );
  assert.equal(r.code, 0, `${r.stdout}${r.stderr.slice(-2000)}`);
  const summary = JSON.parse(r.stdout) as { ok: boolean; passed: number; pdf: string };
  assert.equal(summary.passed, 2, 'both chosen scenarios pass');
  assert.match(summary.pdf, /SCRIP_ASSURANCE_PDF=off/, 'the pack says why it has no PDF');
  assert.equal((await scrip(['assure', 'verify', join(work, 'with-bus')], env, 30_000)).code, 0, 'and verifies');
});
