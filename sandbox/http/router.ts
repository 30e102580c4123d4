// A small router for the sandbox's HTTPS server. Handlers are plain functions from a request
// (method, path, query, headers, body) to a response, so each service (broker, PDS, EPS) is a
// list of routes that the server mounts and a test can call without a socket.
//
// HOW A SERVICE PLUGS IN (EPS: sandbox/eps/**)
//   1. Write a RouteModule (sandbox/http/context.ts): (ctx: SandboxContext) => Route[].
//        export const epsRoutes: RouteModule = (ctx) => [
//          { method: 'POST', path: '/FHIR/R4/$prepare', handle: async (req) => {
//              const caller = ctx.authorise(req, { activities: PRESCRIBING_ACTIVITIES });
//              if (isRefusal(caller)) return caller;            // FHIR OperationOutcome 400/401/403
//              const bundle = JSON.parse(req.body.toString('utf8'));  // SyntaxError → 400 by the server
//              return json(200, parameters, 'application/fhir+json');
//          } },
//        ];
//   2. Register it: in sandbox/eps-routes.ts, `registerRoutes(epsRoutes)` (from sandbox/http/modules).
//      server.ts imports eps-routes, so both `scrip sandbox` and the embedded sandbox mount it.
//      Tests may instead pass it directly: startSandbox({ dataDir, routes: [epsRoutes] }).
//   What the module gets from ctx: db (better-sqlite3, WAL; create tables with migrateSandbox(db,
//   id, sql) from sandbox/store/db), clock (ctx.clock.now() — never Date.now(), so --clock works),
//   ca (test CA: auth/sign intermediates, isRevoked), directory (users, roles, organisations),
//   broker, baseUrl(), dataDir, and authorise(req, { roleRequired?, activities? }) which checks
//   `Authorization: Bearer <token>` and `NHSD-Session-URID` and returns the Caller {userId, roleId,
//   user, role, token} or a ready OperationOutcome response.
//   The server does for every route: body limit (413), 404/405, X-Request-ID echoed, the message
//   log (tokens redacted), HttpError → its status, SyntaxError/URIError → 400, anything else → 500.
//
// Path patterns use {name} for one segment (percent-decoded); the values arrive in req.params.
// A literal `$` in a path (FHIR operations) is fine: patterns are escaped.
import type { IncomingHttpHeaders } from 'node:http';

export interface SandboxRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface SandboxResponse {
  status: number;
  headers?: Record<string, string>;
  body: string | Buffer;
}

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  handle(req: SandboxRequest): Promise<SandboxResponse> | SandboxResponse;
}

/** An error a handler throws to answer with a status and body. */
export class HttpError extends Error {
  constructor(readonly status: number, readonly body: string, readonly contentType = 'text/plain; charset=utf-8') { super(body.slice(0, 200)); }
}

interface Compiled { route: Route; re: RegExp; names: string[] }

export class Router {
  readonly #routes: Compiled[] = [];

  add(routes: Route[]): this {
    for (const route of routes) {
      const names: string[] = [];
      const re = new RegExp('^' + route.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{([^}]+)\}/g, (_m, n: string) => { names.push(n); return '([^/]+)'; }) + '$');
      this.#routes.push({ route, re, names });
    }
    return this;
  }

  match(method: string, path: string): { route: Route; params: Record<string, string> } | 'method-not-allowed' | null {
    let pathMatched = false;
    for (const c of this.#routes) {
      const m = c.re.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (c.route.method !== method) continue;
      return { route: c.route, params: Object.fromEntries(c.names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)])) };
    }
    return pathMatched ? 'method-not-allowed' : null;
  }
}

export function json(status: number, value: unknown, contentType = 'application/json'): SandboxResponse {
  return { status, headers: { 'content-type': contentType }, body: JSON.stringify(value) };
}

/** Parses a JSON request body; malformed or empty → HttpError 400 (never a 5xx). */
export function readJson(req: SandboxRequest): unknown {
  const text = req.body.toString('utf8');
  if (!text.trim()) throw new HttpError(400, 'the request body is empty; JSON was expected');
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new HttpError(400, `the request body is not JSON: ${(e as Error).message.slice(0, 200)}`);
  }
}

/** True when the request says its body is JSON (application/json or application/fhir+json). */
export const isJsonRequest = (req: SandboxRequest): boolean => /^application\/(fhir\+)?json\b/i.test(String(req.headers['content-type'] ?? ''));
