// A small router for the sandbox's HTTPS server. Handlers are plain functions from a request
// (method, path, query, headers, body) to a response, so each service (broker, PDS, EPS) is a
// list of routes that the server mounts and a test can call without a socket.
//
//   export const routes: Route[] = [{ method: 'POST', path: '/login/authactivate', handle: async (req) => ({ status: 200, body: '…' }) }];
//
// Path patterns use {name} for one segment; the values arrive in req.params.
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
