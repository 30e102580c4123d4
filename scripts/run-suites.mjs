#!/usr/bin/env node
// Runs Scrip's test suites and ends with one plain line: "N passed, N failed, N skipped".
//   unit:        test/**/*.test.ts        (node:test, no system parts)
//   integration: test/**/*.itest.ts       (node:test, real pcscd/vpcd, keyring, OpenSC, xmlsec1, HTTPS)
//   e2e:         test/e2e/*.spec.ts       (Playwright, real Chromium, browser mode)
// Usage: node scripts/run-suites.mjs [unit|integration|e2e ...] [path-fragment ...]
//   (default: every suite; a path fragment keeps only the files whose path contains it)
//
// Nothing may hang a run: every test has a timeout (--test-timeout), every file a wall-clock limit
// after which its whole process group is killed and the file counted as failed, by name. For the
// locked suites the limit counts from when the lock is held, not from when the file queued for it.
// The suites that use pcscd and the vpcd ports take a machine-wide lock (flock), file by file, so two
// runs on one machine never drive the same virtual reader at once.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const SUITES = ['unit', 'integration', 'e2e'];
const args = process.argv.slice(2);
const wanted = args.filter((a) => SUITES.includes(a));
const filters = args.filter((a) => !SUITES.includes(a));
const suites = wanted.length ? wanted : SUITES;
const PCSC_LOCK = process.env.SCRIP_PCSC_LOCK ?? '/tmp/scrip-pcsc.lock';

// Limits (ms). A test that needs longer is broken or belongs in bench/.
const LIMITS = {
  unit: { test: 60_000, file: 180_000 },
  integration: { test: 180_000, file: 420_000 },
  e2e: { file: 1_500_000 },
};

function walk(dir, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

/**
 * Runs a command in its own process group; kills the whole group when `limitMs` passes. With
 * `afterLock`, the clock starts only once the machine-wide lock is held (the marker line on stderr):
 * time spent queueing behind other engineers' runs is not the file's time.
 */
function run(cmd, cmdArgs, { env = {}, limitMs, echo = true, afterLock = false } = {}) {
  return new Promise((resolve) => {
    let out = '';
    let timedOut = false;
    let timer = null;
    const child = spawn(cmd, cmdArgs, {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const startClock = () => {
      timer = setTimeout(() => {
        timedOut = true;
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }, limitMs);
    };
    if (!afterLock) startClock();
    child.stdout.on('data', (d) => {
      out += d;
      if (echo) process.stdout.write(d);
    });
    child.stderr.on('data', (d) => {
      let text = String(d);
      if (!timer && text.includes(LOCK_MARKER)) {
        startClock();
        text = text.replace(`${LOCK_MARKER}\n`, '');
      }
      if (text) process.stderr.write(text);
    });
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      // Whatever the file left behind (an agent, a card server) goes with it.
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* none left */
      }
      resolve({ code: code ?? 1, out, timedOut });
    });
  });
}

// flock runs a shell that says on stderr when it holds the lock, then becomes the command.
const LOCK_MARKER = '# scrip-run-suites: pcsc lock held';
const withPcscLock = (cmd, cmdArgs) => [
  'flock',
  [PCSC_LOCK, 'sh', '-c', `echo '${LOCK_MARKER}' >&2; exec "$@"`, 'sh', cmd, ...cmdArgs],
];

function tapCounts(out) {
  const n = (k) => Number((out.match(new RegExp(`^# ${k} (\\d+)$`, 'm')) ?? [])[1] ?? 0);
  return { passed: n('pass'), failed: n('fail') + n('cancelled'), skipped: n('skipped') + n('todo') };
}

const failures = [];

async function nodeFile(suite, file) {
  const limits = LIMITS[suite];
  const base = [
    process.execPath,
    ['--import', 'tsx', '--test', '--test-reporter=tap', `--test-timeout=${limits.test}`, file],
  ];
  const [cmd, cmdArgs] = suite === 'integration' ? withPcscLock(...base) : base;
  const { code, out, timedOut } = await run(cmd, cmdArgs, { limitMs: limits.file, afterLock: suite === 'integration' });
  const c = tapCounts(out);
  if (timedOut) {
    failures.push(`${file}: killed after ${limits.file / 1000} s (the file's limit)`);
    c.failed += 1;
  } else if (code !== 0 && c.failed === 0) {
    failures.push(`${file}: exited ${code} outside any test`);
    c.failed = 1; // a crash outside any test still fails the run
  } else if (c.failed > 0) {
    failures.push(`${file}: ${c.failed} failed`);
  }
  return c;
}

async function nodeSuite(name, suffix) {
  const files = walk(join(root, 'test'))
    .filter((f) => f.endsWith(suffix) && !f.includes('/e2e/'))
    .map((f) => relative(root, f))
    .filter((f) => !filters.length || filters.some((x) => f.includes(x)))
    .sort();
  const total = { passed: 0, failed: 0, skipped: 0 };
  if (!files.length) return total;
  console.log(`\n=== ${name}: ${files.length} files ===`);
  // Integration files share pcscd and the vpcd ports: one at a time. Unit files: one per core.
  const workers = name === 'integration' ? 1 : 2;
  const queue = [...files];
  await Promise.all(
    Array.from({ length: workers }, async () => {
      for (let f = queue.shift(); f; f = queue.shift()) {
        const c = await nodeFile(name, f);
        for (const k of Object.keys(total)) total[k] += c[k];
      }
    }),
  );
  return total;
}

async function e2eSuite() {
  const specs = walk(join(root, 'test/e2e'))
    .filter((f) => f.endsWith('.spec.ts'))
    .map((f) => relative(root, f));
  const chosen = filters.length ? specs.filter((f) => filters.some((x) => f.includes(x))) : specs;
  if (!chosen.length) return { passed: 0, failed: 0, skipped: 0 };
  console.log('\n=== e2e (Playwright, Chromium) ===');
  const report = join(root, 'test-results', 'e2e.json');
  rmSync(report, { force: true });
  const pw = [
    process.execPath,
    [
      join(root, 'node_modules/@playwright/test/cli.js'),
      'test',
      '-c',
      'test/e2e/playwright.config.ts',
      ...(filters.length ? chosen.map((f) => relative('test/e2e', f)) : []),
    ],
  ];
  const [cmd, cmdArgs] = withPcscLock(...pw);
  const { code, timedOut } = await run(cmd, cmdArgs, {
    env: { PLAYWRIGHT_JSON_OUTPUT_NAME: report },
    limitMs: LIMITS.e2e.file,
    afterLock: true,
  });
  if (timedOut) failures.push(`e2e: killed after ${LIMITS.e2e.file / 1000} s`);
  if (!existsSync(report)) return { passed: 0, failed: 1, skipped: 0 };
  const stats = JSON.parse(readFileSync(report, 'utf8')).stats ?? {};
  const c = {
    passed: stats.expected ?? 0,
    failed: (stats.unexpected ?? 0) + (stats.flaky ?? 0),
    skipped: stats.skipped ?? 0,
  };
  if ((code !== 0 || timedOut) && c.failed === 0) c.failed = 1;
  if (c.failed) failures.push(`e2e: ${c.failed} failed (see the list above)`);
  return c;
}

const total = { passed: 0, failed: 0, skipped: 0 };
for (const s of suites) {
  const c =
    s === 'unit'
      ? await nodeSuite('unit', '.test.ts')
      : s === 'integration'
        ? await nodeSuite('integration', '.itest.ts')
        : await e2eSuite();
  console.log(`--- ${s}: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`);
  for (const k of Object.keys(total)) total[k] += c[k];
}
if (failures.length) console.log(`\nFailed:\n${failures.map((f) => `  ${f}`).join('\n')}`);
console.log(`${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(total.failed > 0 ? 1 : 0);
