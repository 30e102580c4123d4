// `npm run bench`: runs every benchmark module in bench/ and prints one JSON line per figure.
// Each module exports `run(): Promise<Figure[]>`; a module that needs something missing (pcscd,
// say) reports a figure with `skipped` and the reason instead of failing the rest.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Figure {
  name: string;
  value: number;
  unit: string;
  note?: string;
}

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const modules = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_'))
  .map((f) => f.replace(/\.ts$/, ''))
  .filter((m) => !only.length || only.includes(m));

let failed = false;
for (const m of modules) {
  try {
    const mod = (await import(join(here, `${m}.ts`))) as { run?: () => Promise<Figure[]> };
    if (!mod.run) continue;
    for (const f of await mod.run()) process.stdout.write(JSON.stringify({ bench: m, ...f }) + '\n');
  } catch (e) {
    failed = true;
    process.stdout.write(JSON.stringify({ bench: m, error: e instanceof Error ? e.message : String(e) }) + '\n');
  }
}
process.exit(failed ? 1 : 0);
