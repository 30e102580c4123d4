#!/usr/bin/env node
// Entry point for `scrip` / `npx scrip`. `npm run build` bundles the command line into dist/cli
// (scripts/build-cli.mjs, decision 0013), which starts in a tenth of the time TypeScript through tsx
// takes. Without a bundle, or when a source file it was built from is newer (a checkout edited or
// pulled since the last build), the sources run through tsx instead, so `scrip` never runs stale code.
// The sandbox and the virtual card are standalone programs (they never load main/); everything else
// is the main CLI.
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist', 'cli');

/** Why the bundle cannot be used ('missing', 'older than <file>'), or null when it can. */
function bundleProblem() {
  let built;
  let inputs;
  try {
    built = statSync(join(dist, 'main.mjs')).mtimeMs;
    inputs = JSON.parse(readFileSync(join(dist, 'inputs.json'), 'utf8'));
  } catch {
    return 'missing';
  }
  for (const f of inputs) {
    let changed;
    try {
      changed = statSync(join(root, f)).mtimeMs;
    } catch {
      return `built from ${f}, which is gone`;
    }
    if (changed > built) return `older than ${f}`;
  }
  return null;
}

const problem = process.env.SCRIP_FROM_SOURCE === '1' ? 'not used (SCRIP_FROM_SOURCE=1)' : bundleProblem();
const argv = process.argv.slice(2);
const load = async (bundled, source) =>
  import(pathToFileURL(join(problem ? root : dist, problem ? source : bundled)).href);

/** `scrip`, `scrip help`, `scrip --help`: the overview the build wrote, with no code loaded; null when there is none. */
function builtOverview() {
  if (problem || !(argv.length === 0 || (argv.length === 1 && ['help', '--help'].includes(argv[0])))) return null;
  try {
    return readFileSync(join(dist, 'overview.txt'), 'utf8');
  } catch {
    return null;
  } // the build is making it
}

async function run() {
  if (problem) {
    // Said only to a person at a terminal: scripts and tests read stderr for the command's own errors.
    if (process.stderr.isTTY && process.env.SCRIP_FROM_SOURCE !== '1')
      process.stderr.write(
        `scrip: the bundled command line (dist/cli) is ${problem}, so it runs from the TypeScript sources, which starts slower. Run "npm run build" to bundle it.\n`,
      );
    let tsx;
    try {
      tsx = await import('tsx/esm/api');
    } catch {
      process.stderr.write(
        `Error: the bundled command line (dist/cli) is ${problem}, and tsx, which runs it from the TypeScript sources, is not installed (it is a development dependency).\nRun "npm ci" and then "npm run build" in ${root}.\n`,
      );
      return 1;
    }
    tsx.register();
  }
  const [a, b] = argv;
  if (a === 'sandbox') return (await load('sandbox.mjs', 'sandbox/cli.ts')).runSandboxCli(argv.slice(1));
  if (a === 'card' && (b === 'issue' || b === 'virtual'))
    return (await load('card.mjs', 'sandbox/card/cli.ts')).runCardCli(argv.slice(1));
  return (await load('main.mjs', 'main/cli/main.ts')).main(argv);
}

const overview = builtOverview();
if (overview !== null) process.stdout.write(overview);
else process.exitCode = await run();
