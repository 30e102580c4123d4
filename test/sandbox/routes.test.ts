// Sandbox routes are registered one way: every route module is listed in SANDBOX_ROUTES
// (sandbox/routes.ts). A route module is an exported function named `…Routes` under sandbox/; one
// written and not listed is never mounted, and this test names it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SANDBOX_ROUTES } from '../../sandbox/routes';
import type { RouteModule } from '../../sandbox/http/context';
import { repoRoot } from '../e2e/support/scrip-process';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : f.endsWith('.ts') ? [p] : [];
  });
}

/** Every exported `…Routes` function under sandbox/, by "file › name". */
async function routeModules(): Promise<Map<string, RouteModule>> {
  const found = new Map<string, RouteModule>();
  for (const file of sources(join(repoRoot, 'sandbox'))) {
    const names = [...readFileSync(file, 'utf8').matchAll(/^export (?:const|function) (\w+Routes)\b/gm)].map(
      (m) => m[1]!,
    );
    if (!names.length) continue;
    const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    for (const n of names) {
      assert.equal(typeof mod[n], 'function', `${relative(repoRoot, file)} exports ${n}, a function`);
      found.set(`${relative(repoRoot, file)} › ${n}`, mod[n] as RouteModule);
    }
  }
  return found;
}

const unlisted = (all: Map<string, RouteModule>, listed: readonly RouteModule[]): string[] =>
  [...all].filter(([, m]) => !listed.includes(m)).map(([name]) => name);

test('every route module under sandbox/ is listed in SANDBOX_ROUTES, once, and nothing else is', async () => {
  const all = await routeModules();
  assert.ok(all.size >= 10, `the scan finds the sandbox's route modules (found ${all.size})`);
  assert.deepEqual(unlisted(all, SANDBOX_ROUTES), [], 'route modules missing from sandbox/routes.ts');
  assert.equal(new Set(SANDBOX_ROUTES).size, SANDBOX_ROUTES.length, 'no module is listed twice');
  const known = new Set(all.values());
  assert.deepEqual(
    SANDBOX_ROUTES.filter((m) => !known.has(m)).map((m) => m.name),
    [],
    'every listed module is an exported …Routes function under sandbox/ (so the scan above sees it)',
  );
  // The check can fail: leave the first module out and it is named.
  const [first, ...rest] = SANDBOX_ROUTES;
  const firstName = [...all].find(([, m]) => m === first)![0];
  assert.deepEqual(unlisted(all, rest), [firstName], 'a module left out of the list is named');
});
