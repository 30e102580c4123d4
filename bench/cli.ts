// The command line's start-up, timed as a person waits for it: from spawning `node bin/scrip.mjs`
// to the process's exit. `scrip --help`, and `scrip readers list` answered by a running agent over
// its socket; each from the bundle (`npm run build`, decision 0013) and from the TypeScript sources
// through tsx, next to Node's own start-up on the same machine.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startScrip, repoRoot } from '../test/e2e/support/scrip-process';
import { percentile, round } from './_stats';
import type { Figure } from './run';

const bin = join(repoRoot, 'bin', 'scrip.mjs');

/** Wall-clock milliseconds from spawn to exit; a non-zero exit is an error (a fast failure is no figure). */
function timed(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve(performance.now() - t0)
        : reject(new Error(`${args.join(' ')} exited with ${code}: ${stderr}`)),
    );
  });
}

async function samples(n: number, args: string[], env: NodeJS.ProcessEnv): Promise<number[]> {
  await timed(args, env); // the first run fills the OS file cache
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await timed(args, env));
  return out;
}

const figures = (name: string, s: number[], note?: string): Figure[] => [
  { name: `${name}.p50`, value: round(percentile(s, 50), 1), unit: 'ms', ...(note ? { note } : {}) },
  { name: `${name}.min`, value: round(Math.min(...s), 1), unit: 'ms' },
];

export async function run(): Promise<Figure[]> {
  const n = Number(process.env.SCRIP_BENCH_CLI_RUNS ?? 20);
  const base: NodeJS.ProcessEnv = { ...process.env, SCRIP_FROM_SOURCE: '' };
  delete base.SCRIP_API_KEY;
  delete base.SCRIP_URL;
  const source = { ...base, SCRIP_FROM_SOURCE: '1' };
  const out: Figure[] = [
    ...figures(
      'node.start',
      await samples(n, ['-e', '0'], base),
      'node -e 0: what any Node program pays on this machine',
    ),
  ];
  const bundled = existsSync(join(repoRoot, 'dist', 'cli', 'main.mjs'));
  if (!bundled) out.push({ name: 'bundle', value: 0, unit: 'skipped', note: 'no dist/cli: run "npm run build" first' });
  if (bundled) out.push(...figures('help.bundle', await samples(n, [bin, '--help'], base)));
  out.push(
    ...figures(
      'help.source',
      await samples(Math.min(n, 5), [bin, '--help'], source),
      'through tsx (SCRIP_FROM_SOURCE=1)',
    ),
  );

  // A headless agent with no card; the CLI finds it through the socket in its data directory.
  const keyDir = mkdtempSync(join(tmpdir(), 'scrip-bench-cli-'));
  const agent = await startScrip(['agent', '--headless', '--admin-key-file', join(keyDir, 'admin.key')], {
    SCRIP_VIRTUAL_CARD: 'off',
    SCRIP_FROM_SOURCE: '',
  });
  try {
    const env = {
      ...base,
      SCRIP_DATA_DIR: agent.dataDir,
      SCRIP_API_KEY: readFileSync(join(keyDir, 'admin.key'), 'utf8').trim(),
    };
    const cmd = [bin, 'readers', 'list', '--json'];
    if (bundled)
      out.push(
        ...figures(
          'agent-command.bundle',
          await samples(n, cmd, env),
          'scrip readers list --json, answered by a running agent',
        ),
      );
    out.push(
      ...figures(
        'agent-command.source',
        await samples(Math.min(n, 5), cmd, { ...env, SCRIP_FROM_SOURCE: '1' }),
        'through tsx (SCRIP_FROM_SOURCE=1)',
      ),
    );
  } finally {
    await agent.stop();
    rmSync(keyDir, { recursive: true, force: true });
  }
  return out;
}
