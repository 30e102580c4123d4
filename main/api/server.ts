// The local HTTP API on loopback: routes generated from the registry, OpenAPI at /openapi.json,
// Server-Sent Events at /events, /rpc/<command> for the UI, and (browser mode) the renderer itself.
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ScripError, toScripError } from '../errors';
import { invokeCommand } from '../commands/invoke';
import type { AnyCommand, Caller } from '../commands/registry';
import { scopes as allScopes } from './scopes';
import type { Services } from '../services';
import type { Registry } from '../commands/registry';
import { openApiDocument } from './openapi';
import { inputInQuery, pathParams } from '../commands/cli-data';
import { checkHostAndOrigin } from './request-guard';
import { contentSecurityPolicy, readStatic } from './static-files';
import { appVersion } from '../config';
import { listenOnAgentSocket } from './agent-socket';
import { BrowserSessions, SESSION_HEADER } from './browser-sessions';
import { eventVisibleTo } from './event-scopes';

export interface ApiServerOptions {
  port?: number;
  /** Browser mode: serve the built renderer from this folder and accept one-time page tokens. */
  rendererDir?: string;
  maxBodyBytes?: number;
  /**
   * Also listen on the agent socket of this data directory: the only door the CLI uses to reach
   * its own agent (decision 0008).
   */
  socketDir?: string;
  /** Browser mode: how long a page token and a tab's session live (tests shorten them). */
  browserTimeouts?: { linkMs?: number; idleMs?: number; absoluteMs?: number };
}

export interface ApiServer {
  url: string;
  port: number;
  /** The agent socket (or Windows pipe) when `socketDir` was given. */
  socketPath: string | null;
  /**
   * Browser mode: a one-time URL, valid for a minute, whose token (in the fragment: never sent in a
   * request line, never logged) the page trades for its tab's session secret. Never put it on a
   * command line: `ps` shows every user the arguments (serve.ts hands it over in a 0600 file).
   */
  issuePageUrl(): string;
  close(): Promise<void>;
}

const uiCaller: Caller = { kind: 'ui', scopes: new Set(allScopes), label: 'UI' };

// What a locked tab may still do (decision 0008): see the readers and the session, and log in with
// a card and its passcode, which unlocks it. Everything else answers 401 `tab-locked`.
const LOCKED_TAB_COMMANDS: ReadonlySet<string> = new Set([
  'readers.list',
  'session.get',
  'card.status',
  'session.login',
]);
const LOCKED_TAB_EVENTS: ReadonlySet<string> = new Set(['reader.changed', 'session.changed', 'session.ended']);

/** Who is asking, and for a browser tab its secret and whether it is locked. */
interface Asker {
  caller: Caller;
  tab?: { secret: string; locked: boolean };
}

function tabLocked(): ScripError {
  return new ScripError('tab-locked', undefined, { locked: true });
}

interface Route {
  command: AnyCommand;
  method: string;
  pattern: RegExp;
  params: string[];
}

function compileRoutes(commands: AnyCommand[]): Route[] {
  return commands.map((c) => ({
    command: c,
    method: c.http.method,
    params: pathParams(c.http.path),
    pattern: new RegExp('^' + c.http.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '([^/]+)') + '$'),
  }));
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  res.end(text);
}

function sendError(res: ServerResponse, e: unknown): void {
  const err = toScripError(e);
  sendJson(res, err.status, err.toBody());
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      if (over) return; // drain the rest so the client reads our 413 instead of a reset
      size += c.length;
      if (size > limit) {
        over = true;
        chunks.length = 0;
        reject(new ScripError('too-large', `The request body is larger than ${limit} bytes.`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!over) resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

function parseJsonBody(buf: Buffer): Record<string, unknown> {
  if (buf.length === 0) return {};
  let v: unknown;
  try {
    v = JSON.parse(buf.toString('utf8'));
  } catch {
    throw new ScripError('invalid-input', 'The request body is not valid JSON.');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new ScripError('invalid-input', 'The request body must be a JSON object.');
  return v as Record<string, unknown>;
}

function queryObject(params: URLSearchParams): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of new Set(params.keys())) {
    const all = params.getAll(key);
    out[key] = all.length > 1 ? all : all[0];
  }
  return out;
}

function decodePathPart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new ScripError(
      'invalid-input',
      `The path has a bad %-escape: ${part}.`,
      undefined,
      'Encode the path with encodeURIComponent.',
    );
  }
}

export async function startApiServer(
  app: { services: Services; registry: Registry },
  opts: ApiServerOptions = {},
): Promise<ApiServer> {
  const routes = compileRoutes(app.registry.all());
  const maxBody = opts.maxBodyBytes ?? 1024 * 1024;
  // Browser mode rests on no ambient credential (a cookie for 127.0.0.1 reaches every port there):
  // each tab holds its own secret in sessionStorage and sends it as a header no other origin can set.
  const browser = new BrowserSessions(opts.browserTimeouts);
  let port = 0;

  // When the card session ends, so does every tab's right to act as the user: each tab is locked
  // until it logs in again with a card and its passcode (decision 0008).
  const stopLocking = app.services.events.subscribe((e) => {
    if (e.type === 'session.ended') browser.lockAll();
  });

  function askerFor(req: IncomingMessage): Asker {
    const auth = req.headers.authorization;
    if (auth) {
      const m = /^Bearer\s+(\S+)$/i.exec(auth);
      const info = m ? app.services.apiKeys.authenticate(m[1]!) : null;
      if (!info) throw new ScripError('unauthenticated', 'The API key is not valid, or it was revoked.');
      return {
        caller: {
          kind: 'api',
          scopes: new Set(info.scopes),
          keyId: info.id,
          keyName: info.name,
          label: `API key "${info.name}"`,
        },
      };
    }
    const tab = req.headers[SESSION_HEADER];
    if (opts.rendererDir && typeof tab === 'string') {
      const state = browser.check(tab);
      if (state) return { caller: uiCaller, tab: { secret: tab, locked: state === 'locked' } };
      throw new ScripError(
        'unauthenticated',
        "This browser tab's Scrip session has ended or is not valid.",
        undefined,
        'Open Scrip again from a new link: run "scrip start --browser".',
      );
    }
    throw new ScripError('unauthenticated');
  }

  /** Runs a command for the asker; a locked tab may run only a few, and a login unlocks it. */
  async function run(asker: Asker, name: string, input: Record<string, unknown>): Promise<unknown> {
    if (asker.tab?.locked && !LOCKED_TAB_COMMANDS.has(name)) throw tabLocked();
    const out = await invokeCommand(app.registry, app.services, name, input, asker.caller);
    if (asker.tab && name === 'session.login') browser.unlock(asker.tab.secret);
    return out;
  }

  const unsubscribers = new Set<() => void>();

  /** Each event as `event: <type>` + `data: {type, at, data}`; with ?unnamed=1, without the event line. */
  function handleEvents(req: IncomingMessage, res: ServerResponse, asker: Asker, unnamed: boolean): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(': connected\n\n');
    const tab = asker.tab?.secret;
    const unsubscribe = app.services.events.subscribe((e) => {
      if (!eventVisibleTo(e.type, asker.caller)) return;
      // A stream opened before the lock is filtered by the tab's state at each event, not at opening.
      if (tab !== undefined && browser.check(tab) !== 'open' && !LOCKED_TAB_EVENTS.has(e.type)) return;
      res.write(`${unnamed ? '' : `event: ${e.type}\n`}data: ${JSON.stringify(e)}\n\n`);
    });
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15000);
    heartbeat.unref();
    const stop = () => {
      clearInterval(heartbeat);
      unsubscribe();
      unsubscribers.delete(stop);
    };
    unsubscribers.add(stop);
    req.on('close', stop);
  }

  async function handle(req: IncomingMessage, res: ServerResponse, overSocket: boolean): Promise<void> {
    // No browser can reach the socket, and only the user can: no Host/Origin to check there.
    if (!overSocket) {
      const guard = checkHostAndOrigin({ host: req.headers.host, origin: req.headers.origin }, port);
      if (!guard.ok) throw new ScripError('forbidden', guard.reason);
    }
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    const path = url.pathname;
    const method = req.method ?? 'GET';

    if (method === 'GET' && path === '/status')
      return sendJson(res, 200, {
        name: 'scrip',
        version: appVersion,
        ready: true,
        pcsc: app.services.readers.list().service,
      });
    if (method === 'GET' && path === '/openapi.json') return sendJson(res, 200, openApiDocument(app.registry));

    // Browser mode: the page trades the link's one-time token for its tab's secret. The request
    // must come from Scrip's own page (an Origin that passed the guard above).
    if (opts.rendererDir && method === 'POST' && path === '/auth/tab') {
      if (!req.headers.origin)
        throw new ScripError('forbidden', 'A browser request without an Origin header was refused.');
      const body = parseJsonBody(await readBody(req, 4096));
      const secret = typeof body.token === 'string' ? browser.redeem(body.token) : null;
      if (!secret)
        throw new ScripError(
          'unauthenticated',
          'This link was already used, has expired (links last a minute) or is not valid.',
          undefined,
          'Run "scrip start --browser" again and open the new link.',
        );
      return sendJson(res, 200, { secret, header: SESSION_HEADER });
    }

    // A key is checked with the keychain's secret: just after start, wait for its first answer.
    if (req.headers.authorization) await app.services.apiKeys.keychainAnswered();
    if (path === '/events' && method === 'GET')
      return handleEvents(req, res, askerFor(req), url.searchParams.get('unnamed') === '1');

    const rpc = /^\/rpc\/([a-z0-9.-]+)$/.exec(path);
    if (rpc && method === 'POST') {
      const asker = askerFor(req);
      const input = parseJsonBody(await readBody(req, maxBody));
      return sendJson(res, 200, await run(asker, rpc[1]!, input));
    }

    for (const r of routes) {
      if (r.method !== method) continue;
      const m = r.pattern.exec(path);
      if (!m) continue;
      const asker = askerFor(req);
      const params = Object.fromEntries(r.params.map((p, i) => [p, decodePathPart(m[i + 1]!)]));
      const input = inputInQuery(r.command)
        ? { ...queryObject(url.searchParams), ...params }
        : { ...parseJsonBody(await readBody(req, maxBody)), ...params };
      return sendJson(res, 200, await run(asker, r.command.name, input));
    }

    if (opts.rendererDir && method === 'GET') {
      const file = await readStatic(opts.rendererDir, path);
      if (file) {
        res.writeHead(200, {
          'content-type': file.type,
          'content-security-policy': contentSecurityPolicy,
          'x-content-type-options': 'nosniff',
          'x-frame-options': 'DENY',
          'referrer-policy': 'no-referrer',
          'cache-control': 'no-cache',
        });
        res.end(file.body);
        return;
      }
    }
    throw new ScripError(
      'not-found',
      `Nothing is served at ${method} ${path}.`,
      undefined,
      'See /openapi.json for what this API offers.',
    );
  }

  const makeServer = (overSocket: boolean): Server => {
    const s = createServer((req, res) => {
      handle(req, res, overSocket).catch((e) => {
        if (!res.headersSent) sendError(res, e);
        else res.end();
      });
    });
    s.headersTimeout = 10000;
    s.requestTimeout = 60000;
    return s;
  };
  const server = makeServer(false);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  let socketServer: Server | null = null;
  let socketPath: string | null = null;
  if (opts.socketDir) {
    socketServer = makeServer(true);
    try {
      socketPath = await listenOnAgentSocket(socketServer, opts.socketDir);
    } catch (e) {
      server.close();
      throw e;
    }
  }
  const closeServer = async (s: Server) => {
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  };
  return {
    url,
    port,
    socketPath,
    issuePageUrl() {
      return `${url}/#token=${browser.issueToken()}`;
    },
    async close() {
      for (const stop of [...unsubscribers]) stop();
      stopLocking();
      browser.close();
      await closeServer(server);
      if (socketServer) await closeServer(socketServer); // removes the socket file
    },
  };
}
