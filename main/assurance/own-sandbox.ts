// `scrip assure run` with no agent: a Scrip of its own around the embedded sandbox, in one lane or
// several (one per virtual reader), or against a configured environment (configured.ts). Apart from the runner
// because it starts the whole runtime, which itself runs assurance for the agent.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRuntime } from '../runtime';
import { embeddedWorld } from '../embedded';
import type { App } from '../app';
import { OneReaderWatch, PcscReaderWatch, virtualReaders } from '../../native/pcsc/reader-watch';
import { ScripError } from '../errors';
import type { AssuranceWorld } from './world';
import {
  assure,
  chooseScenarios,
  defaultJobs,
  DEFAULT_CLOCK,
  versions,
  type AssureOptions,
  type AssureSummary,
  type AssureTarget,
  type StepListener,
} from './run';
import { laneScrip } from './lane';

export { assureAgainstEnvironment } from './configured';

/**
 * `scrip assure run`: a Scrip of its own (scratch data directory, removed afterwards unless kept),
 * the embedded sandbox with a fixed clock, no API key and no keychain needed.
 */
export async function assureWithOwnSandbox(
  opts: AssureOptions & { clock?: string; keepData?: boolean },
  onStep?: StepListener,
): Promise<AssureSummary & { dataDir: string | null }> {
  const chosen = chooseScenarios(opts); // bad scenario files fail before anything starts
  const clock = opts.clock ?? DEFAULT_CLOCK;
  // One lane per virtual reader at most: each lane's card actions need a reader of its own.
  const asked = Math.max(1, opts.jobs ?? defaultJobs());
  const readers = asked > 1 ? virtualReaders() : [];
  const lanes = Math.max(1, Math.min(asked, readers.length, chosen.length));
  const lanesNote =
    lanes < asked
      ? readers.length < asked
        ? `${asked} lanes asked; pcscd lists ${readers.length} virtual reader${readers.length === 1 ? '' : 's'}, one per lane`
        : `${asked} lanes asked; ${chosen.length} scenario${chosen.length === 1 ? '' : 's'}`
      : null;
  const dataDir = mkdtempSync(join(tmpdir(), 'scrip-assure-'));
  const runtime = await startRuntime(dataDir, {
    environment: 'sandbox',
    insertVirtualCard: false,
    clock,
    ...(lanes > 1 ? { readerWatch: new OneReaderWatch(new PcscReaderWatch(), readers[0]!) } : {}),
  });
  const worlds: AssuranceWorld[] = [];
  const apps: App[] = [];
  try {
    const embedded = runtime.embedded;
    if (!embedded) throw new ScripError('internal', 'The embedded sandbox did not start.');
    const world = embeddedWorld(embedded, { fixedClock: clock, versions: versions() });
    worlds.push(world);
    const more: AssureTarget[] = [];
    for (let i = 1; i < lanes; i++) {
      const lane = await laneScrip(embedded, join(dataDir, `lane-${i}`), i, readers[i]!, clock);
      apps.push(lane.app);
      worlds.push(lane.target.world);
      more.push(lane.target);
    }
    const summary = await assure(
      { services: runtime.app.services, registry: runtime.app.registry, world, more, lanesNote },
      opts,
      onStep,
    );
    return { ...summary, dataDir: opts.keepData ? dataDir : null };
  } finally {
    for (const w of worlds) await w.close?.();
    // A lane's card may already be out; its virtual reader is freed when the card process exits.
    for (const w of worlds) await w.pullCard?.().catch(() => undefined);
    for (const a of apps) await a.close();
    await runtime.close();
    if (!opts.keepData) rmSync(dataDir, { recursive: true, force: true });
  }
}
