// `scrip assure run` with no agent: a Scrip of its own around the embedded sandbox, in one lane or
// several (one per virtual reader), or against a configured environment. Apart from the runner
// because it starts the whole runtime, which itself runs assurance for the agent.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRuntime } from '../runtime';
import { CardSlot, embeddedWorld, sandboxEnvironment, type Embedded, type EnvironmentHolder } from '../embedded';
import { createApp, type App } from '../app';
import { defaultDataDir } from '../config';
import { EnvironmentService } from '../environments/environment-service';
import { configuredEnvironments, BUILT_IN } from '../environments/environments';
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

/** A lane beside the runtime's own: a Scrip in its own data directory, seeing only its reader, with its own copy of the environment. */
async function extraLane(
  embedded: Embedded,
  dataDir: string,
  index: number,
  reader: string,
  clock: string,
): Promise<{ target: AssureTarget; app: App }> {
  const laneDir = join(dataDir, `lane-${index}`);
  const holder: EnvironmentHolder = { environment: sandboxEnvironment(embedded.sandbox) };
  const app = await createApp({
    dataDir: laneDir,
    readerWatch: new OneReaderWatch(new PcscReaderWatch(), reader),
    environments: new EnvironmentService({
      dataDir: laneDir,
      sandbox: { current: () => holder.environment, start: async () => holder.environment },
    }),
  });
  // vpcd serves reader "… 00 0N" on port 35963 + N.
  const world = embeddedWorld(embedded, {
    fixedClock: clock,
    versions: versions(),
    lane: { slot: new CardSlot(35963 + index), holder, name: `lane-${index}` },
  });
  return { target: { services: app.services, registry: app.registry, world }, app };
}
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
      const lane = await extraLane(embedded, dataDir, i, readers[i]!, clock);
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
    for (const w of worlds) await w.pullCard?.().catch(() => undefined);
    for (const a of apps) await a.close();
    await runtime.close();
    if (!opts.keepData) rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * `scrip assure run --env NAME`: a Scrip of its own (scratch data directory) using the configured
 * environment NAME from the user's settings, refused unless every service its kind of login needs
 * answers. There are no virtual cards, clock or outages there: scenarios that need the sandbox are
 * reported skipped, saying so, and a card or sandbox step in any other is refused with the reason.
 */
export async function assureAgainstEnvironment(
  name: string,
  opts: AssureOptions,
  onStep?: StepListener,
): Promise<AssureSummary & { dataDir: null }> {
  chooseScenarios(opts);
  if (name === BUILT_IN)
    throw new ScripError('invalid-input', '--env sandbox is the built-in sandbox: leave --env out.');
  const home = defaultDataDir();
  const configured = configuredEnvironments(home);
  const env = configured[name];
  if (!env) {
    const names = Object.keys(configured);
    throw new ScripError(
      'invalid-input',
      `--env ${name}: no environment of that name is configured (${names.length ? `configured: ${names.join(', ')}` : 'none is'}).`,
      undefined,
      'Add it in Settings → Environments (or "scrip environments save"), then run again; without --env the run uses the built-in sandbox.',
    );
  }
  const environments = new EnvironmentService({ dataDir: home, sandbox: null, initial: name });
  const check = await environments.check(name, { timeoutMs: 5000 });
  if (!check.ok) {
    const missing = check.services
      .filter((sv) => !sv.ok)
      .map((sv) => `${sv.name} at ${sv.url} (${sv.detail.replace(/\.$/, '')})`);
    const kind =
      env.auth === 'cis2-apim' ? 'a CIS2 login exchanged at APIM' : 'a smartcard login at the security broker';
    throw new ScripError(
      'service-unreachable',
      `--env ${name}: the run was refused: ${env.label} uses ${kind}, and not every service that needs answered. Not reachable: ${missing.join('; ')}.`,
      { services: check.services.map((sv) => ({ name: sv.name, url: sv.url, ok: sv.ok, failure: sv.failure })) },
      "Check the network (HSCN or the internet gateway) and the environment's CA bundle in Settings → Environments → Check, then run again.",
    );
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'scrip-assure-'));
  const app = await createApp({ dataDir, environments });
  try {
    const world: AssuranceWorld = {
      environment: { name, label: env.label, sandbox: false, baseUrl: env.epsUrl },
      fixedClock: null,
      versions: versions(),
    };
    const summary = await assure({ services: app.services, registry: app.registry, world }, opts, onStep);
    return { ...summary, dataDir: null };
  } finally {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
