// The local HTTP API on loopback: routes generated from the registry, OpenAPI at /openapi.json,
// Server-Sent Events at /events, /rpc/<command> for the UI, and (browser mode) the renderer itself.
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { ScripError, toScripError } from '../errors';
import { invokeCommand } from '../commands/invoke';
import { scopes as allScopes, type AnyCommand, type Caller } from '../commands/registry';
import type { App } from '../app';
import { openApiDocument, pathParams, inputInQuery } from './openapi';
import { checkHostAndOrigin } from './request-guard';
import { contentSecurityPolicy, readStatic } from './static-files';
import { appVersion } from '../config';

export interface ApiServerOptions {
  port?: number;
  /** Browser mode: serve the built renderer from this folder and accept one-time page tokens. */
  rendererDir?: string;
  maxBodyBytes?: number;
}

export interface ApiServer {
  url: string;
  port: number;
  /** Browser mode: a one-time URL whose token the page trades for its session cookie. */
  issuePageUrl(): string;
  close(): Promise<void>;
}

const SESSION_COOKIE = 'scrip_session';
const uiCaller: Caller = { kind: 'ui', scopes: new Set(allScopes), label: 'UI' };

interface Route { command: AnyCommand; method: string; pattern: RegExp; params: string[] }

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
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...headers });
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
    req.on('end', () => { if (!over) resolve(Buffer.concat(chunks)); });
    req.on('error', reject);
  });
}

function parseJsonBody(buf: Buffer): Record<string, unknown> {
  if (buf.length === 0) return {};
  let v: unknown;
  try { v = JSON.parse(buf.toString('utf8')); } catch { throw new ScripError('invalid-input', 'The request body is not valid JSON.'); }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ScripError('invalid-input', 'The request body must be a JSON object.');
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

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a), y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export async function startApiServer(app: App, opts: ApiServerOptions = {}): Promise<ApiServer> {
  const routes = compileRoutes(app.registry.all());
  const maxBody = opts.maxBodyBytes ?? 1024 * 1024;
  const pageTokens = new Set<string>();   // one-time, from the printed URL
  const browserSessions = new Set<string>(); // cookie values, in memory only
  let port = 0;

  function callerFor(req: IncomingMessage): Caller {
    const auth = req.headers.authorization;
    if (auth) {
      const m = /^Bearer\s+(\S+)$/i.exec(auth);
      const info = m ? app.services.apiKeys.authenticate(m[1]!) : null;
      if (!info) throw new ScripError('unauthenticated', 'The API key is not valid, or it was revoked.');
      return { kind: 'api', scopes: new Set(info.scopes), keyId: info.id, keyName: info.name, label: `API key "${info.name}"` };
    }
    const session = cookie(req, SESSION_COOKIE);
    if (session && [...browserSessions].some((s) => sameSecret(s, session))) {
      // Cookie-authenticated writes must come from Scrip's own page (SameSite=Strict is the first line).
      if (req.method !== 'GET' && !req.headers.origin) throw new ScripError('forbidden', 'A browser request without an Origin header was refused.');
      return uiCaller;
    }
    throw new ScripError('unauthenticated');
  }

  const unsubscribers = new Set<() => void>();

  /** Each event as `event: <type>` + `data: {type, at, data}`; with ?unnamed=1, without the event line. */
  function handleEvents(req: IncomingMessage, res: ServerResponse, unnamed: boolean): void {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write(': connected\n\n');
    const unsubscribe = app.services.events.subscribe((e) => {
      res.write(`${unnamed ? '' : `event: ${e.type}\n`}data: ${JSON.stringify(e)}\n\n`);
    });
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15000);
    heartbeat.unref();
    const stop = () => { clearInterval(heartbeat); unsubscribe(); unsubscribers.delete(stop); };
    unsubscribers.add(stop);
    req.on('close', stop);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const guard = checkHostAndOrigin({ host: req.headers.host, origin: req.headers.origin }, port);
    if (!guard.ok) throw new ScripError('forbidden', guard.reason);
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    const path = url.pathname;
    const method = req.method ?? 'GET';

    if (method === 'GET' && path === '/status') return sendJson(res, 200, { name: 'scrip', version: appVersion, ready: true, pcsc: app.services.readers.list().service });
    if (method === 'GET' && path === '/openapi.json') return sendJson(res, 200, openApiDocument(app.registry));

    // Browser mode: the printed URL carries a one-time token; trade it for the session cookie.
    if (opts.rendererDir && method === 'GET' && (path === '/' || path === '/index.html')) {
      const token = url.searchParams.get('token');
      if (token) {
        if (!pageTokens.delete(token)) throw new ScripError('unauthenticated', 'This link was already used or is not valid.', undefined, 'Run "scrip start --browser" again and open the new link.');
        const session = randomBytes(32).toString('base64url');
        browserSessions.add(session);
        res.writeHead(303, { location: '/', 'set-cookie': `${SESSION_COOKIE}=${session}; HttpOnly; SameSite=Strict; Path=/`, 'cache-control': 'no-store' });
        res.end();
        return;
      }
    }

    // A key is checked with the keychain's secret: just after start, wait for its first answer.
    if (req.headers.authorization) await app.services.apiKeys.keychainAnswered();
    if (path === '/events' && method === 'GET') { callerFor(req); return handleEvents(req, res, url.searchParams.get('unnamed') === '1'); }

    const rpc = /^\/rpc\/([a-z0-9.-]+)$/.exec(path);
    if (rpc && method === 'POST') {
      const caller = callerFor(req);
      const input = parseJsonBody(await readBody(req, maxBody));
      return sendJson(res, 200, await invokeCommand(app.registry, app.services, rpc[1]!, input, caller));
    }

    for (const r of routes) {
      if (r.method !== method) continue;
      const m = r.pattern.exec(path);
      if (!m) continue;
      const caller = callerFor(req);
      const params = Object.fromEntries(r.params.map((p, i) => [p, decodeURIComponent(m[i + 1]!)]));
      const input = inputInQuery(r.command) ? { ...queryObject(url.searchParams), ...params } : { ...parseJsonBody(await readBody(req, maxBody)), ...params };
      return sendJson(res, 200, await invokeCommand(app.registry, app.services, r.command.name, input, caller));
    }

    if (opts.rendererDir && method === 'GET') {
      const file = await readStatic(opts.rendererDir, path);
      if (file) {
        res.writeHead(200, { 'content-type': file.type, 'content-security-policy': contentSecurityPolicy, 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY', 'referrer-policy': 'no-referrer', 'cache-control': 'no-cache' });
        res.end(file.body);
        return;
      }
    }
    throw new ScripError('not-found', `Nothing is served at ${method} ${path}.`, undefined, 'See /openapi.json for what this API offers.');
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e) => { if (!res.headersSent) sendError(res, e); else res.end(); });
  });
  server.headersTimeout = 10000;
  server.requestTimeout = 60000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    issuePageUrl() {
      const token = randomBytes(24).toString('base64url');
      pageTokens.add(token);
      return `${url}/?token=${token}`;
    },
    async close() {
      for (const stop of [...unsubscribers]) stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
