// `scrip assure run --env NAME` and assure.run with `env` from the API and the UI: the scenarios
// run against a configured environment, in a Scrip of its own, once every service answers.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../app';
import { defaultDataDir } from '../config';
import { EnvironmentService } from '../environments/environment-service';
import { configuredEnvironments, BUILT_IN } from '../environments/environments';
import { ScripError } from '../errors';
import type { AssuranceWorld } from './world';
import {
  assure,
  chooseScenarios,
  versions,
  type AssureOptions,
  type AssureSummary,
  type AssureTarget,
  type StepListener,
} from './run';

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
  where: { home?: string; progress?: AssureTarget['services']['events'] } = {},
): Promise<AssureSummary & { dataDir: null }> {
  chooseScenarios(opts);
  if (name === BUILT_IN)
    throw new ScripError(
      'invalid-input',
      'Environment "sandbox" is the built-in sandbox: choose no environment (leave --env out).',
    );
  const home = where.home ?? defaultDataDir();
  const configured = configuredEnvironments(home);
  const env = configured[name];
  if (!env) {
    const names = Object.keys(configured);
    throw new ScripError(
      'invalid-input',
      `Environment "${name}": no environment of that name is configured (${names.length ? `configured: ${names.join(', ')}` : 'none is'}).`,
      undefined,
      'Add it in Settings → Environments (or "scrip environments save"), then run again; with no environment chosen (no --env) the run uses the built-in sandbox.',
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
      `Environment "${name}": the run was refused: ${env.label} uses ${kind}, and not every service it needs answered. Not reachable: ${missing.join('; ')}.`,
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
    const summary = await assure(
      {
        services: app.services,
        registry: app.registry,
        world,
        ...(where.progress ? { progress: where.progress } : {}),
      },
      opts,
      onStep,
    );
    return { ...summary, dataDir: null };
  } finally {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
