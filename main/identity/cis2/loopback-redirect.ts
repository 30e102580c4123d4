// The loopback redirect of a native app (RFC 8252 §7.3): an HTTP listener on 127.0.0.1 at a port
// the OS picks, for one authorization response only. It takes the first request to its path whose
// `state` is the one expected, answers it with a short page, and closes.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ScripError } from '../../errors';

export interface LoopbackRedirect {
  /** The redirect_uri to send (http://127.0.0.1:<port>/callback). */
  readonly redirectUri: string;
  /** The full URL the provider redirected to. */
  readonly result: Promise<URL>;
  close(): void;
}

export async function openLoopbackRedirect(state: string, timeoutMs = 5 * 60_000): Promise<LoopbackRedirect> {
  let settle!: { resolve: (u: URL) => void; reject: (e: Error) => void };
  const result = new Promise<URL>((resolve, reject) => {
    settle = { resolve, reject };
  });
  result.catch(() => undefined); // a login abandoned before anyone awaits it is not an unhandled rejection
  let server: Server | null = null;
  const close = (): void => {
    clearTimeout(timer);
    server?.close();
    server?.closeAllConnections();
    server = null;
  };
  const timer = setTimeout(() => {
    settle.reject(
      new ScripError('bad-state', 'The login was not completed in time.', undefined, 'Start the login again.'),
    );
    close();
  }, timeoutMs);
  timer.unref();
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://127.0.0.1`);
    if (req.method !== 'GET' || url.pathname !== '/callback' || url.searchParams.get('state') !== state) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not the login Scrip is waiting for.');
      return;
    }
    res
      .writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': "default-src 'none'",
        'cache-control': 'no-store',
      })
      .end(
        '<!doctype html><title>Scrip</title><p>You are logged in. You can close this window and return to Scrip.</p>',
      );
    settle.resolve(new URL(`${redirectBase}${url.pathname}${url.search}`));
    close();
  });
  await new Promise<void>((resolve, reject) => {
    server!.once('error', reject);
    server!.listen(0, '127.0.0.1', resolve);
  });
  const redirectBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { redirectUri: `${redirectBase}/callback`, result, close };
}
