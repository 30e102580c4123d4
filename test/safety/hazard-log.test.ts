// The hazard log (docs/safety/hazard-log.md) may claim only what the suite proves: every test it
// names must exist in a file the test runner runs, and every hazard needs at least one control
// proven by a test. Controls with no test are printed as open risks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseHazardLog, type Hazard } from './hazard-log';

const root = join(import.meta.dirname, '../..');
const logPath = join(root, 'docs/safety/hazard-log.md');

/** Test names in a file, as written in test(…)/it(…) calls, with escaped quotes read as quotes. */
function testNames(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const names: string[] = [];
  const re = /\b(?:test|it)\(\s*(['"`])((?:\\.|(?!\1).)*)\1/g;
  for (let m = re.exec(text); m; m = re.exec(text)) names.push(m[2]!.replace(/\\(.)/g, '$1'));
  return names;
}

const RUN_BY_THE_RUNNER = /^test\/.+\.(test|itest|spec)\.ts$/;

test('the hazard log parses: every hazard has its cause, effect, risks and controls', () => {
  const hazards = parseHazardLog(readFileSync(logPath, 'utf8'));
  assert.ok(hazards.length >= 18, `the log names at least the 18 hazards of issue #17 (found ${hazards.length})`);
  for (const h of hazards) {
    for (const field of ['cause', 'effect', 'initialRisk', 'residualRisk'] as const) {
      assert.ok(h[field], `${h.id} has a ${field} line`);
    }
    assert.match(h.initialRisk, /→ [1-5]/, `${h.id}: the initial risk ends with its rating`);
    assert.match(h.residualRisk, /→ [1-5]/, `${h.id}: the residual risk ends with its rating`);
    assert.ok(h.controls.length > 0, `${h.id} has at least one control`);
  }
  const ids = hazards.map((h) => h.id);
  assert.equal(new Set(ids).size, ids.length, 'hazard IDs are unique');
});

test('every test the log names exists in a file the runner runs', () => {
  const hazards = parseHazardLog(readFileSync(logPath, 'utf8'));
  const missing: string[] = [];
  for (const h of hazards) {
    for (const c of h.controls) {
      for (const t of c.tests) {
        if (!RUN_BY_THE_RUNNER.test(t.file)) {
          missing.push(`${c.id}: ${t.file} is not a file the test runner runs`);
          continue;
        }
        if (!existsSync(join(root, t.file))) {
          missing.push(`${c.id}: ${t.file} does not exist`);
          continue;
        }
        if (!testNames(t.file).some((n) => n.startsWith(t.name)))
          missing.push(`${c.id}: no test in ${t.file} is named "${t.name}…"`);
      }
    }
  }
  assert.deepEqual(missing, [], `the hazard log names tests that do not exist:\n${missing.join('\n')}`);
});

test('every hazard has a control proven by a test; controls without one are open risks', (t) => {
  const hazards = parseHazardLog(readFileSync(logPath, 'utf8'));
  const unproven = hazards.filter((h: Hazard) => !h.controls.some((c) => c.tests.length > 0)).map((h) => h.id);
  assert.deepEqual(unproven, [], `hazards with no control proven by a test: ${unproven.join(', ')}`);
  const open = hazards.flatMap((h) =>
    h.controls.filter((c) => c.tests.length === 0).map((c) => `${c.id} (${h.id}): ${c.text}`),
  );
  for (const c of hazards.flatMap((h) => h.controls)) {
    assert.equal(c.open, c.tests.length === 0, `${c.id}: a control is marked (open) exactly when it has no test`);
  }
  t.diagnostic(`open risks (controls with no test): ${open.length}`);
  for (const o of open) t.diagnostic(`open: ${o}`);
});

test('the parser refuses a malformed log, so the check cannot pass on a log it did not read', () => {
  assert.throws(
    () => parseHazardLog('### H-01 A\n- Cause: x\n  - test: `t.test.ts` › orphan\n'),
    /test line before any control/,
    'a test line outside a control is an error',
  );
  assert.throws(
    () => parseHazardLog('### H-01 A\n- Control C-01.a: x\n  - test: t.test.ts › no backticks\n'),
    /malformed test line/,
    'a test line must name its file in backticks',
  );
  assert.throws(() => parseHazardLog('# nothing here\n'), /no hazards/, 'a log with no hazard is an error');
});
