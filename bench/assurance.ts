// The built-in assurance library end to end, as `scrip assure run` does it (a Scrip of its own,
// the embedded sandbox on a fixed clock, virtual cards through pcscd + vpcd, the pack with its PDF):
// wall time on this machine, and the runner's own time per step (outside the commands and card or
// sandbox actions it runs: interpolation, expectations, the message log read, events).
// Run under the pcscd lock: flock /tmp/scrip-pcsc.lock npm run bench -- assurance
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requirements } from '../test/support/system';
import { round } from './_stats';
import type { Figure } from './run';

export async function run(): Promise<Figure[]> {
  const missing = requirements.pcscd.check();
  if (missing) return [{ name: 'assurance.skipped', value: 0, unit: '', note: missing }];
  const dir = mkdtempSync(join(tmpdir(), 'scrip-bench-assure-'));
  process.env.SCRIP_DATA_DIR = join(dir, 'data'); // the supplier key goes here, not in the user's data
  process.env.SCRIP_VIRTUAL_CARD = 'off';
  try {
    const { assureWithOwnSandbox } = await import('../main/assurance/own-sandbox');
    const t0 = performance.now();
    // SCRIP_BENCH_JOBS=1 measures one lane (the run before lanes existed); default one per core.
    const jobs = process.env.SCRIP_BENCH_JOBS ? Number(process.env.SCRIP_BENCH_JOBS) : undefined;
    const s = await assureWithOwnSandbox({ out: join(dir, 'pack'), ...(jobs ? { jobs } : {}) });
    const wall = performance.now() - t0;
    if (!s.ok) throw new Error(`the library did not pass: ${s.failures.join('; ')}`);
    return [
      {
        name: 'assurance.library.wall',
        value: round(wall / 1000, 1),
        unit: 's',
        note: `${s.passed} scenarios, ${s.steps} steps, ${s.lanes} lane${s.lanes === 1 ? '' : 's'}${s.lanesNote ? ` (${s.lanesNote})` : ''}, start and stop of the sandbox and the pack (PDF: ${s.pdf}) included; target < 180 s`,
      },
      {
        name: 'assurance.runner.overhead_per_step',
        value: round(s.overheadPerStepMs, 3),
        unit: 'ms',
        note: 'mean; target < 5 ms',
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
