// The environments under the user's control: list, save (validated), remove, choose the one the
// next session uses, and check that each service answers over TLS Scrip trusts. The embedded
// sandbox is built in and cannot be edited or removed. Whether a session is live is the caller's
// business (the commands), so this module does not depend on the identity agent.
import { mkdirSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { ScripError } from '../errors';
import { probeService, type ProbeResult } from '../net/reachability';
import { checkCaBundle, type CaCertificate } from './ca-bundle';
import {
  BUILT_IN,
  caDir,
  configuredEnvironments,
  readCaFile,
  readEnvironmentsFile,
  writeEnvironmentsFile,
  authKinds,
  type AuthKind,
  type Environment,
  type EnvironmentConfig,
} from './environments';
import { checkIdentityServices } from './identity-check';
import { appKeyAccount, appKeyProblem, storeAppKey } from '../identity/cis2/app-key';
import { osKeychain, type Keychain } from '../../native/keychain/keychain';

const serviceKinds = ['broker', 'eps', 'pds'] as const;
type ServiceKind = (typeof serviceKinds)[number] | 'cis2' | 'jwks' | 'apim';
const serviceNames: Record<ServiceKind, string> = {
  broker: 'Security broker',
  eps: 'EPS',
  pds: 'Patient index (PDS)',
  cis2: 'CIS2 discovery',
  jwks: 'CIS2 signing keys (JWKS)',
  apim: 'APIM token endpoint',
};

function cis2Of(e: {
  auth?: AuthKind;
  cis2Issuer?: string | undefined;
  cis2ClientId?: string | undefined;
  apimTokenUrl?: string | undefined;
  apimClientId?: string | undefined;
  apimKeyId?: string | undefined;
}): EnvironmentSummary['cis2'] {
  return e.auth === 'cis2-apim'
    ? {
        issuer: e.cis2Issuer ?? null,
        clientId: e.cis2ClientId ?? null,
        apimTokenUrl: e.apimTokenUrl ?? null,
        apimClientId: e.apimClientId ?? null,
        apimKeyId: e.apimKeyId ?? null,
      }
    : null;
}

interface EnvironmentSummary {
  name: string;
  label: string;
  builtIn: boolean;
  selected: boolean;
  brokerUrl: string | null;
  epsUrl: string | null;
  pdsUrl: string | null;
  challengeDigest: 'sha1' | 'sha256';
  auth: AuthKind;
  /** cis2-apim: where the login and token exchange go, and the application's IDs (never its key). */
  cis2: {
    issuer: string | null;
    clientId: string | null;
    apimTokenUrl: string | null;
    apimClientId: string | null;
    apimKeyId: string | null;
  } | null;
  ca: { source: 'built-in' | 'file' | 'system'; file: string | null; certificates: CaCertificate[] };
  /** Why it cannot be used as it stands (unreadable CA file …), else null. */
  problem: string | null;
}

interface EnvironmentCheck {
  name: string;
  label: string;
  ok: boolean;
  services: Array<{ service: ServiceKind; name: string } & ProbeResult>;
}

/** The embedded sandbox: its environment once running, and how to start it if it is not. */
interface SandboxProvider {
  current(): Environment | null;
  start?: () => Promise<Environment>;
}

export const saveInput = z.object({
  name: z.string().trim().describe('Short name, e.g. "integration": lower-case letters, digits and dashes'),
  label: z.string().trim().describe('What people see, e.g. "NHS Path to Live (INT)"'),
  brokerUrl: z.string().trim().optional().describe('Security broker base URL (https); needed for auth ssb only'),
  epsUrl: z.string().trim().describe('EPS FHIR base URL up to and including /FHIR/R4 (https)'),
  pdsUrl: z.string().trim().describe('Patient index (PDS) base URL (https)'),
  caPem: z.string().optional().describe('CA certificates to trust, as PEM text (kept in the data directory)'),
  caFile: z.string().optional().describe('Or: path of a PEM file with the CA certificates (read where it is)'),
  systemTrust: z.boolean().optional().describe("Or: trust the operating system's CA store instead of a bundle"),
  challengeDigest: z
    .enum(['sha1', 'sha256'])
    .default('sha256')
    .describe('Digest the card signs the broker challenge with (legacy GAS: sha1)'),
  auth: z
    .enum(authKinds)
    .default('ssb')
    .describe('ssb: security broker sessions; cis2-apim: CIS2 login exchanged at APIM'),
  cis2Issuer: z.string().trim().optional().describe('cis2-apim: the CIS2 issuer URL (https)'),
  cis2ClientId: z.string().trim().optional().describe("cis2-apim: the application's CIS2 client ID"),
  apimTokenUrl: z.string().trim().optional().describe('cis2-apim: the APIM OAuth token endpoint (https)'),
  apimClientId: z.string().trim().optional().describe("cis2-apim: the application's APIM client ID"),
  apimKeyPem: z
    .string()
    .optional()
    .describe("cis2-apim: the application's RSA private key (PEM); kept only in the OS keychain"),
  apimKeyId: z
    .string()
    .trim()
    .optional()
    .describe("cis2-apim: the key's kid as registered with APIM (default: its RFC 7638 thumbprint)"),
});
type SaveInput = z.input<typeof saveInput>;

type Issue = { path: string; message: string };

function invalid(issues: Issue[]): ScripError {
  return new ScripError(
    'invalid-input',
    issues.length === 1
      ? issues[0]!.message
      : `${issues.length} fields need correcting: ${issues.map((i) => i.message).join(' ')}`,
    { issues },
    'Correct the highlighted fields and save again.',
  );
}

function checkUrl(field: string, label: string, raw: string): Issue | string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return { path: field, message: `${label}: "${raw}" is not a web address.` };
  }
  if (u.protocol !== 'https:')
    return {
      path: field,
      message: `${label} must be an https:// address: national services are reached only over TLS.`,
    };
  if (u.username || u.password)
    return {
      path: field,
      message: `${label} must not contain a user name or password: Scrip does not store credentials in settings.`,
    };
  if (u.search || u.hash) return { path: field, message: `${label} must be a base address, without "?" or "#" parts.` };
  return u.toString().replace(/\/$/, '');
}

/**
 * What changing the environment in use must not break: a live session (its token means nothing to
 * another broker) and prescriptions signed for this environment's EPS. Set by the composition root,
 * which owns the identity service and the prescription store.
 */
interface SessionGuard {
  /** Signed prescriptions not yet accepted by EPS. */
  waitingToSend(): number;
  loginInProgress(): boolean;
  /** Whether someone is logged in (PIN verified onwards). */
  live(): { state: string } | null;
  /** Ends the session because the environment changes; `by` names who asked, for the audit log. */
  endSession(by: string, what: string): void;
}

/** Who changes the environment in use, and whether they said to end a live session for it. */
interface ChangeRequest {
  by: string;
  endSession: boolean;
}

export class EnvironmentService {
  readonly #dataDir: string;
  #guard: SessionGuard | null = null;
  readonly #sandbox: SandboxProvider | null;
  readonly #keychain: () => Keychain;
  #selected: string;

  /** `initial` (SCRIP_ENVIRONMENT) wins over the choice saved in environments.json at start. */
  constructor(opts: { dataDir: string; sandbox: SandboxProvider | null; initial?: string; keychain?: () => Keychain }) {
    this.#dataDir = opts.dataDir;
    this.#keychain = opts.keychain ?? (() => osKeychain('scrip'));
    this.#sandbox = opts.sandbox;
    let saved: string | undefined;
    try {
      saved = readEnvironmentsFile(opts.dataDir).selected;
    } catch {
      saved = undefined;
    }
    this.#selected = opts.initial ?? saved ?? BUILT_IN;
  }

  get selectedName(): string {
    return this.#selected;
  }

  setSessionGuard(guard: SessionGuard): void {
    this.#guard = guard;
  }

  /**
   * Changing the environment in use is refused while a live session or signed prescriptions belong
   * to it, unless the user says to end the session (prescriptions waiting are never sent elsewhere).
   * `details.reason` names the refusal (session-live, prescriptions-waiting, login-in-progress) for screens.
   */
  #guardChange(what: string, change: ChangeRequest): void {
    const g = this.#guard;
    if (!g) return;
    const waiting = g.waitingToSend();
    if (waiting) {
      throw new ScripError(
        'bad-state',
        `${waiting} signed prescription${waiting === 1 ? ' is' : 's are'} waiting to be sent to ${this.current().label}; ${what} now would send ${waiting === 1 ? 'it' : 'them'} elsewhere.`,
        { reason: 'prescriptions-waiting', waiting },
        'Let the outbox send them (log in with a role), or cancel them, then try again.',
      );
    }
    // A login under way would finish against the old broker and leave a session of the wrong environment.
    if (g.loginInProgress()) {
      throw new ScripError(
        'bad-state',
        `A login is in progress with the "${this.#selected}" environment; ${what} has to wait until it has finished.`,
        { reason: 'login-in-progress' },
        'Try again in a moment.',
      );
    }
    const live = g.live();
    if (!live) return;
    if (!change.endSession) {
      throw new ScripError(
        'bad-state',
        `You are logged in, and the session belongs to the environment in use; ${what} needs the session to end first.`,
        { reason: 'session-live', state: live.state },
        'Log out (or remove your card) and try again, or repeat with "end the session" (endSession: true) to log out now. Drafts are kept.',
      );
    }
    g.endSession(change.by, what);
  }

  /** The environment the next broker, EPS or PDS call goes to; bad-state/not-found when it cannot be had. */
  current(): Environment {
    if (this.#selected === BUILT_IN) {
      const env = this.#sandbox?.current() ?? null;
      if (!env)
        throw new ScripError(
          'bad-state',
          'The embedded sandbox is not running.',
          undefined,
          'Choose the sandbox again in Settings (that starts it), or choose a configured environment.',
        );
      return env;
    }
    const env = configuredEnvironments(this.#dataDir)[this.#selected];
    if (!env)
      throw new ScripError(
        'not-found',
        `No environment called "${this.#selected}" is configured.`,
        undefined,
        'Add it in Settings (or environments.json), or choose another environment.',
      );
    return env;
  }

  list(): EnvironmentSummary[] {
    const sb = this.#sandbox?.current() ?? null;
    const out: EnvironmentSummary[] = [];
    if (this.#sandbox) {
      out.push({
        name: BUILT_IN,
        label: sb?.label ?? 'Scrip sandbox (embedded)',
        builtIn: true,
        selected: this.#selected === BUILT_IN,
        brokerUrl: sb?.brokerUrl ?? null,
        epsUrl: sb?.epsUrl ?? null,
        pdsUrl: sb?.pdsUrl ?? null,
        challengeDigest: sb?.challengeDigest ?? 'sha256',
        auth: sb?.auth ?? 'ssb',
        cis2: sb ? cis2Of(sb) : null,
        ca: { source: 'built-in', file: null, certificates: sb?.caPem ? safeCerts(sb.caPem) : [] },
        problem: sb
          ? null
          : this.#sandbox.start
            ? 'not running: it starts when you choose it'
            : 'not available in this process',
      });
    }
    for (const [name, c] of Object.entries(readEnvironmentsFile(this.#dataDir).environments)) {
      let certificates: CaCertificate[] = [];
      let problem: string | null = null;
      if (c.caFile) {
        try {
          certificates = checkCaBundle(readCaFile(this.#dataDir, c.caFile));
        } catch (e) {
          problem = e instanceof Error ? e.message : String(e);
        }
      }
      out.push({
        name,
        label: c.label,
        builtIn: false,
        selected: this.#selected === name,
        brokerUrl: c.brokerUrl ?? null,
        epsUrl: c.epsUrl,
        pdsUrl: c.pdsUrl,
        challengeDigest: c.challengeDigest,
        auth: c.auth,
        cis2: cis2Of(c),
        ca: { source: c.caFile ? 'file' : 'system', file: c.caFile ?? null, certificates },
        problem,
      });
    }
    return out;
  }

  /** Adds or replaces one environment after checking every field; nothing is written if any is wrong. */
  save(raw: SaveInput, change: ChangeRequest = { by: 'Scrip', endSession: false }): EnvironmentSummary {
    const input = saveInput.parse(raw);
    if (input.name === this.#selected) this.#guardChange('changing it', change);
    const issues: Issue[] = [];
    if (input.name === BUILT_IN)
      issues.push({
        path: 'name',
        message: '"sandbox" is the built-in environment and cannot be changed; choose another name.',
      });
    else if (!/^[a-z][a-z0-9-]{0,39}$/.test(input.name))
      issues.push({
        path: 'name',
        message:
          'The name must be lower-case letters, digits and dashes, starting with a letter (at most 40), e.g. "integration".',
      });
    if (!input.label)
      issues.push({ path: 'label', message: 'Give the environment a label, for example "NHS Path to Live (INT)".' });
    else if (input.label.length > 80)
      issues.push({ path: 'label', message: 'The label must be at most 80 characters.' });
    const urls: Partial<Record<'brokerUrl' | 'epsUrl' | 'pdsUrl', string>> = {};
    // A cis2-apim environment logs in at CIS2, not at a security broker: its address is optional there.
    const brokerNeeded = input.auth !== 'cis2-apim' || !!input.brokerUrl?.replace(/^https:\/\/$/, '');
    for (const [field, label] of [
      ['brokerUrl', 'The security broker URL'],
      ['epsUrl', 'The EPS URL'],
      ['pdsUrl', 'The patient index URL'],
    ] as const) {
      if (field === 'brokerUrl' && !brokerNeeded) continue;
      const r = checkUrl(field, label, input[field] ?? '');
      if (typeof r === 'string') urls[field] = r;
      else issues.push(r);
    }
    const file = readEnvironmentsFile(this.#dataDir);
    const existing = file.environments[input.name];
    const cis2: Partial<EnvironmentConfig> = {};
    if (input.auth === 'cis2-apim') {
      if (existing?.cis2Login) cis2.cis2Login = existing.cis2Login; // set in environments.json; Settings keeps it
      // The discovery document's address is accepted for the issuer's: it is what providers publish.
      const issuer = (input.cis2Issuer ?? '').replace(/\/?\.well-known\/openid-configuration\/?$/, '');
      for (const [field, label, raw] of [
        ['cis2Issuer', 'The CIS2 issuer URL', issuer],
        ['apimTokenUrl', 'The APIM token URL', input.apimTokenUrl ?? ''],
      ] as const) {
        const r = checkUrl(field, label, raw);
        if (typeof r === 'string') cis2[field] = r;
        else issues.push(r);
      }
      for (const [field, label] of [
        ['cis2ClientId', 'the CIS2 client ID'],
        ['apimClientId', 'the APIM client ID'],
      ] as const) {
        const v = input[field];
        if (!v) issues.push({ path: field, message: `Give ${label} this application was registered with.` });
        else if (!/^[\x21-\x7e]{1,200}$/.test(v))
          issues.push({
            path: field,
            message: `${label[0]!.toUpperCase()}${label.slice(1)} is at most 200 printable characters without spaces.`,
          });
        else cis2[field] = v;
      }
      if (input.apimKeyId && !/^[\x21-\x7e]{1,200}$/.test(input.apimKeyId))
        issues.push({
          path: 'apimKeyId',
          message: 'The key ID (kid) is at most 200 printable characters without spaces, as registered with APIM.',
        });
      if (input.apimKeyPem?.trim()) {
        const why = appKeyProblem(input.apimKeyPem);
        if (why) issues.push({ path: 'apimKeyPem', message: why });
      } else if (!existing?.apimKeyId) {
        issues.push({
          path: 'apimKeyPem',
          message:
            "Give the application's private key (PEM) registered with APIM; Scrip keeps it only in the OS keychain.",
        });
      }
    }
    const given = [
      input.caPem?.trim() ? 'caPem' : null,
      input.caFile?.trim() ? 'caFile' : null,
      input.systemTrust ? 'systemTrust' : null,
    ].filter(Boolean);
    let caFile: string | undefined;
    let pemToWrite: string | null = null;
    if (given.length > 1)
      issues.push({
        path: 'caPem',
        message: "Give one source of trust: a pasted CA bundle, a CA file, or the system's CA store — not several.",
      });
    else if (given[0] === 'caPem') {
      try {
        checkCaBundle(input.caPem!);
        pemToWrite = input.caPem!.trim() + '\n';
      } catch (e) {
        issues.push(...issuesOf(e, 'caPem'));
      }
    } else if (given[0] === 'caFile' && !isAbsolute(input.caFile!.trim())) {
      // The agent may run in another folder than the CLI that names the file.
      issues.push({
        path: 'caFile',
        message: `Give the CA file as a full path (for example ${join('/', 'home', 'me', 'int-ca.pem')}), not "${input.caFile!.trim()}".`,
      });
    } else if (given[0] === 'caFile') {
      try {
        checkCaBundle(readCaFile(this.#dataDir, input.caFile!.trim()));
        caFile = input.caFile!.trim();
      } catch (e) {
        issues.push(...issuesOf(e, 'caFile'));
      }
    } else if (given[0] === 'systemTrust') {
      caFile = undefined;
    } else if (existing) {
      caFile = existing.caFile; // editing without touching the CA keeps it
    } else {
      issues.push({
        path: 'caPem',
        message:
          "Give the CA certificates these services' TLS certificates are issued by (paste them or choose a file), or choose to trust the system's CA store.",
      });
    }
    if (issues.length) throw invalid(issues);
    if (input.auth === 'cis2-apim') {
      cis2.apimKeyId = input.apimKeyPem?.trim()
        ? storeAppKey(
            this.#keychain(),
            appKeyAccount(this.#dataDir, input.name),
            input.apimKeyPem,
            input.apimKeyId || undefined,
          ).kid
        : input.apimKeyId || existing!.apimKeyId!;
    }
    if (pemToWrite) {
      mkdirSync(caDir(this.#dataDir), { recursive: true, mode: 0o700 });
      caFile = join(caDir(this.#dataDir), `${input.name}-ca.pem`);
      writeFileSync(caFile, pemToWrite, { mode: 0o600 });
    }
    const config: EnvironmentConfig = {
      label: input.label,
      ...(urls.brokerUrl ? { brokerUrl: urls.brokerUrl } : {}),
      epsUrl: urls.epsUrl!,
      pdsUrl: urls.pdsUrl!,
      ...(caFile ? { caFile } : {}),
      challengeDigest: input.challengeDigest,
      auth: input.auth,
      ...cis2,
    };
    writeEnvironmentsFile(this.#dataDir, { ...file, environments: { ...file.environments, [input.name]: config } });
    return this.list().find((e) => e.name === input.name)!;
  }

  /** Removes a configured environment; if it was chosen, the sandbox is chosen instead. */
  remove(name: string, change: ChangeRequest = { by: 'Scrip', endSession: false }): EnvironmentSummary[] {
    if (name === this.#selected) this.#guardChange('removing it', change);
    if (name === BUILT_IN)
      throw new ScripError(
        'invalid-input',
        'The built-in sandbox cannot be removed.',
        undefined,
        'Choose another environment to stop using it.',
      );
    const file = readEnvironmentsFile(this.#dataDir);
    if (!file.environments[name]) throw new ScripError('not-found', `No environment called "${name}" is configured.`);
    const { [name]: _gone, ...rest } = file.environments;
    const selected = file.selected === name ? undefined : file.selected;
    writeEnvironmentsFile(this.#dataDir, { environments: rest, ...(selected ? { selected } : {}) });
    if (this.#selected === name) this.#selected = BUILT_IN;
    return this.list();
  }

  /** Chooses the environment the next session uses, and remembers it for the next start. */
  async use(name: string, change: ChangeRequest = { by: 'Scrip', endSession: false }): Promise<EnvironmentSummary> {
    this.#guardChange(`switching to "${name}"`, change);
    if (name === BUILT_IN) {
      if (!this.#sandbox) throw new ScripError('not-found', 'The embedded sandbox is not available in this process.');
      if (!this.#sandbox.current()) {
        if (!this.#sandbox.start) throw new ScripError('bad-state', 'The embedded sandbox is not running.');
        await this.#sandbox.start();
      }
    } else {
      const env = configuredEnvironments(this.#dataDir)[name]; // also reads its CA bundle: fails now, not at login
      if (!env)
        throw new ScripError(
          'not-found',
          `No environment called "${name}" is configured.`,
          undefined,
          'Add it first (environments save).',
        );
    }
    const file = readEnvironmentsFile(this.#dataDir);
    writeEnvironmentsFile(this.#dataDir, { ...file, selected: name });
    this.#selected = name;
    return this.list().find((e) => e.name === name)!;
  }

  /** TLS handshake against the environment's CA bundle and an HTTP answer, for each of its services. */
  async check(name?: string, opts: { timeoutMs?: number } = {}): Promise<EnvironmentCheck> {
    const target = name ?? this.#selected;
    let env: Environment;
    if (target === BUILT_IN) {
      const sb = this.#sandbox?.current() ?? null;
      if (!sb)
        throw new ScripError(
          'bad-state',
          'The embedded sandbox is not running, so there is nothing to check.',
          undefined,
          'Choose it in Settings to start it.',
        );
      env = sb;
    } else {
      const found = configuredEnvironments(this.#dataDir)[target];
      if (!found) throw new ScripError('not-found', `No environment called "${target}" is configured.`);
      env = found;
    }
    const kinds = env.auth === 'cis2-apim' ? serviceKinds.filter((k) => k !== 'broker') : serviceKinds;
    const [services, identity] = await Promise.all([
      Promise.all(
        kinds.map(async (service) => {
          const url = (service === 'broker' ? env.brokerUrl : service === 'eps' ? env.epsUrl : env.pdsUrl) ?? '';
          const r = await probeService(url, {
            caPem: env.caPem,
            ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
          });
          return { service: service as ServiceKind, name: serviceNames[service], ...r };
        }),
      ),
      env.auth === 'cis2-apim' ? checkIdentityServices(env, opts) : Promise.resolve([]),
    ]);
    services.push(...identity.map((r) => ({ ...r, name: serviceNames[r.service] })));
    return { name: env.name, label: env.label, ok: services.every((s) => s.ok), services };
  }
}

function safeCerts(pem: string): CaCertificate[] {
  try {
    return checkCaBundle(pem);
  } catch {
    return [];
  }
}

function issuesOf(e: unknown, path: string): Issue[] {
  if (e instanceof ScripError) {
    const list = e.details?.issues;
    if (Array.isArray(list)) return (list as Issue[]).map((i) => ({ path, message: i.message }));
    return [{ path, message: e.message }];
  }
  return [{ path, message: e instanceof Error ? e.message : String(e) }];
}
