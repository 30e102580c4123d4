// The Electronegativity gate in `npm run lint` (scripts/electronegativity.mjs) can fail: a window
// without context isolation is a HIGH finding and stops it, named; Scrip's own shell passes with every
// finding fixed or reviewed in electronegativity.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const gate = (args: string[]) =>
  spawnSync(process.execPath, ['scripts/electronegativity.mjs', ...args], { encoding: 'utf8', timeout: 120_000 });

test('a window without context isolation fails the gate as HIGH, named with its file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scrip-en-'));
  writeFileSync(
    join(dir, 'bad-window.js'),
    "const { BrowserWindow } = require('electron');\nnew BrowserWindow({ webPreferences: { nodeIntegration: true, contextIsolation: false, sandbox: false } });\n",
  );
  const config = join(dir, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({
      excludedChecks: [{ check: 'AvailableSecurityFixesGlobalCheck', reason: 'offline' }],
      accepted: [],
    }),
  );
  const r = gate(['--config', config, dir]);
  assert.equal(r.status, 1, `the gate fails: ${r.stdout}${r.stderr}`);
  assert.match(
    r.stderr,
    /HIGH CONTEXT_ISOLATION_JS_CHECK .*bad-window\.js:2/,
    `the HIGH finding is named with its file and line: ${r.stderr}`,
  );
  assert.match(r.stderr, /HIGH LIMIT_NAVIGATION_GLOBAL_CHECK/, 'a shell with no navigation limits is HIGH too');
});

test("Scrip's Electron shell and renderer pass: every finding fixed or reviewed with a reason", () => {
  const r = gate([]);
  assert.equal(r.status, 0, `the gate passes: ${r.stdout}${r.stderr}`);
  assert.match(
    r.stdout,
    /over main\/electron, renderer\/index\.html, renderer\/src: (\d+) finding\(s\), \1 reviewed/,
    `all reviewed: ${r.stdout}`,
  );
});
