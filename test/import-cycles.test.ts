// No module imports itself back, not even through types: a circle (services ↔ api-keys ↔ registry ↔
// diagnostics, as there was) means no part can be understood or changed without all the others.
// Imports are read by TypeScript's own pre-processor; `import type` counts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { repoRoot } from './e2e/support/scrip-process';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : /\.tsx?$/.test(f) && !f.endsWith('.d.ts') ? [p] : [];
  });
}

/** Each source file (relative to the repository) → the source files it imports. */
function importGraph(dirs: string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of dirs.flatMap((d) => sources(join(repoRoot, d)))) {
    const deps = ts
      .preProcessFile(readFileSync(file, 'utf8'), true, true)
      .importedFiles.filter((i) => i.fileName.startsWith('.'))
      .map((i) => resolve(dirname(file), i.fileName))
      .map((p) => [`${p}.ts`, `${p}.tsx`, join(p, 'index.ts'), p].find((c) => existsSync(c) && statSync(c).isFile()))
      .filter((p): p is string => !!p);
    graph.set(
      relative(repoRoot, file),
      deps.map((d) => relative(repoRoot, d)),
    );
  }
  return graph;
}

/** Every circle of imports, as one path around it. */
function circles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (v: string): void => {
    state.set(v, 'open');
    path.push(v);
    for (const w of graph.get(v) ?? []) {
      if (state.get(w) === 'open') found.push([...path.slice(path.indexOf(w)), w]);
      else if (!state.has(w)) visit(w);
    }
    path.pop();
    state.set(v, 'done');
  };
  for (const v of graph.keys()) if (!state.has(v)) visit(v);
  return found;
}

test('the checker finds a circle when there is one', () => {
  const g = new Map([
    ['a.ts', ['b.ts']],
    ['b.ts', ['c.ts']],
    ['c.ts', ['a.ts']],
    ['d.ts', ['a.ts']],
  ]);
  assert.deepEqual(
    circles(g),
    [['a.ts', 'b.ts', 'c.ts', 'a.ts']],
    'the one circle, and nothing for d.ts, which only leads into it',
  );
});

test('main/, protocols/, native/ and sandbox/ import no module that imports them back', () => {
  const graph = importGraph(['main', 'protocols', 'native', 'sandbox']);
  assert.ok(graph.size > 200, `the sources were found (${graph.size} files)`);
  assert.ok(graph.get('main/app.ts')?.includes('main/services.ts'), 'imports are read, type imports included');
  const found = circles(graph);
  assert.deepEqual(
    found.map((c) => c.join(' → ')),
    [],
    'import circles: move what both sides need into a module of its own',
  );
});
