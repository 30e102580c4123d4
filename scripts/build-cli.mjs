// Bundles the command line (bin/scrip.mjs's three programs: the main CLI and agent, the sandbox, the
// virtual card) to ES modules in dist/cli, so `scrip` starts without transforming TypeScript
// (decision 0013). Native modules and pino stay external and load from node_modules. The worker
// threads are bundled next to the chunks as .cjs, where native/worker-entry.ts looks for them.
// dist/cli/inputs.json lists the source files the bundle was built from: bin/scrip.mjs runs from
// source instead when any of them is newer than the bundle. dist/cli/overview.txt is `scrip --help`;
// dist/cli/commands.json the commands as the CLI sees them.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const out = 'dist/cli';
const external = ['electron', 'smartcard', 'better-sqlite3', '@napi-rs/keyring', 'pkcs11js', 'pino', 'tsx'];
// CommonJS dependencies bundled into ES modules call require(); give them Node's.
const esmBanner = {
  js: "import { createRequire as __scripCreateRequire } from 'node:module'; const require = __scripCreateRequire(import.meta.url);",
};
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const cli = await build({
  entryPoints: { main: 'main/cli/main.ts', sandbox: 'sandbox/cli.ts', card: 'sandbox/card/cli.ts' },
  outdir: out,
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunk-[hash]',
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  metafile: true,
  external,
  banner: esmBanner,
});

// Worker threads: CommonJS like the Electron bundle's (import.meta.url is the worker file's own).
const worker = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  metafile: true,
  external,
  banner: { js: "const __scrip_import_meta_url = require('node:url').pathToFileURL(__filename).href;" },
  define: { 'import.meta.url': '__scrip_import_meta_url' },
};
const workers = await Promise.all([
  build({ ...worker, entryPoints: ['main/prescribing/dmd/import-worker.ts'], outfile: `${out}/dmd-import-worker.cjs` }),
  build({ ...worker, entryPoints: ['native/pkcs11/worker.ts'], outfile: `${out}/pkcs11-worker.cjs` }),
  build({ ...worker, entryPoints: ['sandbox/eps/message-worker.ts'], outfile: `${out}/eps-message-worker.cjs` }),
]);

// Every command as the CLI sees it (main/commands/cli-data.ts): the bundle reads this list instead of
// building the registry's zod schemas, so a command answered by the agent loads no zod at all.
const manifest = `${out}/cli-commands.tmp.mjs`;
await build({
  entryPoints: ['main/cli/cli-commands.ts'],
  outfile: manifest,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external,
  banner: esmBanner,
});
const { cliCommands } = await import(pathToFileURL(manifest).href);
writeFileSync(`${out}/commands.json`, JSON.stringify(cliCommands()) + '\n');
rmSync(manifest);

const inputs = new Set(['scripts/build-cli.mjs', 'package-lock.json']);
for (const r of [cli, ...workers])
  for (const f of Object.keys(r.metafile.inputs)) if (!f.includes('node_modules/')) inputs.add(f);
writeFileSync(`${out}/inputs.json`, JSON.stringify([...inputs].sort()) + '\n');

// `scrip --help` from the bundle just built (which proves it starts), kept for bin to print as it is.
const help = spawnSync(process.execPath, ['bin/scrip.mjs', 'help'], {
  encoding: 'utf8',
  env: { ...process.env, SCRIP_FROM_SOURCE: '' },
});
if (help.status !== 0) throw new Error(`the bundled CLI did not start: ${help.stderr}`);
writeFileSync(`${out}/overview.txt`, help.stdout);
console.log(`built ${out}/main.mjs, sandbox.mjs, card.mjs and the workers from ${inputs.size} source files`);
