// HTTPS to a national service (or the sandbox) trusting exactly the CA bundle configured for that
// environment — never "verification off". Failures to connect are `service-unreachable`.
import { request as httpsRequest, Agent } from 'node:https';
import { request as httpRequest } from 'node:http';
import { ScripError } from '../errors';

export interface ServiceResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

interface ServiceClientOptions {
  /** PEM trust anchors for this environment; none means the system's. */
  caPem?: string;
  timeoutMs?: number;
  /** Name for messages: "the security broker", "EPS", … */
  serviceName: string;
}

/** A request that failed on a reused keep-alive socket before any answer. */
class StaleSocket extends Error {
  constructor(override readonly cause: Error) {
    super(cause.message);
  }
}

export class ServiceClient {
  readonly #agent: Agent;
  readonly #opts: ServiceClientOptions;
  constructor(opts: ServiceClientOptions) {
    this.#opts = opts;
    this.#agent = new Agent({ keepAlive: true, maxSockets: 16, ...(opts.caPem ? { ca: opts.caPem } : {}) });
  }

  send(
    url: string,
    init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
  ): Promise<ServiceResponse> {
    // A kept-alive socket the server closed while idle fails the next request (Node's documented
    // race). Usually that request never arrived, but a reset cannot prove it: it is sent once more
    // only when a repeat is harmless — a GET, or a write carrying an X-Request-ID the service dedupes.
    // The repeat goes on a new connection, never another idle one: when the server (or a proxy)
    // dropped one idle connection it usually dropped them all, and this process has not read their
    // closes yet — a second pooled socket fails the same way, and EPS was never even asked.
    const method = (init.method ?? 'GET').toUpperCase();
    const repeatable =
      method === 'GET' ||
      method === 'HEAD' ||
      Object.keys(init.headers ?? {}).some((h) => h.toLowerCase() === 'x-request-id');
    return this.#once(url, init, false)
      .catch((e: unknown) => {
        if (!(e instanceof StaleSocket)) throw e;
        this.#forgetIdle(new URL(url));
        if (repeatable) return this.#once(url, init, true);
        throw e;
      })
      .catch((e: unknown) => {
        throw e instanceof StaleSocket ? this.#unreachable(url, e.cause) : e;
      });
  }

  /** Closes this client's idle connections to the URL's host and port: they idled alongside the one found dead. */
  #forgetIdle(u: URL): void {
    const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
    for (const list of Object.values(this.#agent.freeSockets)) {
      for (const so of list ?? []) if (so.remotePort === port || so.remotePort === undefined) so.destroy();
    }
  }

  #once(
    url: string,
    init: { method?: string; headers?: Record<string, string>; body?: string | Buffer },
    fresh: boolean,
  ): Promise<ServiceResponse> {
    const u = new URL(url);
    const isHttps = u.protocol === 'https:';
    return new Promise((resolve, reject) => {
      const req = (isHttps ? httpsRequest : httpRequest)(
        u,
        {
          method: init.method ?? 'GET',
          headers: {
            ...(init.body !== undefined ? { 'content-length': String(Buffer.byteLength(init.body)) } : {}),
            ...init.headers,
          },
          // A fresh connection of its own (closed after the answer) for a repeat; else the pool.
          ...(isHttps
            ? fresh
              ? { agent: false, ...(this.#opts.caPem ? { ca: this.#opts.caPem } : {}) }
              : { agent: this.#agent }
            : {}),
          timeout: this.#opts.timeoutMs ?? 15000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
          );
          res.on('error', (e) => reject(this.#unreachable(url, e)));
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.#opts.timeoutMs ?? 15000} ms`)));
      req.on('error', (e: NodeJS.ErrnoException) => {
        reject(
          req.reusedSocket && (e.code === 'ECONNRESET' || e.code === 'EPIPE')
            ? new StaleSocket(e)
            : this.#unreachable(url, e),
        );
      });
      if (init.body !== undefined) req.write(init.body);
      req.end();
    });
  }

  close(): void {
    this.#agent.destroy();
  }

  #unreachable(url: string, e: Error): ScripError {
    const tls = /certificate|self.signed|unable to verify/i.test(e.message);
    return new ScripError(
      'service-unreachable',
      `${this.#opts.serviceName} could not be reached at ${new URL(url).origin}: ${e.message}.`,
      { url: new URL(url).origin, tls },
      tls
        ? "The service's certificate is not trusted for this environment: check the CA bundle in Scrip's settings."
        : 'Check the network connection; Scrip will try again.',
    );
  }
}
