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
//   2. List it in SANDBOX_ROUTES (sandbox/routes.ts), the one place: both `scrip sandbox` and the
//      embedded sandbox mount that list. test/sandbox/routes.test.ts fails for an exported `…Routes`
//      function under sandbox/ that is not listed. Tests may pass extra modules: startSandbox({ dataDir, routes: [probe] }).
//   What the module gets from ctx: db (better-sqlite3, WAL; create tables with migrateSandbox(db,
//   id, sql) from sandbox/store/db), clock (ctx.clock.now() — never Date.now(), so --clock works),
//   ca (test CA: auth/sign intermediates, isRevoked), directory (users, roles, organisations),
//   broker, baseUrl(), dataDir, and authorise(req, { roleRequired?, activities? }) which checks
//   `Authorization: Bearer <token>` and `NHSD-Session-URID` and returns the Caller {userId, roleId,
//   user, role, token} or a ready OperationOutcome response.
//   The server does for every route: body limit (413, by Content-Length before reading), 404, 405
//   with Allow, X-Request-ID echoed, the message log (tokens redacted), HttpError → its status,
//   SyntaxError/URIError/too deep → 400 (an OperationOutcome under /FHIR and /Patient), anything
//   else → 500 with the stack kept in the message log.
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
  constructor(
    readonly status: number,
    readonly body: string,
    readonly contentType = 'text/plain; charset=utf-8',
  ) {
    super(body.slice(0, 200));
  }
}

interface Compiled {
  route: Route;
  re: RegExp;
  names: string[];
}

export class Router {
  readonly #routes: Compiled[] = [];

  add(routes: Route[]): this {
    for (const route of routes) {
      // Two modules claiming one route (or one listed twice in sandbox/routes.ts): only the first would ever answer.
      if (this.#routes.some((c) => c.route.method === route.method && c.route.path === route.path))
        throw new Error(
          `${route.method} ${route.path} is mounted twice: check sandbox/routes.ts and the routes option`,
        );
      const names: string[] = [];
      const re = new RegExp(
        '^' +
          route.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{([^}]+)\}/g, (_m, n: string) => {
            names.push(n);
            return '([^/]+)';
          }) +
          '$',
      );
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

  /** Every route's method and path pattern, in the order they match. */
  list(): Array<{ method: Route['method']; path: string }> {
    return this.#routes.map((c) => ({ method: c.route.method, path: c.route.path }));
  }

  /** The methods some route answers on this path (for a 405's Allow header). */
  allowed(path: string): string[] {
    return [...new Set(this.#routes.filter((c) => c.re.test(path)).map((c) => c.route.method))].sort();
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
export const isJsonRequest = (req: Pick<SandboxRequest, 'headers'>): boolean =>
  /^application\/(fhir\+)?json\s*(;|$)/i.test(String(req.headers['content-type'] ?? ''));

/**
 * Why a FHIR JSON body breaks FHIR's own JSON rules, or null when it does not: it must be an object
 * with a resourceType, and null never appears (except as a placeholder in a primitive array that a
 * `_name` sibling extends). The server asks this only after a handler failed on the body's shape,
 * so a request that broke the rules gets a 400 naming where, while a sandbox bug stays a 500.
 */
export function fhirJsonProblem(body: Buffer | string): { message: string; expression?: string } | null {
  let value: unknown;
  try {
    value = JSON.parse(body.toString());
  } catch {
    return { message: 'The body is not JSON.' };
  }
  if (
    !value ||
    typeof value !== 'object' ||
    Array.isArray(value) ||
    typeof (value as { resourceType?: unknown }).resourceType !== 'string'
  ) {
    return { message: 'The body must be a FHIR resource: a JSON object with a resourceType.' };
  }
  const stack: Array<{ v: unknown; at: string; nullOk: boolean }> = [
    { v: value, at: String((value as { resourceType: string }).resourceType), nullOk: false },
  ];
  while (stack.length) {
    const { v, at, nullOk } = stack.pop()!;
    if (v === null) {
      if (nullOk) continue;
      return { message: `null is not allowed in FHIR JSON (at ${at.slice(0, 200)}).`, expression: at.slice(0, 200) };
    }
    if (typeof v !== 'object') continue;
    if (Array.isArray(v)) v.forEach((x, i) => stack.push({ v: x, at: `${at}[${i}]`, nullOk }));
    else {
      const o = v as Record<string, unknown>;
      for (const [k, x] of Object.entries(o))
        stack.push({ v: x, at: `${at}.${k}`, nullOk: Array.isArray(x) && (k.startsWith('_') || `_${k}` in o) });
    }
  }
  return null;
}
