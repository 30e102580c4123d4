// scripts/unused-exports.mjs (in `npm run lint`): an export nothing imports is named with its file
// and line, and the uses it must see (re-exports, namespace and dynamic imports, entry points,
// registered commands) keep an export from being named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { repoRoot } from './e2e/support/scrip-process';

function check(files: Record<string, string>, ...args: string[]): { code: number | null; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'scrip-exports-'));
  try {
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    const r = spawnSync(process.execPath, [join(repoRoot, 'scripts/unused-exports.mjs'), '--root', dir, ...args], {
      encoding: 'utf8',
    });
    return { code: r.status, out: r.stdout + r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('an export no module imports is named by file, line and name, and fails the check', () => {
  const r = check({
    'main/a.ts': 'export const used = 1;\n\nexport function unused(): number {\n  return used;\n}\n',
    'main/b.ts': "import { used } from './a';\nexport const b = used;\n",
    'test/b.test.ts': "import { b } from '../main/b';\nvoid b;\n",
  });
  assert.equal(r.code, 1, `the check fails: ${r.out}`);
  assert.match(r.out, /main\/a\.ts:3 unused/, 'the unused export is named with its line');
  assert.doesNotMatch(r.out, /main\/a\.ts:1 used|main\/b\.ts/, 'exports that are imported are not named');
});

test('re-exports, namespace and dynamic imports, build entries and commands count as uses', () => {
  const r = check({
    'main/lib/x.ts': 'export const viaStar = 1;\nexport type ViaType = string;\n',
    'main/lib/index.ts': "export * from './x';\n",
    'main/ns.ts': 'export const n1 = 1;\n',
    'main/dyn.ts': 'export const d1 = 1;\n',
    'main/commands/c.ts': 'export const cmd = defineCommand({});\n',
    'main/entry.ts': 'export const fromEntry = 1;\n',
    'main/user.ts':
      "import { viaStar } from './lib';\nimport * as ns from './ns';\nexport type T = import('./lib/x').ViaType;\n" +
      "export const u = [viaStar, ns.n1, import('./dyn')];\n",
    'scripts/build.mjs': "build({ entryPoints: ['main/entry.ts'] });\n",
    'test/u.test.ts': "import { u, type T } from '../main/user';\nvoid u;\n",
  });
  assert.equal(r.code, 0, `nothing is named: ${r.out}`);
});

test('--skip leaves a folder out of the report (its imports still count)', () => {
  const files = { 'renderer/src/x.ts': 'export const x = 1;\n' };
  assert.equal(check(files).code, 1, 'the unused export in renderer/ fails the check');
  assert.equal(check(files, '--skip', 'renderer/').code, 0, 'skipped, it does not');
});
