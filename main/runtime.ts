// Starting Scrip for real (agent, browser mode, Electron): pick the environment — the embedded
// sandbox unless another is chosen — and build the app around it.
import { X509Certificate } from 'node:crypto';
import { createApp, type App } from './app';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbedded, type Embedded } from './embedded';
import type { CardProcessSpawner } from './card-process';
import { BUILT_IN, type Environment } from './environments/environments';
import { EnvironmentService } from './environments/environment-service';
import { ScripError } from './errors';
import { assure } from './assurance/run';
import { laneScrip } from './assurance/lane';
import { assureAgainstEnvironment } from './assurance/configured';
import { virtualReaders } from '../native/pcsc/reader-watch';
import { log } from './log';
import { logToDataDir } from './log-file';
import { appVersion } from './config';
import type { ReaderWatch } from '../native/pcsc/reader-watch';
import type { BrowserOpener } from './identity/cis2/oidc-login';

interface Runtime {
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
export async function startRuntime(
  dataDir: string,
  opts: {
    environment?: string;
    insertVirtualCard?: boolean;
    clock?: string;
    readerWatch?: ReaderWatch;
    cardSpawner?: CardProcessSpawner;
    /** Opens the CIS2 login in the user's browser (the Electron shell passes shell.openExternal). */
    openBrowser?: BrowserOpener;
  } = {},
): Promise<Runtime> {
  logToDataDir(dataDir);
  let embedded: Embedded | null = null;
  let starting: Promise<Embedded> | null = null;
  const startSandbox = async (): Promise<Environment> => {
    starting ??= startEmbedded(dataDir, {
      insertCard: opts.insertVirtualCard ?? process.env.SCRIP_VIRTUAL_CARD !== 'off',
      ...(opts.clock ? { clock: opts.clock } : {}),
      ...(opts.cardSpawner ? { cardSpawner: opts.cardSpawner } : {}),
    });
    embedded = await starting;
    return embedded.environment;
  };
  const initial = opts.environment ?? process.env.SCRIP_ENVIRONMENT;
  const environments = new EnvironmentService({
    dataDir,
    sandbox: { current: () => embedded?.environment ?? null, start: startSandbox },
    ...(initial ? { initial } : {}),
  });
  if (environments.selectedName === BUILT_IN) await startSandbox();
  const environment = environments.current(); // a missing or broken environment fails the start, saying which
  const app = await createApp({
    dataDir,
    environments,
    ...(opts.readerWatch ? { readerWatch: opts.readerWatch } : {}),
    ...(opts.openBrowser ? { openBrowser: opts.openBrowser } : {}),
  });
  log().info({ dataDir, environment: environment.name, version: appVersion }, 'Scrip started');
  // The keychain may be locked: never hold the start on it. A key check that arrives meanwhile waits
  // (bounded) for this first answer rather than being refused (api-keys.ts keychainAnswered).
  void app.services.apiKeys.warm();
  void app.services.audit.warm(); // entries written meanwhile are sealed once the audit key is read
  // Runs from the API and the UI, one at a time: against a configured environment when `env` names
  // one (refused unless its services answer, as `scrip assure run --env`), else in a lane of their
  // own beside the agent (own data directory, session and vpcd reader) against its embedded
  // sandbox, so the scenarios' logins and logouts are never the agent's session and never lock the
  // user's browser tabs. Progress goes out on the agent's events, where the UI watches.
  let running = false;
  app.services.assurance = {
    async run(o) {
      if (running)
        throw new ScripError(
          'bad-state',
          'An assurance run is already under way.',
          undefined,
          'Wait for it to finish (assurance.progress events say how far it is).',
        );
      if (o.env && o.env !== BUILT_IN) {
        if (o.clock)
          throw new ScripError(
            'invalid-input',
            `env ${o.env}: clock is for the built-in sandbox (a configured environment's clock is its own).`,
          );
        running = true;
        try {
          return await assureAgainstEnvironment(o.env, o, undefined, { home: dataDir, progress: app.services.events });
        } finally {
          running = false;
        }
      }
      if (!embedded)
        throw new ScripError(
          'bad-state',
          'Assurance runs from here need the embedded sandbox, and it is not running.',
          undefined,
          'Choose the sandbox environment, or name a configured one (env), or use "scrip assure run", which starts its own.',
        );
      const sandbox: Embedded = embedded;
      // A fixed clock, as `scrip assure run` has: the one asked for, else the run's start to the
      // minute (the agent's sandbox CA was made when its data directory was, so an earlier fixed
      // date could fall before it). A sandbox started with --clock keeps its own.
      const clock = sandbox.sandbox.context.clock;
      const holding = !clock.fixed && !!clock.hold;
      const at = o.clock ?? new Date(Math.floor(Date.now() / 60_000) * 60_000).toISOString();
      if (holding) {
        const t = Date.parse(at);
        const caFrom = Date.parse(new X509Certificate(sandbox.sandbox.context.ca.root.pem).validFrom);
        if (Number.isNaN(t)) throw new ScripError('invalid-input', `clock "${at}" is not an ISO date and time.`);
        if (t < caFrom)
          throw new ScripError(
            'invalid-input',
            `clock ${at} is before this sandbox's CA was made (${new Date(caFrom).toISOString()}): nothing it issued would be valid then.`,
            undefined,
            'Leave the clock out (the run then starts now), or give a later time.',
          );
      }
      running = true;
      // The lane's reader: the second virtual reader when pcscd lists one (the agent's own virtual
      // card, and usually the user's session, are in the first), else the first.
      const readers = virtualReaders();
      const index = readers.length > 1 ? 1 : 0;
      const laneDir = mkdtempSync(join(tmpdir(), 'scrip-assure-lane-'));
      let lane: Awaited<ReturnType<typeof laneScrip>> | null = null;
      try {
        if (holding) clock.hold!(Date.parse(at));
        lane = await laneScrip(
          sandbox,
          laneDir,
          index,
          readers[index] ?? 'Virtual PCD 00 00',
          clock.fixed ? clock.now().toISOString() : null,
        );
        return await assure({ ...lane.target, progress: app.services.events }, o);
      } finally {
        await lane?.target.world.close?.();
        // The lane's card may already be out; its virtual reader is freed when the card process exits.
        await lane?.target.world.pullCard?.().catch(() => undefined);
        await lane?.app.close();
        rmSync(laneDir, { recursive: true, force: true });
        running = false;
        if (holding) clock.hold!(null);
      }
    },
  };
  return {
    app,
    environment,
    get embedded() {
      return embedded;
    },
    async close() {
      await app.close();
      await (embedded as Embedded | null)?.close();
    },
  };
}
