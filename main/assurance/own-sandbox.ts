// `scrip assure run` with no agent: a Scrip of its own around the embedded sandbox. Apart from the
// runner because it starts the whole runtime, which itself runs assurance for the agent.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRuntime } from '../runtime';
import { embeddedWorld } from '../embedded';
import { ScripError } from '../errors';
import type { AssuranceWorld } from './world';
import { assure, chooseScenarios, DEFAULT_CLOCK, versions, type AssureOptions, type AssureSummary, type StepListener } from './run';

/**
 * `scrip assure run`: a Scrip of its own (scratch data directory, removed afterwards unless kept),
 * the embedded sandbox with a fixed clock, no API key and no keychain needed.
 */
export async function assureWithOwnSandbox(opts: AssureOptions & { clock?: string; keepData?: boolean; vpcdPort?: number }, onStep?: StepListener): Promise<AssureSummary & { dataDir: string | null }> {
  chooseScenarios(opts); // bad scenario files fail before anything starts
  const clock = opts.clock ?? DEFAULT_CLOCK;
  const dataDir = mkdtempSync(join(tmpdir(), 'scrip-assure-'));
  const runtime = await startRuntime(dataDir, { environment: 'sandbox', insertVirtualCard: false, clock });
  let world: AssuranceWorld | null = null;
  try {
    if (!runtime.embedded) throw new ScripError('internal', 'The embedded sandbox did not start.');
    world = embeddedWorld(runtime.embedded, { fixedClock: clock, versions: versions() });
    const summary = await assure({ services: runtime.app.services, registry: runtime.app.registry, world }, opts, onStep);
    return { ...summary, dataDir: opts.keepData ? dataDir : null };
  } finally {
    await world?.close?.();
    await runtime.close();
    if (!opts.keepData) rmSync(dataDir, { recursive: true, force: true });
  }
}
