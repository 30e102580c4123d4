// Starting Scrip for real (agent, browser mode, Electron): pick the environment — the embedded
// sandbox unless another is chosen — and build the app around it.
import { createApp, type App } from './app';
import { startEmbedded, embeddedWorld, type Embedded } from './embedded';
import type { CardProcessSpawner } from './card-process';
import { BUILT_IN, type Environment } from './environments/environments';
import { EnvironmentService } from './environments/environment-service';
import { ScripError } from './errors';
import { assure, versions } from './assurance/run';
import { log } from './log';
import { logToDataDir } from './log-file';
import { appVersion } from './config';

export interface Runtime {
  app: App;
  /** The embedded sandbox and virtual card, while running (started lazily when chosen later). */
  readonly embedded: Embedded | null;
  /** The environment in use at start. */
  environment: Environment;
  close(): Promise<void>;
}

/**
 * SCRIP_ENVIRONMENT (or opts.environment) names the environment to start with; else the one last
 * chosen with `environments.use`; else "sandbox", the embedded one. The sandbox is started only when
 * it is the one in use, at start or when chosen later.
 */
export async function startRuntime(dataDir: string, opts: { environment?: string; insertVirtualCard?: boolean; clock?: string; cardSpawner?: CardProcessSpawner } = {}): Promise<Runtime> {
  logToDataDir(dataDir);
  let embedded: Embedded | null = null;
  let starting: Promise<Embedded> | null = null;
  const startSandbox = async (): Promise<Environment> => {
    starting ??= startEmbedded(dataDir, { insertCard: opts.insertVirtualCard ?? process.env.SCRIP_VIRTUAL_CARD !== 'off', ...(opts.clock ? { clock: opts.clock } : {}), ...(opts.cardSpawner ? { cardSpawner: opts.cardSpawner } : {}) });
    embedded = await starting;
    return embedded.environment;
  };
  const initial = opts.environment ?? process.env.SCRIP_ENVIRONMENT;
  const environments = new EnvironmentService({
    dataDir, sandbox: { current: () => embedded?.environment ?? null, start: startSandbox }, ...(initial ? { initial } : {}),
  });
  if (environments.selectedName === BUILT_IN) await startSandbox();
  const environment = environments.current(); // a missing or broken environment fails the start, saying which
  const app = await createApp({ dataDir, environments });
  log().info({ dataDir, environment: environment.name, version: appVersion }, 'Scrip started');
  // The keychain may be locked: never hold the start on it. A key check that arrives meanwhile waits
  // (bounded) for this first answer rather than being refused (api-keys.ts keychainAnswered).
  void app.services.apiKeys.warm();
  void app.services.audit.warm(); // entries written meanwhile are sealed once the audit key is read
  // Runs from the API and the UI use this agent's embedded sandbox and reader, one at a time.
  let running = false;
  app.services.assurance = {
    async run(o) {
      if (running) throw new ScripError('bad-state', 'An assurance run is already under way.', undefined, 'Wait for it to finish (assurance.progress events say how far it is).');
      if (environments.selectedName !== BUILT_IN || !embedded) throw new ScripError('bad-state', 'Assurance runs from here need the embedded sandbox in use.', undefined, 'Choose the sandbox environment, or use "scrip assure run", which starts its own.');
      running = true;
      try {
        const world = embeddedWorld(embedded, { fixedClock: null, versions: versions() });
        try { return await assure({ services: app.services, registry: app.registry, world }, o); } finally { await world.close?.(); }
      } finally { running = false; }
    },
  };
  return {
    app, environment,
    get embedded() { return embedded; },
    async close() {
      await app.close();
      await (embedded as Embedded | null)?.close();
    },
  };
}
