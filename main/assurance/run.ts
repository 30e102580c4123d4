// One assurance run, end to end: choose scenarios, run them against a Scrip (its services and
// registry) and a world (cards, clock, log), write and seal the evidence pack, and the JUnit file.
// `assureWithOwnSandbox` is what `scrip assure run` does: a Scrip of its own in a scratch data
// directory, the embedded sandbox on a fixed clock, virtual cards in the vpcd reader.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, release, tmpdir, type as osType } from 'node:os';
import { join, resolve } from 'node:path';
import type { Services } from '../services';
import type { Registry } from '../commands/registry';
import { scopes } from '../commands/registry';
import { invokeCommand } from '../commands/invoke';
import { appVersion, defaultDataDir } from '../config';
import { startRuntime } from '../runtime';
import { CardSlot, embeddedWorld, sandboxEnvironment, type Embedded, type EnvironmentHolder } from '../embedded';
import { createApp, type App } from '../app';
import { EnvironmentService } from '../environments/environment-service';
import { configuredEnvironments, BUILT_IN } from '../environments/environments';
import { OneReaderWatch, PcscReaderWatch, virtualReaders } from '../../native/pcsc/reader-watch';
import { loadScenarios, selectScenarios } from './library';
import { runScenarios, type RunnerLane, type RunResult, type ScenarioResult, type StepResult } from './runner';
import { writePack, junitXml } from './pack';
import { uiCamera, type Camera } from './camera';
import { loadOrCreatePackKey } from './pack-signature';
import type { AssuranceWorld } from './world';
import { ScenarioError } from './scenario';
import { ScripError } from '../errors';

export interface AssureOptions {
  paths?: string[]; only?: string[]; requirement?: string[];
  /** The evidence pack's directory. */
  out: string;
  junit?: string;
  /** The supplier's signing key (PEM, EC P-256 or RSA); default one made once in the data directory. */
  keyFile?: string;
  /** Seed of the run's deterministic values (${uuid.x}). */
  seed?: string;
  /** Agent runs: the sandbox clock for the run (ISO); default the run's start, to the minute. */
  clock?: string;
  /** Lanes to run scenarios in side by side (default: the number of cores); at most one per virtual reader. */
  jobs?: number;
}

export interface AssureSummary {
  ok: boolean; out: string; runId: string;
  passed: number; failed: number; skipped: number; steps: number;
  failures: string[];
  requirements: number;
  signer: string; pdf: string; junit: string | null;
  wallMs: number; overheadPerStepMs: number;
  /** Lanes the scenarios ran in, and why fewer than asked when so. */
  lanes: number; lanesNote: string | null;
}

export type StepListener = (s: ScenarioResult, step: StepResult, position: { scenario: number; scenarios: number; steps: number }) => void;

/** The default fixed clock of a run against the embedded sandbox: reproducible, and inside the test CA's validity. */
export const DEFAULT_CLOCK = '2026-01-05T09:00:00.000Z';

export function defaultKeyFile(): string {
  return join(defaultDataDir(), 'assurance', 'supplier-key.pem');
}

/** Loads and chooses the scenarios; bad files and unknown IDs are invalid-input naming file, line and field. */
export function chooseScenarios(opts: Pick<AssureOptions, 'paths' | 'only' | 'requirement'>) {
  try {
    const chosen = selectScenarios(loadScenarios(opts.paths ?? []), opts);
    if (!chosen.length) throw new ScripError('invalid-input', 'No scenario matches --only/--requirement.', undefined, 'Run "scrip assure list" to see the scenarios and the requirements they evidence.');
    return chosen;
  } catch (e) {
    if (e instanceof ScenarioError) throw new ScripError('invalid-input', `The scenarios could not be read (${e.problems.length} problem${e.problems.length === 1 ? '' : 's'}):`, { issues: e.problems.map((p) => ({ path: `${p.file}${p.line ? `:${p.line}` : ''}: ${p.field}`, message: p.message })) }, 'Correct the scenario file at the line named and run again.');
    throw e;
  }
}

function waitFor(services: Services, test: () => boolean, what: string, timeoutMs: number): Promise<void> {
  if (test()) return Promise.resolve();
  return new Promise((resolveWait, reject) => {
    const done = (ok: boolean) => { clearTimeout(timer); clearInterval(poll); off(); if (ok) resolveWait(); else reject(new Error(`waited ${timeoutMs} ms for ${what}; the session is ${services.identity.view().state}`)); };
    const timer = setTimeout(() => done(false), timeoutMs);
    // Events drive it; a slow poll covers a change that raised none.
    const poll = setInterval(() => { if (test()) done(true); }, 250);
    const off = services.events.subscribe(() => { if (test()) done(true); });
  });
}

/** One Scrip and its part of the world. */
export interface AssureTarget { services: Services; registry: Registry; world: AssuranceWorld }

function laneOf(t: AssureTarget): RunnerLane {
  const caller = { kind: 'internal' as const, scopes: new Set(scopes), label: 'assurance run' };
  return {
    invoke: (name, input) => invokeCommand(t.registry, t.services, name, input, caller),
    world: t.world,
    sessionState: () => t.services.identity.view().state,
    cardPresent: () => t.services.readers.list().readers.some((r) => r.present),
    waitFor: (test, what, ms) => waitFor(t.services, test, what, ms),
  };
}

/** The default number of lanes: one per core. */
export function defaultJobs(): number { return availableParallelism(); }

/** Runs the chosen scenarios against a Scrip and a world (and more lanes beside it), and writes the sealed pack. */
export async function assure(target: AssureTarget & { more?: AssureTarget[]; lanesNote?: string | null }, opts: AssureOptions, onStep?: StepListener): Promise<AssureSummary> {
  const started = performance.now();
  const scenarios = chooseScenarios(opts);
  const key = loadOrCreatePackKey(resolve(opts.keyFile ?? defaultKeyFile()), !opts.keyFile);
  const more = target.more ?? [];
  const screenshots = new Map<string, Buffer>();
  const cameras: Camera[] = [];
  // Only runs that mark a step open the UI: each lane photographs its own Scrip.
  const wantShots = scenarios.some((s) => s.steps.some((st) => st.screenshot));
  const laneWithCamera = (t: AssureTarget): RunnerLane => {
    const lane = laneOf(t);
    if (!wantShots) return lane;
    const camera = uiCamera({ services: t.services, registry: t.registry });
    cameras.push(camera);
    return { ...lane, screenshot: (page) => camera.shoot(page) };
  };
  const run: RunResult = await runScenarios(scenarios, {
    ...laneWithCamera(target), lanes: more.map(laneWithCamera), events: target.services.events,
    onScreenshot: (file, png) => screenshots.set(file, png),
    ...(opts.seed ? { seed: opts.seed } : {}),
    ...(onStep ? { onStep } : {}),
  }).finally(async () => { for (const c of cameras) await c.close(); });
  const out = resolve(opts.out);
  const pack = await writePack(out, run, key, screenshots);
  let junit: string | null = null;
  if (opts.junit) { junit = resolve(opts.junit); writeFileSync(junit, junitXml(run)); }
  return {
    // A run that proved nothing (every scenario skipped) is not a pass.
    ok: run.totals.failed === 0 && run.totals.passed > 0, out, runId: run.runId,
    passed: run.totals.passed, failed: run.totals.failed, skipped: run.totals.skipped, steps: run.totals.steps,
    failures: run.scenarios.flatMap((s) => (s.failure ? [s.failure] : [])),
    requirements: Object.keys(run.requirements).length,
    signer: key.thumbprint, pdf: pack.pdf, junit,
    wallMs: Math.round(performance.now() - started), overheadPerStepMs: run.overheadPerStepMs,
    lanes: 1 + more.length, lanesNote: target.lanesNote ?? null,
  };
}

/** A lane beside the runtime's own: a Scrip in its own data directory, seeing only its reader, with its own copy of the environment. */
async function extraLane(embedded: Embedded, dataDir: string, index: number, reader: string, clock: string): Promise<{ target: AssureTarget; app: App }> {
  const laneDir = join(dataDir, `lane-${index}`);
  const holder: EnvironmentHolder = { environment: sandboxEnvironment(embedded.sandbox) };
  const app = await createApp({
    dataDir: laneDir, readerWatch: new OneReaderWatch(new PcscReaderWatch(), reader),
    environments: new EnvironmentService({ dataDir: laneDir, sandbox: { current: () => holder.environment, start: async () => holder.environment } }),
  });
  // vpcd serves reader "… 00 0N" on port 35963 + N.
  const world = embeddedWorld(embedded, { fixedClock: clock, versions: versions(), lane: { slot: new CardSlot(35963 + index), holder, name: `lane-${index}` } });
  return { target: { services: app.services, registry: app.registry, world }, app };
}
export function versions(): Record<string, string> {
  return { Scrip: appVersion, 'Scrip sandbox': `${appVersion} (embedded)`, Node: process.version, 'Operating system': `${osType()} ${release()} (${process.platform}/${process.arch})` };
}

/**
 * `scrip assure run`: a Scrip of its own (scratch data directory, removed afterwards unless kept),
 * the embedded sandbox with a fixed clock, no API key and no keychain needed.
 */
export async function assureWithOwnSandbox(opts: AssureOptions & { clock?: string; keepData?: boolean }, onStep?: StepListener): Promise<AssureSummary & { dataDir: string | null }> {
  const chosen = chooseScenarios(opts); // bad scenario files fail before anything starts
  const clock = opts.clock ?? DEFAULT_CLOCK;
  // One lane per virtual reader at most: each lane's card actions need a reader of its own.
  const asked = Math.max(1, opts.jobs ?? defaultJobs());
  const readers = asked > 1 ? virtualReaders() : [];
  const lanes = Math.max(1, Math.min(asked, readers.length, chosen.length));
  const lanesNote = lanes < asked
    ? (readers.length < asked ? `${asked} lanes asked; pcscd lists ${readers.length} virtual reader${readers.length === 1 ? '' : 's'}, one per lane` : `${asked} lanes asked; ${chosen.length} scenario${chosen.length === 1 ? '' : 's'}`)
    : null;
  const dataDir = mkdtempSync(join(tmpdir(), 'scrip-assure-'));
  const runtime = await startRuntime(dataDir, {
    environment: 'sandbox', insertVirtualCard: false, clock,
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
      apps.push(lane.app); worlds.push(lane.target.world); more.push(lane.target);
    }
    const summary = await assure({ services: runtime.app.services, registry: runtime.app.registry, world, more, lanesNote }, opts, onStep);
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
export async function assureAgainstEnvironment(name: string, opts: AssureOptions, onStep?: StepListener): Promise<AssureSummary & { dataDir: null }> {
  chooseScenarios(opts);
  if (name === BUILT_IN) throw new ScripError('invalid-input', '--env sandbox is the built-in sandbox: leave --env out.');
  const home = defaultDataDir();
  const configured = configuredEnvironments(home);
  const env = configured[name];
  if (!env) {
    const names = Object.keys(configured);
    throw new ScripError('invalid-input', `--env ${name}: no environment of that name is configured (${names.length ? `configured: ${names.join(', ')}` : 'none is'}).`, undefined,
      'Add it in Settings → Environments (or "scrip environments save"), then run again; without --env the run uses the built-in sandbox.');
  }
  const environments = new EnvironmentService({ dataDir: home, sandbox: null, initial: name });
  const check = await environments.check(name, { timeoutMs: 5000 });
  if (!check.ok) {
    const missing = check.services.filter((sv) => !sv.ok).map((sv) => `${sv.name} at ${sv.url} (${sv.detail.replace(/\.$/, '')})`);
    const kind = env.auth === 'cis2-apim' ? 'a CIS2 login exchanged at APIM' : 'a smartcard login at the security broker';
    throw new ScripError('service-unreachable', `--env ${name}: the run was refused: ${env.label} uses ${kind}, and not every service that needs answered. Not reachable: ${missing.join('; ')}.`,
      { services: check.services.map((sv) => ({ name: sv.name, url: sv.url, ok: sv.ok, failure: sv.failure })) },
      'Check the network (HSCN or the internet gateway) and the environment\'s CA bundle in Settings → Environments → Check, then run again.');
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'scrip-assure-'));
  const app = await createApp({ dataDir, environments });
  try {
    const world: AssuranceWorld = { environment: { name, label: env.label, sandbox: false, baseUrl: env.epsUrl }, fixedClock: null, versions: versions() };
    const summary = await assure({ services: app.services, registry: app.registry, world }, opts, onStep);
    return { ...summary, dataDir: null };
  } finally {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
