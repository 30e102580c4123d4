// One assurance run, end to end: choose scenarios, run them against a Scrip (its services and
// registry) and a world (cards, clock, log), write and seal the evidence pack, and the JUnit file.
// `scrip assure run` runs it in a Scrip of its own (own-sandbox.ts).
import { writeFileSync } from 'node:fs';
import { release, type as osType } from 'node:os';
import { join, resolve } from 'node:path';
import type { Services } from '../services';
import type { Registry } from '../commands/registry';
import { scopes } from '../api/scopes';
import { invokeCommand } from '../commands/invoke';
import { appVersion, defaultDataDir } from '../config';
import { loadScenarios, selectScenarios } from './library';
import { runScenarios, type RunResult, type ScenarioResult, type StepResult } from './runner';
import { writePack, junitXml } from './pack';
import { loadOrCreatePackKey } from './pack-signature';
import type { AssuranceWorld } from './world';
import { ScenarioError } from './scenario';
import { ScripError } from '../errors';
import type { AssureOptions, AssureSummary } from './options';

export type { AssureOptions, AssureSummary } from './options';

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

/** Runs the chosen scenarios against a Scrip and a world, and writes the sealed pack. */
export async function assure(target: { services: Services; registry: Registry; world: AssuranceWorld }, opts: AssureOptions, onStep?: StepListener): Promise<AssureSummary> {
  const started = performance.now();
  const scenarios = chooseScenarios(opts);
  const key = loadOrCreatePackKey(resolve(opts.keyFile ?? defaultKeyFile()), !opts.keyFile);
  const { services, registry } = target;
  const caller = { kind: 'internal' as const, scopes: new Set(scopes), label: 'assurance run' };
  const run: RunResult = await runScenarios(scenarios, {
    invoke: (name, input) => invokeCommand(registry, services, name, input, caller),
    world: target.world, events: services.events,
    sessionState: () => services.identity.view().state,
    cardPresent: () => services.readers.list().readers.some((r) => r.present),
    waitFor: (test, what, ms) => waitFor(services, test, what, ms),
    ...(opts.seed ? { seed: opts.seed } : {}),
    ...(onStep ? { onStep } : {}),
  });
  const out = resolve(opts.out);
  const pack = await writePack(out, run, key);
  let junit: string | null = null;
  if (opts.junit) { junit = resolve(opts.junit); writeFileSync(junit, junitXml(run)); }
  return {
    ok: run.totals.failed === 0, out, runId: run.runId,
    passed: run.totals.passed, failed: run.totals.failed, skipped: run.totals.skipped, steps: run.totals.steps,
    failures: run.scenarios.flatMap((s) => (s.failure ? [s.failure] : [])),
    requirements: Object.keys(run.requirements).length,
    signer: key.thumbprint, pdf: pack.pdf, junit,
    wallMs: Math.round(performance.now() - started), overheadPerStepMs: run.overheadPerStepMs,
  };
}

export function versions(): Record<string, string> {
  return { Scrip: appVersion, 'Scrip sandbox': `${appVersion} (embedded)`, Node: process.version, 'Operating system': `${osType()} ${release()} (${process.platform}/${process.arch})` };
}
