// Starts a worker thread whose code is a TypeScript module: from source through tsx (the worker has
// no TypeScript loader of its own), and from the CommonJS Electron bundle as the .cjs file that
// scripts/build-electron.mjs writes next to main.cjs.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/** tsx's ESM API module, as its package exports it (createRequire alone would give the CommonJS one). */
function tsxEsmApi(): string {
  const pkgPath = createRequire(import.meta.url).resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as {
    exports: Record<string, { import?: { default?: string } }>;
  };
  return pathToFileURL(join(dirname(pkgPath), pkg.exports['./esm/api']?.import?.default ?? 'dist/esm/api/index.mjs'))
    .href;
}

/**
 * `source`: the worker module's URL, resolved by the caller against its own import.meta.url;
 * `bundled`: its file name in the Electron bundle. `caller`: the caller's import.meta.url.
 */
export function startWorker(caller: string, source: URL, bundled: string, workerData: unknown): Worker {
  const here = fileURLToPath(caller);
  if (here.endsWith('.ts')) {
    const tsx = tsxEsmApi();
    return new Worker(
      `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(source.href)}); })`,
      { eval: true, workerData },
    );
  }
  return new Worker(join(dirname(here), bundled), { workerData });
}
