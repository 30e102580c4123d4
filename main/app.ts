// The composition root: builds the services every surface shares. Electron, `scrip agent` and
// browser mode all start here; only what differs (window vs. loopback page) lives elsewhere.
import { EventBus } from './events';
import type { Db } from './store/database';
import { openStores } from './store/open-stores';
import { keyStoreFor, type Keychain } from '../native/keychain/keychain';
import { ReaderService } from './card/reader-service';
import { PcscReaderWatch, type ReaderWatch } from '../native/pcsc/reader-watch';
import { createRegistry } from './commands';
import { CardService } from './card/card-service';
import { Pkcs11Tokens } from './card/pkcs11-tokens';
import { Pkcs11Settings } from './card/pkcs11-settings';
import { PcscCardConnector, type CardConnector } from '../native/pcsc/card-connection';
import { Preferences } from './store/preferences';
import { TicketApprovals } from './identity/ticket-approvals';
import { MedicinesService } from './prescribing/medicines';
import { PrescriptionStore } from './prescribing/store';
import { EpsClient } from './prescribing/eps-client';
import { Outbox } from './prescribing/outbox';
import { PrescribingService } from './prescribing/prescribing-service';
import { CancellationService } from './prescribing/cancellation-service';
import { TrackingService } from './prescribing/tracking-service';
import { prescriberFromDirectory } from './prescribing/prescriber-context';
import { PrescriberSettingsStore } from './prescribing/prescriber-settings';
import { PrescribingTimings } from './prescribing/timings';
import { PdsClient } from './prescribing/pds-client';
import { DispensingStore } from './dispensing/store';
import { DispensingClient } from './dispensing/dispensing-client';
import { DispensingService } from './dispensing/dispensing-service';
import { IdentityService } from './identity/identity-service';
import { buildAuthResponse } from './identity/http-broker';
import { brokerFor } from './identity/broker-for';
import { systemBrowserOpener } from './identity/cis2/system-browser';
import type { BrowserOpener } from './identity/cis2/oidc-login';
import { ServiceClient } from './net/service-client';
import { ScripError } from './errors';
import type { Environment } from './environments/environments';
import { EnvironmentService } from './environments/environment-service';
import type { Registry } from './commands/registry';
import type { Services } from './services';
import { appVersion, defaultDataDir } from './config';
import { DisposableStore, toDisposable } from './lifecycle';
import { serviceChecks } from './diagnostics/service-checks';

export interface AppOptions {
  dataDir?: string;
  /** A reader source other than pcscd (unit tests, the in-process virtual card). */
  readerWatch?: ReaderWatch;
  /** Card I/O other than PC/SC (unit tests, the in-process virtual card). */
  cardConnector?: CardConnector;
  /** The embedded sandbox's services, where the caller started one (tests, benches); no choice of environment. */
  environment?: () => Environment | null;
  /** The environments and the one in use (main/runtime.ts); built from `environment` when absent. */
  environments?: EnvironmentService;
  /** The OS keychain (unit tests pass an in-memory one); asked only when an API key is made or checked. */
  keychain?: () => Keychain;
  /** Opens the CIS2 login in the user's browser (Electron: shell.openExternal; default: the platform's opener). */
  openBrowser?: BrowserOpener;
  /** The administrator's PKCS#11 module file (default: SCRIP_PKCS11_MANAGED or the OS path). */
  pkcs11ManagedPath?: string;
}

export interface App {
  services: Services;
  registry: Registry;
  db: Db;
  close(): Promise<void>;
}

// Re-exported: tests and scripts open the stores through the composition root.
export { openStores, databasePath, auditAnchorPath } from './store/open-stores';

export async function createApp(opts: AppOptions = {}): Promise<App> {
  const dataDir = opts.dataDir ?? defaultDataDir();
  // One key store for every secret of this run (API-key secret, the CIS2 application key): the OS
  // keychain, or the file store when asked for by name (SCRIP_KEYCHAIN=file, --headless).
  const keyStore = opts.keychain ? null : keyStoreFor(dataDir);
  const keychain: () => Keychain = opts.keychain ?? (() => keyStore!.open());
  // Everything that has to stop is added here as it is made; close() stops it all, newest first.
  const disposables = new DisposableStore();
  const { db, audit, apiKeys } = openStores(dataDir, keyStore ?? keychain);
  disposables.add(
    toDisposable(() => {
      db.close();
    }),
  );
  const events = new EventBus();
  const openBrowser = opts.openBrowser ?? systemBrowserOpener();
  const readers = disposables.add(new ReaderService(opts.readerWatch ?? new PcscReaderWatch(), events));
  const tokens = disposables.add(new Pkcs11Tokens());
  readers.setTokenReaders(tokens);
  const cards = disposables.add(
    new CardService(opts.cardConnector ?? new PcscCardConnector(), {
      listReaders: () => readers.list().readers,
      onFacts: () => readers.republish(),
      tokens,
      events,
    }),
  );
  readers.setCardFacts((r) => {
    const f = cards.facts(r.name);
    return { cardType: f.cardType, pinRetries: f.pinRetries, ...(f.pinPad != null ? { pinPad: f.pinPad } : {}) };
  });
  const preferences = new Preferences(db);
  const pkcs11 = new Pkcs11Settings(tokens, preferences, opts.pkcs11ManagedPath);
  // One HTTPS client per environment, trusting exactly that environment's CA bundle.
  const clients = new Map<string, { caPem: string | null; client: ServiceClient }>();
  disposables.add(
    toDisposable(() => {
      for (const c of clients.values()) c.client.close();
    }),
  );
  const environments =
    opts.environments ??
    new EnvironmentService({ dataDir, sandbox: opts.environment ? { current: () => opts.environment!() } : null });
  const environment = (): Environment => environments.current();
  const clientFor = (env: Environment, name: string): ServiceClient => {
    const key = `${env.name}:${name}`;
    const had = clients.get(key);
    if (had && had.caPem === env.caPem) return had.client;
    had?.client.close(); // the environment's CA bundle was changed in Settings
    const client = new ServiceClient({ serviceName: name, ...(env.caPem ? { caPem: env.caPem } : {}) });
    clients.set(key, { caPem: env.caPem, client });
    return client;
  };
  const identity = disposables.add(
    new IdentityService({
      cards,
      events,
      audit,
      preferences,
      buildAuthResponse,
      environment: () => {
        const env = environment();
        return { name: env.name, caPem: env.caPem };
      },
      broker: () => {
        const env = environment();
        return brokerFor(env, {
          http: (name) => clientFor(env, name),
          keychain,
          dataDir,
          onLost: () => identity.sessionLost(),
          openBrowser,
        });
      },
    }),
  );
  const store = new PrescriptionStore(db);
  const eps = () => {
    const env = environment();
    return new EpsClient(clientFor(env, 'EPS'), env.epsUrl);
  };
  const epsAuth = () => {
    const v = identity.view();
    if (v.state !== 'role-selected') return null;
    try {
      const s = identity.requireRole();
      return { token: s.token, roleProfileId: s.role.id };
    } catch {
      return null;
    }
  };
  const timings = new PrescribingTimings();
  const outbox = disposables.add(new Outbox({ store, eps, auth: epsAuth, events, timings }));
  const tracking = disposables.add(new TrackingService({ store, identity, events, eps, timings }));
  const prescribing = new PrescribingService({
    store,
    cards,
    identity,
    events,
    audit,
    eps,
    outbox,
    timings,
    settings: new PrescriberSettingsStore(db),
    hasDirectory: () => environments.selectedName === 'sandbox',
    medicines: { index: () => services.medicines.index() },
    // Only the sandbox has a directory to ask; elsewhere the details are the user's saved settings.
    prescriber: (auth) => {
      const env = environment();
      if (env.name !== 'sandbox')
        throw new ScripError(
          'bad-state',
          'Your prescriber and organisation details for this role are not set.',
          { missing: 'prescriber-details' },
          'Enter them once in Settings → Prescriber details (or scrip prescriber set).',
        );
      return prescriberFromDirectory(clientFor(env, 'The directory'), env.pdsUrl, auth);
    },
  });
  const cancellation = new CancellationService({
    store,
    identity,
    events,
    audit,
    eps,
    timings,
    prescriberFor: (session) => prescribing.prescriberFor(session),
  });
  // The pharmacy side shares EPS's client; trust for prescriber signatures is the environment's CA bundle.
  const dispensing = new DispensingService({
    store: new DispensingStore(db),
    identity,
    events,
    audit,
    client: () => new DispensingClient(eps()),
    environment: () => {
      const env = environment();
      return { name: env.name, caPem: env.caPem };
    },
  });
  const services: Services = {
    prescribing,
    cancellation,
    tracking,
    prescriptions: store,
    dispensing,
    patients: () => {
      const env = environment();
      return new PdsClient(clientFor(env, 'The patient index'), env.pdsUrl);
    },
    sessionAuth: () => {
      const s = identity.requireRole();
      return { token: s.token, roleProfileId: s.role.id };
    },
    config: { dataDir, version: appVersion },
    events,
    readers,
    cards,
    pkcs11,
    identity,
    apiKeys,
    audit,
    preferences,
    ticketApprovals: new TicketApprovals(preferences),
    environments,
    medicines: disposables.add(new MedicinesService(dataDir, { events })),
    diagnosticChecks: serviceChecks,
  };
  // Changing the environment in use must not strand a live session or prescriptions signed for it.
  environments.setSessionGuard({
    waitingToSend: () => store.list({ status: ['signed', 'sending'] }).length,
    loginInProgress: () => identity.loginInProgress(),
    live: () => {
      const { state } = identity.view();
      return state === 'pin-verified' || state === 'authenticated' || state === 'role-selected' ? { state } : null;
    },
    endSession: (by, what) => {
      identity.logout();
      audit.append(by, 'session.end-for-environment', { what });
    },
  });
  readers.start();
  // Modules load in worker threads; their token readers appear through reader.changed when ready.
  await pkcs11.apply();
  identity.onReaders(readers.list());
  // Each also acts when someone selects a role: the outbox sends, the tracker refreshes.
  outbox.start();
  tracking.start(Number(process.env.SCRIP_TRACK_INTERVAL_MS ?? 5 * 60_000));
  return {
    services,
    registry: createRegistry(),
    db,
    close: () => disposables.dispose(),
  };
}
