// A WHATWG fetch over the environment's ServiceClient, for oauth4webapi: the same TLS trust (exactly
// the environment's CA bundle) as every other call to that environment, and no redirects followed.
import type { ServiceClient } from '../../net/service-client';

export type FetchLike = (
  url: string,
  init: { method?: string; headers?: Record<string, string> | Headers; body?: unknown },
) => Promise<Response>;

export function serviceFetch(client: ServiceClient): FetchLike {
  return async (url, init) => {
    const headers: Record<string, string> = {};
    new Headers(init.headers as ConstructorParameters<typeof Headers>[0]).forEach((v, k) => {
      headers[k] = v;
    });
    const body =
      init.body === undefined || init.body === null
        ? undefined
        : init.body instanceof URLSearchParams
          ? init.body.toString()
          : String(init.body);
    const res = await client.send(url, {
      method: init.method ?? 'GET',
      headers,
      ...(body !== undefined ? { body } : {}),
    });
    const out = new Headers();
    for (const [k, v] of Object.entries(res.headers))
      if (v !== undefined) out.set(k, Array.isArray(v) ? v.join(', ') : v);
    // Response refuses a body with 204/304.
    return new Response(res.status === 204 || res.status === 304 ? null : new Uint8Array(res.body), {
      status: res.status,
      headers: out,
    });
  };
}
