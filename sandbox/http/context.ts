// What a service mounted on the sandbox (broker, PDS, EPS) may use: the shared store, CA, clock,
// directory, broker, message log, signature crypto and the bearer-token check. Type-only, so route modules can depend on it
// without importing the server (no import cycle).
import type { TestCa } from '../ca';
import type { Clock } from '../clock';
import type { SandboxDb } from '../store/db';
import type { DirectoryStore, DirectoryRole, DirectoryUser } from '../directory/directory';
import type { SandboxBroker } from '../broker/broker';
import type { MessageLog } from '../log/message-log';
import type { SignatureCrypto } from '../../protocols/eps/signature';
import type { MessageChecks } from '../eps/message-workers';
import type { Route, SandboxRequest, SandboxResponse } from './router';

/** Who is calling, once `Authorization: Bearer` and `NHSD-Session-URID` have been checked. */
export interface Caller {
  userId: string;
  /** The role profile named by NHSD-Session-URID (null when the header is absent and not required). */
  roleId: string | null;
  user: DirectoryUser;
  role: DirectoryRole | null;
  token: string;
}

interface AuthoriseOptions {
  /** NHSD-Session-URID must be present and be the session's selected role. */
  roleRequired?: boolean;
  /** The selected role must hold at least one of these activity codes (implies roleRequired). */
  activities?: readonly string[];
}

export interface SandboxContext {
  dataDir: string;
  db: SandboxDb;
  ca: TestCa;
  clock: Clock;
  directory: DirectoryStore;
  broker: SandboxBroker;
  baseUrl: () => string;
  /** Checks for bearer tokens other than broker sessions (route modules add theirs when mounted). */
  bearers: Array<(token: string) => BearerCheck>;
  serviceAuth: ServiceAuth;
  /** Hashing and RSA for the prescription signature check (Node's native crypto: sandbox/ca/signature-crypto.ts). */
  signatureCrypto: SignatureCrypto;
  /** $prepare's digest and $process-message's validation and signature checks, in worker threads (eps/message-workers.ts). */
  messageChecks: MessageChecks;
  /** Every exchange, tokens redacted (read back at /_log). */
  log: MessageLog;
  /** How many exchanges the log could not keep since the server started (/_status). */
  logFailures(): number;
  /** Whether an Authorization header carries the sandbox's admin secret (admin-secret.ts). */
  isAdmin(authorization: string): boolean;
  /** Checks Authorization and NHSD-Session-URID: the caller, or a FHIR OperationOutcome response (401/403/400). */
  authorise(req: SandboxRequest, opts?: AuthoriseOptions): Caller | SandboxResponse;
}

/** What an access token from another issuer (the APIM-style gateway) says: its user and the role
 *  chosen at login, or why it is refused. */
export type BearerCheck = { userId: string; selectedRoleId: string | null } | 'unknown' | 'expired' | 'revoked';

/** Which bearer tokens the services accept: broker sessions (legacy), APIM access tokens, or both. */
export type ServiceAuth = 'ssb' | 'cis2-apim' | 'both';

/** A service's routes, built once the server's context exists. Every one is listed in sandbox/routes.ts. */
export type RouteModule = (ctx: SandboxContext) => Route[];

/** Narrows an `authorise` result. */
export const isRefusal = (a: Caller | SandboxResponse): a is SandboxResponse => 'status' in a;
