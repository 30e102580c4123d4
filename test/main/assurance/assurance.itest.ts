// `scrip assure run` as CI runs it: a separate process, no agent, no API key, no keychain (no D-Bus
// session at all), the built-in library against its own sandbox with the virtual cards in vpcd
// through pcscd, in two lanes. Then the evidence pack: it verifies; one changed byte in any file
// (screenshots too) fails, naming the file; JUnit for CI. (A scenario written to fail, and a run
// with a Secret Service present: assurance-cases.itest.ts, so each file stays within its limit.)
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { headlessEnv, scrip as runScrip } from '../../support/scrip-cli';
import { need, requirements } from '../../support/system';
import { loadScenarios } from '../../../main/assurance/library';
import { verifyPack } from '../../../main/assurance/pack';

const work = mkdtempSync(join(tmpdir(), 'scrip-assure-test-'));
after(() => rmSync(work, { recursive: true, force: true }));

// The whole library is ~2 min on 2 busy cores (docs/performance.md); the bound leaves room for a slow CI machine.
const scrip = (args: string[], env: NodeJS.ProcessEnv, timeoutMs = 300_000) => runScrip(args, { env, timeoutMs });

const pack = join(work, 'evidence');
const library = loadScenarios([]).length;
let ran = false;

test(
  'the built-in library passes against the sandbox with no keychain, and writes a signed evidence pack',
  { timeout: 320_000 },
  async (t) => {
    if (!need(t, requirements.pcscd)) return;
    const junit = join(work, 'junit.xml');
    const r = await scrip(['assure', 'run', '--out', pack, '--junit', junit], headlessEnv(join(work, 'data')));
    assert.equal(r.code, 0, `every scenario passes (exit 0):\n${r.stdout}\n${r.stderr.slice(-3000)}`);
    ran = true;
    assert.match(
      r.stdout,
      new RegExp(`^PASSED: ${library} passed, 0 failed, 0 skipped`, 'm'),
      `the summary line: ${r.stdout}`,
    );
    const files = readdirSync(pack).sort();
    for (const f of ['manifest.json', 'manifest.jws', 'messages.jsonl', 'report.html', 'results.json'])
      assert.ok(files.includes(f), `the pack holds ${f} (it has ${files.join(', ')})`);
    if (!requirements.chromium.check())
      assert.ok(files.includes('report.pdf'), 'Chromium is here, so the PDF is rendered');
    const results = JSON.parse(readFileSync(join(pack, 'results.json'), 'utf8')) as {
      fixedClock: string;
      requirements: Record<string, { status: string }>;
      scenarios: Array<{ id: string; steps: Array<{ exchanges: unknown[] }> }>;
    };
    assert.equal(results.fixedClock, '2026-01-05T09:00:00.000Z', 'the sandbox ran on the fixed clock');
    assert.equal(
      results.requirements['DISP-SCAL-1.6.9']?.status,
      'passed',
      'the invalid-signature requirement is evidenced',
    );
    assert.ok(
      results.scenarios.flatMap((s) => s.steps).some((s) => s.exchanges.length > 0),
      'exchanges with the service are kept per step',
    );
    const html = readFileSync(join(pack, 'report.html'), 'utf8');
    assert.match(html, /DISP-SCAL-1\.6\.9/, 'the report lists the requirement');
    if (!requirements.chromium.check()) {
      assert.ok(/3 of 3 taken \(browser mode/.test(html), 'the three marked steps were photographed');
      assert.ok(html.includes('data:image/png;base64,'), 'and the report shows them');
    }
    assert.match(html, /nhsuk-table/, 'the report uses the NHS design system');
    assert.doesNotMatch(html, /<script/i, 'the report carries no script');
    const log = readFileSync(join(pack, 'messages.jsonl'), 'utf8');
    assert.doesNotMatch(log, /Bearer (?!\[redacted\])\S+/, 'no session token is in the message log');
    assert.doesNotMatch(log + html, /"pin":\s*"\d{6}"/, 'no PIN is in the pack');
    const xml = readFileSync(junit, 'utf8');
    assert.match(
      xml,
      new RegExp(`<testsuite [^>]*tests="${library}" failures="0"`),
      `JUnit counts the scenarios: ${xml.slice(0, 300)}`,
    );
    assert.equal(results.requirements['DISP-SCAL-1.5.1']?.status, 'passed', 'release by prescription ID and nominated');
  },
);

test('scrip assure verify accepts the pack, and one changed byte in any file fails naming that file', async (t) => {
  if (!need(t, requirements.pcscd)) return;
  assert.ok(ran, 'the run above wrote the pack');
  const env = headlessEnv(join(work, 'data'));
  const ok = await scrip(['assure', 'verify', pack], env, 30_000);
  assert.equal(ok.code, 0, `the pack verifies: ${ok.stdout}${ok.stderr}`);
  assert.match(ok.stdout, /intact/, ok.stdout);
  const files = readdirSync(pack, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(pack, join(e.parentPath, e.name)).split(sep).join('/'));
  assert.ok(
    files.some((f) => /^screenshots\/.+\.png$/.test(f)),
    `the pack holds the marked steps' screenshots: ${files.join(', ')}`,
  );
  const flip = (f: string, run: () => Promise<void> | void) => async () => {
    const p = join(pack, f);
    const original = readFileSync(p);
    const changed = Buffer.from(original);
    const at = Math.floor(changed.length / 2);
    changed[at] = changed[at]! ^ 0x01;
    writeFileSync(p, changed);
    try {
      await run();
    } finally {
      writeFileSync(p, original);
    }
  };
  // Every file, checked in this process (the verifier the CLI runs); one through the CLI itself.
  for (const f of files) {
    await flip(f, () => {
      const v = verifyPack(pack);
      assert.equal(v.ok, false, `a changed byte in ${f} fails verification`);
      assert.ok(
        v.problems.some((x) => x.file === f),
        `the failure names ${f}: ${JSON.stringify(v.problems)}`,
      );
    })();
  }
  const png = files.find((f) => f.endsWith('.png'))!;
  await flip(png, async () => {
    const bad = await scrip(['assure', 'verify', pack, '--json'], env, 30_000);
    assert.equal(bad.code, 1, `scrip assure verify exits 1 when ${png} changed`);
    const v = JSON.parse(bad.stdout) as { ok: boolean; problems: Array<{ file: string; problem: string }> };
    assert.ok(
      v.problems.some((x) => x.file === png),
      `and names it: ${JSON.stringify(v.problems)}`,
    );
  })();
  writeFileSync(join(pack, 'extra.txt'), 'added later');
  const added = await scrip(['assure', 'verify', pack, '--json'], env, 30_000);
  rmSync(join(pack, 'extra.txt'));
  assert.equal(added.code, 1, 'a file added after signing fails verification');
  assert.match(added.stdout, /extra\.txt/, 'naming the added file');
});
