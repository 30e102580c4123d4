// The Spine-style sandbox: one HTTPS server on loopback, certificate from its own test CA, state in
// SQLite under the data directory. Mounts every service listed in sandbox/routes.ts (broker, PDS,
// directory, EPS, CIS2/APIM, the operator's routes); logs every exchange with tokens redacted.
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { writeFileSync, existsSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { openTestCa } from './ca';
import { nodeSignatureCrypto } from './ca/signature-crypto';
import { systemClock, fixedClock } from './clock';
import { openSandboxDb, GroupCommit } from './store/db';
import { secureDataDir } from './store/data-dir';
import { adminSecret, hasAdminSecret } from './admin-secret';
import { startCheckpointer, type Checkpointer } from './store/checkpointer';
import { DirectoryStore } from './directory/directory';
import { ChallengeIssuer } from './broker/challenge';
import { SessionStore, DEFAULT_IDLE_SECONDS, DEFAULT_MAX_SECONDS } from './broker/sessions';
import { SandboxBroker } from './broker/broker';
import { operationOutcome } from './pds/pds';
import { redactBody, redactPath } from './log/redact';
import { MessageLog, DEFAULT_RETENTION, type LogRetention } from './log/message-log';
import { HttpError, Router, fhirJsonProblem, isJsonRequest, type SandboxResponse } from './http/router';
import { type BearerCheck, type Caller, type RouteModule, type SandboxContext, type ServiceAuth } from './http/context';
import { freePort, recordedPort } from './http/port';
import { SANDBOX_ROUTES } from './routes';
import { messageChecks, defaultMessageWorkers } from './eps/message-workers';

interface SandboxOptions {
  dataDir: string;
  port?: number;
  /** Fix the clock (ISO time) for reproducible runs. */
  clock?: string;
  idleSeconds?: number;
  maxSeconds?: number;
  maxBodyBytes?: number;
  /** Which bearer tokens EPS, PDS and the directory accept (default both: broker sessions and APIM access tokens). */
  serviceAuth?: ServiceAuth;
  /** Route modules mounted after those of sandbox/routes.ts (tests, suppliers' extensions). */
  routes?: RouteModule[];
  /** How long the message log keeps exchanges (defaults: DEFAULT_RETENTION). */
  logRetention?: Partial<LogRetention>;
  /** A TLS handshake not finished in this time is dropped (default 10 s). */
  handshakeTimeoutMs?: number;
  /** Where an exchange that could not be logged is told (default: a JSON line on stderr). */
  onLogFailure?: (line: string) => void;
  /** Worker threads for EPS's signature checks and digests (default: SCRIP_SANDBOX_EPS_WORKERS, else one fewer than the cores; 0: none). */
  messageWorkers?: number;
}

/** SCRIP_SANDBOX_EPS_WORKERS as a count of worker threads, or undefined when unset or not a count. */
function envWorkers(): number | undefined {
  const v = process.env.SCRIP_SANDBOX_EPS_WORKERS;
  return v !== undefined && /^\d{1,2}$/.test(v) ? Number(v) : undefined;
}

/** TLS 1.2 suites offered: forward-secret (ECDHE) AEAD only, Mozilla's "intermediate" less DHE. TLS 1.3's are all so. */
const TLS12_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');
/** Timeouts of the sandbox's HTTPS server, in milliseconds. */
const SERVER_TIMEOUTS = { handshake: 10_000, headers: 10_000, request: 30_000, keepAlive: 5_000 } as const;

export interface RunningSandbox {
  baseUrl: string;
  caCertPath: string;
  dataDir: string;
  context: SandboxContext;
  /** The admin secret (`Authorization: Bearer …` reads `/_log`) and the 0600 file that holds it. */
  adminSecret: string;
  adminSecretFile: string;
  log: MessageLog;
  /** Every mounted route (method and path pattern), for tests that must cover them all. */
  routes: Array<{ method: string; path: string }>;
  close(): Promise<void>;
}

function secretFile(path: string): Buffer {
  if (existsSync(path)) return readFileSync(path);
  const s = randomBytes(32);
  writeFileSync(path, s, { mode: 0o600 });
  return s;
}

export async function startSandbox(opts: SandboxOptions): Promise<RunningSandbox> {
  secureDataDir(opts.dataDir);
  const admin = adminSecret(opts.dataDir);
  const clock = opts.clock ? fixedClock(opts.clock) : systemClock();
  // The port is fixed before the CA opens: its certificates carry this address (CRLs).
  const listenPort = opts.port ?? (await freePort(recordedPort(join(opts.dataDir, 'ca', 'ca.json'))));
  let baseUrl = `https://127.0.0.1:${listenPort}`;
  const ca = openTestCa(join(opts.dataDir, 'ca'), { baseUrl, now: () => clock.now() });
  const db = openSandboxDb(join(opts.dataDir, 'sandbox.db'));
  const directory = new DirectoryStore(opts.dataDir);
  const sessions = new SessionStore(
    db,
    clock,
    opts.idleSeconds ?? DEFAULT_IDLE_SECONDS,
    opts.maxSeconds ?? DEFAULT_MAX_SECONDS,
  );
  const broker = new SandboxBroker({
    ca,
    clock,
    directory,
    challenges: new ChallengeIssuer(secretFile(join(opts.dataDir, 'broker.secret'))),
    sessions,
    baseUrl: () => baseUrl,
  });
  const log = new MessageLog(db, { ...DEFAULT_RETENTION, ...opts.logRetention });
  let logFailures = 0;
  const onLogFailure =
    opts.onLogFailure ??
    ((line: string) => {
      process.stderr.write(line + '\n');
    });
  /** What the log could not keep, counted (/_status) and said as a JSON line (stderr by default). */
  const logFailure = (fields: Record<string, unknown>): void => {
    logFailures++;
    onLogFailure(JSON.stringify({ event: 'log-failure', at: new Date().toISOString(), ...fields }));
  };
  // Started once the server listens (a start that fails leaves no thread behind).
  let checkpoints: Checkpointer | null = null;
  const commits = new GroupCommit(
    db,
    () => checkpoints?.committed(),
    // The exchanges recorded in a commit that failed are not in the log: said where log failures are.
    (e) =>
      logFailure({
        logError: `a commit failed, so the exchanges of that moment are missing from the log: ${e instanceof Error ? e.message : String(e)}`,
      }),
  );

  const context: SandboxContext = {
    dataDir: opts.dataDir,
    db,
    ca,
    clock,
    directory,
    broker,
    baseUrl: () => baseUrl,
    bearers: [],
    serviceAuth: opts.serviceAuth ?? 'both',
    // Prescription signatures are checked with Node's native crypto (Web Crypto's per-call cost is high).
    signatureCrypto: nodeSignatureCrypto,
    // A route's writes after a check's answer join the group commit of the turn it arrives in.
    messageChecks: messageChecks(opts.messageWorkers ?? envWorkers() ?? defaultMessageWorkers(), () => commits.begin()),
    log,
    logFailures: () => logFailures,
    isAdmin: (authorization) => hasAdminSecret(authorization, admin.secret),
    authorise(req, o = {}): Caller | SandboxResponse {
      const m = /^Bearer\s+(\S+)$/i.exec(String(req.headers.authorization ?? ''));
      if (!m)
        return operationOutcome(401, 'forbidden', 'ACCESS_DENIED', 'Missing Authorization: Bearer <session token>.');
      const token = m[1]!;
      const urid = req.headers['nhsd-session-urid'];
      const roleId = typeof urid === 'string' && urid !== '' ? urid : null;
      const roleRequired = o.roleRequired || !!o.activities;
      if (roleRequired && !roleId)
        return operationOutcome(400, 'value', 'MISSING_VALUE', 'NHSD-Session-URID is required.', 'NHSD-Session-URID');
      let apim: BearerCheck = 'unknown';
      if (context.serviceAuth !== 'ssb')
        for (const check of context.bearers) if ((apim = check(token)) !== 'unknown') break;
      let user,
        role = null;
      if (typeof apim === 'object') {
        // An APIM access token: the user's, with NHSD-Session-URID one of their roles (the one chosen at login, if any).
        user = directory.user(apim.userId);
        if (!user)
          return operationOutcome(
            401,
            'forbidden',
            'ACCESS_DENIED',
            "The access token's user is no longer in the directory.",
          );
        if (roleId) {
          role = user.roles.find((x) => x.id === roleId) ?? null;
          if (!role || (apim.selectedRoleId && apim.selectedRoleId !== roleId))
            return operationOutcome(
              401,
              'forbidden',
              'ACCESS_DENIED',
              'NHSD-Session-URID is invalid.',
              'NHSD-Session-URID',
            );
        }
      } else if (apim !== 'unknown' || context.serviceAuth === 'cis2-apim') {
        return operationOutcome(
          401,
          'forbidden',
          'ACCESS_DENIED',
          `The access token was refused: ${apim === 'unknown' ? 'this service accepts only APIM access tokens' : `it is ${apim}`}.`,
        );
      } else {
        const r = broker.session(token);
        if (typeof r === 'string')
          return operationOutcome(401, 'forbidden', 'ACCESS_DENIED', `The session token was refused: ${r}.`);
        user = r.user;
        if (roleId) {
          if (r.session.selectedRole !== roleId)
            return operationOutcome(
              403,
              'forbidden',
              'ACCESS_DENIED',
              'NHSD-Session-URID is not the role selected for this session.',
              'NHSD-Session-URID',
            );
          role = r.user.roles.find((x) => x.id === roleId) ?? null;
          if (!role)
            return operationOutcome(
              403,
              'forbidden',
              'ACCESS_DENIED',
              'The user no longer holds the selected role.',
              'NHSD-Session-URID',
            );
        }
      }
      if (o.activities && !role?.activities.some((a) => o.activities!.includes(a))) {
        return operationOutcome(
          403,
          'forbidden',
          'ACCESS_DENIED',
          `The selected role has none of the activities ${o.activities.join(', ')}.`,
        );
      }
      return { userId: user.id, roleId, user, role, token };
    },
  };

  const router = new Router();
  for (const m of [...SANDBOX_ROUTES, ...(opts.routes ?? [])]) router.add(m(context));

  const maxBody = opts.maxBodyBytes ?? 2 * 1024 * 1024;
  const isFhirPath = (p: string): boolean => p.startsWith('/FHIR/') || p === '/Patient' || p.startsWith('/Patient/');
  /** An answer the server gives itself: a FHIR OperationOutcome on FHIR paths, plain text elsewhere. */
  const serverAnswer = (
    status: number,
    issueCode: string,
    spineCode: string,
    message: string,
    path: string,
    headers: Record<string, string> = {},
  ): SandboxResponse => {
    const r = isFhirPath(path)
      ? operationOutcome(status, issueCode, spineCode, message)
      : { status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: message };
    return { ...r, headers: { ...r.headers, ...headers } };
  };

  /** The body, or 'too-large' as soon as it passes the limit (at once when Content-Length says so). */
  function readBody(req: IncomingMessage): Promise<Buffer | 'too-large'> {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBody) return Promise.resolve('too-large');
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const onData = (c: Buffer): void => {
        size += c.length;
        if (size <= maxBody) {
          chunks.push(c);
          return;
        }
        req.off('data', onData);
        resolve('too-large');
      };
      req.on('data', onData);
      req.on('end', () => resolve(Buffer.concat(chunks)));
      req.on('error', reject);
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const method = req.method ?? 'GET';
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'https://sandbox.invalid');
    } catch {
      url = new URL('https://sandbox.invalid/');
    }
    const read = await readBody(req);
    const body = read === 'too-large' ? Buffer.alloc(0) : read;
    commits.begin();
    let answer: SandboxResponse;
    let internalError: string | null = null;
    let shapeProblem: ReturnType<typeof fhirJsonProblem> = null;
    try {
      if (read === 'too-large') {
        // Nothing more of this request is read: the connection closes after the answer.
        answer = serverAnswer(
          413,
          'too-costly',
          'INVALID_REQUEST',
          `The request body is larger than ${maxBody} bytes.`,
          url.pathname,
          { connection: 'close' },
        );
      } else {
        const m = router.match(method, url.pathname);
        if (m === null)
          answer = serverAnswer(
            404,
            'not-found',
            'RESOURCE_NOT_FOUND',
            `Nothing at ${url.pathname.slice(0, 200)}.`,
            url.pathname,
          );
        else if (m === 'method-not-allowed')
          answer = serverAnswer(
            405,
            'not-supported',
            'INVALID_REQUEST',
            `${method.slice(0, 20)} is not allowed here.`,
            url.pathname,
            { allow: router.allowed(url.pathname).join(', ') },
          );
        // FHIR bodies are JSON, said so (as EPS answers): anything else is refused before it is read.
        else if (url.pathname.startsWith('/FHIR/') && method !== 'GET' && !isJsonRequest({ headers: req.headers })) {
          answer = operationOutcome(
            415,
            'not-supported',
            'INVALID_REQUEST',
            `Content-Type must be application/fhir+json or application/json, not '${String(req.headers['content-type'] ?? '(none)').slice(0, 60)}'.`,
            'Content-Type',
          );
        } else
          answer = await m.route.handle({
            method,
            path: url.pathname,
            params: m.params,
            query: url.searchParams,
            headers: req.headers,
            body,
          });
      }
    } catch (e) {
      if (e instanceof HttpError)
        answer = { status: e.status, headers: { 'content-type': e.contentType }, body: e.body };
      else if (e instanceof SyntaxError || e instanceof URIError)
        answer = serverAnswer(
          400,
          'invalid',
          'INVALID_REQUEST',
          `Malformed request: ${e.message.slice(0, 200)}`,
          url.pathname,
        );
      // A body nested deep enough to exhaust the stack is the request's fault, not the server's.
      else if (e instanceof RangeError && /call stack/i.test(e.message))
        answer = serverAnswer(400, 'invalid', 'INVALID_REQUEST', 'The request is too deeply nested.', url.pathname);
      // A handler that trips over a FHIR body FHIR itself forbids (null items, not an object): the request's fault.
      else if (e instanceof TypeError && url.pathname.startsWith('/FHIR/') && (shapeProblem = fhirJsonProblem(body))) {
        answer = operationOutcome(400, 'structure', 'INVALID_VALUE', shapeProblem.message, shapeProblem.expression);
      } else {
        answer = serverAnswer(
          500,
          'exception',
          'INTERNAL_SERVER_ERROR',
          'Internal error (the message log at /_log has the details).',
          url.pathname,
        );
        internalError = e instanceof Error ? (e.stack ?? e.message) : String(e);
      }
    }
    const requestId = req.headers['x-request-id'];
    const request = read === 'too-large' ? `[more than ${maxBody} bytes, not read]` : body.toString('utf8');
    /** Keeps the exchange in the log, or says elsewhere that it could not (with the inner error of a 5xx). */
    const record = (status: number, response: string): void => {
      try {
        log.record({
          at: clock.now().toISOString(),
          method,
          path: (req.url ?? '').slice(0, 2000),
          status,
          requestId: typeof requestId === 'string' ? requestId.slice(0, 100) : null,
          request,
          ms: performance.now() - started,
          response,
        });
      } catch (e) {
        logFailure({
          method,
          path: redactPath((req.url ?? '').slice(0, 200)),
          status,
          logError: e instanceof Error ? e.message : String(e),
          ...(status >= 500 ? { response: redactBody(response) } : {}),
        });
      }
    };
    // Reading the log is not logged: a poller would otherwise read back its own last read. Every
    // other exchange is recorded in the turn's transaction: one commit for all (a commit per
    // exchange cost more than the rest of the log). One that wrote is in the log before its answer
    // leaves; one that wrote nothing is answered at once, its row committed at the end of the turn,
    // before the server reads another request. The log keeps what went wrong inside; the client
    // sees only "internal error".
    const logged = !(method === 'GET' && url.pathname === '/_log');
    // Taken before the record: an answer waits for the commit of what was written, not for its own log row.
    const committed = commits.settled();
    if (logged)
      record(
        answer.status,
        internalError
          ? `internal error: ${internalError}`
          : typeof answer.body === 'string'
            ? answer.body
            : `[${answer.body.length} bytes]`,
      );
    // The answer leaves only once what was written this turn is committed (store/db.ts GroupCommit).
    try {
      await committed;
    } catch (e) {
      answer = serverAnswer(
        500,
        'exception',
        'INTERNAL_SERVER_ERROR',
        'Internal error (the message log at /_log has the details).',
        url.pathname,
      );
      // The record above went with the failed commit: this one is written at once.
      if (logged) record(500, `internal error: the commit failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    res.writeHead(answer.status, {
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      ...(typeof requestId === 'string' ? { 'x-request-id': requestId } : {}),
      ...answer.headers,
    });
    res.end(answer.body);
  }

  // TLS is between real computers: its certificate follows the real clock even when the sandbox's is fixed.
  const tls = openTestCa(join(opts.dataDir, 'ca'), { baseUrl }).issueTlsCertificate({
    hosts: ['localhost', '127.0.0.1', '::1'],
  });
  const server: Server = createServer(
    {
      key: tls.keyPem,
      cert: tls.chainPem,
      maxHeaderSize: 16 * 1024,
      minVersion: 'TLSv1.2',
      ciphers: TLS12_CIPHERS,
      honorCipherOrder: true,
      // A connection that never finishes its handshake is dropped (Node would hold it 120 s).
      handshakeTimeout: opts.handshakeTimeoutMs ?? SERVER_TIMEOUTS.handshake,
    },
    (req, res) => {
      handle(req, res).catch(() => {
        if (!res.headersSent) {
          res.writeHead(400);
          res.end('bad request');
        }
      });
    },
  );
  server.headersTimeout = SERVER_TIMEOUTS.headers;
  server.requestTimeout = SERVER_TIMEOUTS.request;
  server.keepAliveTimeout = SERVER_TIMEOUTS.keepAlive;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listenPort, '127.0.0.1', () => resolve());
  });
  checkpoints = startCheckpointer(db);
  const port = (server.address() as AddressInfo).port;
  baseUrl = `https://127.0.0.1:${port}`;
  const caCertPath = join(opts.dataDir, 'ca', 'root.pem');
  return {
    baseUrl,
    caCertPath,
    dataDir: opts.dataDir,
    context,
    routes: router.list(),
    adminSecret: admin.secret,
    adminSecretFile: admin.file,
    log,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      commits.commit();
      await checkpoints?.stop();
      await context.messageChecks.close();
      db.close();
    },
  };
}
