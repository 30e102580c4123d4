// One assurance run, end to end: choose scenarios, run them against a Scrip (its services and
// registry) and a world (cards, clock, log), write and seal the evidence pack, and the JUnit file.
// `scrip assure run` runs it in a Scrip of its own (own-sandbox.ts).
import { writeFileSync } from 'node:fs';
import { availableParallelism, release, type as osType } from 'node:os';
import { join, resolve } from 'node:path';
import type { Services } from '../services';
import type { Registry } from '../commands/registry';
import { scopes } from '../api/scopes';
import { invokeCommand } from '../commands/invoke';
import { appVersion, defaultDataDir } from '../config';
import { loadScenarios, selectScenarios } from './library';
import { runScenarios, type RunnerLane, type RunResult, type ScenarioResult, type StepResult } from './runner';
import { writePack, junitXml } from './pack';
import { uiCamera, type Camera } from './camera';
import { loadOrCreatePackKey } from './pack-signature';
import type { AssuranceWorld } from './world';
import { ScenarioError } from './scenario';
import { ScripError } from '../errors';

import type { AssureOptions, AssureSummary } from './options';

export type { AssureOptions, AssureSummary } from './options';

export type StepListener = (
  s: ScenarioResult,
  step: StepResult,
  position: { scenario: number; scenarios: number; steps: number },
) => void;

/** The default fixed clock of a run against the embedded sandbox: reproducible, and inside the test CA's validity. */
export const DEFAULT_CLOCK = '2026-01-05T09:00:00.000Z';

export function defaultKeyFile(): string {
  return join(defaultDataDir(), 'assurance', 'supplier-key.pem');
}

/** Loads and chooses the scenarios; bad files and unknown IDs are invalid-input naming file, line and field. */
export function chooseScenarios(opts: Pick<AssureOptions, 'paths' | 'only' | 'requirement'>) {
  try {
    const chosen = selectScenarios(loadScenarios(opts.paths ?? []), opts);
    if (!chosen.length)
      throw new ScripError(
        'invalid-input',
        'No scenario matches --only/--requirement.',
        undefined,
        'Run "scrip assure list" to see the scenarios and the requirements they evidence.',
      );
    return chosen;
  } catch (e) {
    if (e instanceof ScenarioError)
      throw new ScripError(
        'invalid-input',
        `The scenarios could not be read (${e.problems.length} problem${e.problems.length === 1 ? '' : 's'}):`,
        {
          issues: e.problems.map((p) => ({
            path: `${p.file}${p.line ? `:${p.line}` : ''}: ${p.field}`,
            message: p.message,
          })),
        },
        'Correct the scenario file at the line named and run again.',
      );
    throw e;
  }
}

function waitFor(services: Services, test: () => boolean, what: string, timeoutMs: number): Promise<void> {
  if (test()) return Promise.resolve();
  return new Promise((resolveWait, reject) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      clearInterval(poll);
      off();
      if (ok) resolveWait();
      else reject(new Error(`waited ${timeoutMs} ms for ${what}; the session is ${services.identity.view().state}`));
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    // Events drive it; a slow poll covers a change that raised none.
    const poll = setInterval(() => {
      if (test()) done(true);
    }, 250);
    const off = services.events.subscribe(() => {
      if (test()) done(true);
    });
  });
}

/** One Scrip and its part of the world. */
export interface AssureTarget {
  services: Services;
  registry: Registry;
  world: AssuranceWorld;
}

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
export function defaultJobs(): number {
  return availableParallelism();
}

/** Runs the chosen scenarios against a Scrip and a world (and more lanes beside it), and writes the sealed pack. */
export async function assure(
  target: AssureTarget & {
    more?: AssureTarget[];
    lanesNote?: string | null;
    /** Where progress events go, when not the lane's own Scrip (the agent's, whose UI watches). */
    progress?: Services['events'];
  },
  opts: AssureOptions,
  onStep?: StepListener,
): Promise<AssureSummary> {
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
    ...laneWithCamera(target),
    lanes: more.map(laneWithCamera),
    events: target.progress ?? target.services.events,
    onScreenshot: (file, png) => screenshots.set(file, png),
    ...(opts.seed ? { seed: opts.seed } : {}),
    ...(onStep ? { onStep } : {}),
  }).finally(async () => {
    for (const c of cameras) await c.close();
  });
  const out = resolve(opts.out);
  const pack = await writePack(out, run, key, screenshots);
  let junit: string | null = null;
  if (opts.junit) {
    junit = resolve(opts.junit);
    writeFileSync(junit, junitXml(run));
  }
  return {
    // A run that proved nothing (every scenario skipped) is not a pass.
    ok: run.totals.failed === 0 && run.totals.passed > 0,
    out,
    runId: run.runId,
    passed: run.totals.passed,
    failed: run.totals.failed,
    skipped: run.totals.skipped,
    steps: run.totals.steps,
    failures: run.scenarios.flatMap((s) => (s.failure ? [s.failure] : [])),
    requirements: Object.keys(run.requirements).length,
    signer: key.thumbprint,
    pdf: pack.pdf,
    junit,
    wallMs: Math.round(performance.now() - started),
    overheadPerStepMs: run.overheadPerStepMs,
    lanes: 1 + more.length,
    lanesNote: target.lanesNote ?? null,
  };
}

export function versions(): Record<string, string> {
  return {
    Scrip: appVersion,
    'Scrip sandbox': `${appVersion} (embedded)`,
    Node: process.version,
    'Operating system': `${osType()} ${release()} (${process.platform}/${process.arch})`,
  };
}
