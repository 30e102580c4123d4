#!/usr/bin/env node
// Runs Scrip's test suites and ends with one plain line: "N passed, N failed, N skipped".
//   unit:        test/**/*.test.ts        (node:test, no system parts)
//   integration: test/**/*.itest.ts       (node:test, real pcscd/vpcd, keyring, OpenSC, xmlsec1, HTTPS)
//   e2e:         test/e2e/*.spec.ts       (Playwright, real Chromium, browser mode)
// Usage: node scripts/run-suites.mjs [unit|integration|e2e ...]  (default: all)
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const wanted = process.argv.slice(2);
const suites = wanted.length ? wanted : ['unit', 'integration', 'e2e'];

function walk(dir, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

function run(cmd, args, env = {}) {
  return new Promise((resolve) => {
    let out = '';
    const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d) => { out += d; process.stdout.write(d); });
    child.stderr.on('data', (d) => process.stderr.write(d));
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
  });
}

function tapCounts(out) {
  const n = (k) => Number((out.match(new RegExp(`^# ${k} (\\d+)$`, 'm')) ?? [])[1] ?? 0);
  return { passed: n('pass'), failed: n('fail') + n('cancelled'), skipped: n('skipped') + n('todo') };
}

async function nodeSuite(name, suffix) {
  const files = walk(join(root, 'test')).filter((f) => f.endsWith(suffix) && !f.includes('/e2e/')).map((f) => relative(root, f)).sort();
  if (!files.length) return { passed: 0, failed: 0, skipped: 0 };
  console.log(`\n=== ${name}: ${files.length} files ===`);
  // Integration suites share pcscd and the vpcd port: run their files one at a time.
  const concurrency = name === 'integration' ? '1' : String(Math.max(1, 2));
  const { code, out } = await run(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', `--test-concurrency=${concurrency}`, ...files]);
  const c = tapCounts(out);
  if (code !== 0 && c.failed === 0) c.failed = 1; // a crash outside any test still fails the run
  return c;
}

async function e2eSuite() {
  console.log('\n=== e2e (Playwright, Chromium) ===');
  const report = join(root, 'test-results', 'e2e.json');
  rmSync(report, { force: true });
  const { code } = await run(process.execPath, [join(root, 'node_modules/@playwright/test/cli.js'), 'test', '-c', 'test/e2e/playwright.config.ts'], {
    PLAYWRIGHT_JSON_OUTPUT_NAME: report,
  });
  if (!existsSync(report)) return { passed: 0, failed: 1, skipped: 0 };
  const stats = JSON.parse(readFileSync(report, 'utf8')).stats ?? {};
  const c = { passed: stats.expected ?? 0, failed: (stats.unexpected ?? 0) + (stats.flaky ?? 0), skipped: stats.skipped ?? 0 };
  if (code !== 0 && c.failed === 0) c.failed = 1;
  return c;
}

const total = { passed: 0, failed: 0, skipped: 0 };
for (const s of suites) {
  const c = s === 'unit' ? await nodeSuite('unit', '.test.ts') : s === 'integration' ? await nodeSuite('integration', '.itest.ts') : s === 'e2e' ? await e2eSuite() : null;
  if (!c) { console.error(`unknown suite ${s}`); process.exit(2); }
  console.log(`--- ${s}: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`);
  for (const k of Object.keys(total)) total[k] += c[k];
}
console.log(`${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(total.failed > 0 ? 1 : 0);
