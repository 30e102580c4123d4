// The loopback redirect of a native app (RFC 8252 §7.3): an HTTP listener on 127.0.0.1 at a port
// the OS picks, for one authorization response only. It takes the first request to its path whose
// `state` is the one expected, answers it with a short page, and closes; a request with a wrong or
// missing state is refused and the listener keeps waiting; nothing is answered once it has closed
// (a replayed callback finds no one listening). A timeout closes it too.
//
// A provider whose login page asks for the card through Scrip (the sandbox's, decision 0017) may
// also POST once to /card from the provider's own origin: the listener hands that request to
// `cardStep` and answers with what it returns. No other origin, and no second request, is served.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ScripError } from '../../errors';

interface CardStepRequest {
  /** The provider's login transaction, as its page names it. */
  transaction: string;
  /** Where the page will post the card's answer (checked by the caller against the provider). */
  cardUrl: string;
}
export interface CardStepAnswer {
  uid: string;
  response: string;
}

interface LoopbackOptions {
  timeoutMs?: number;
  /** Serve POST /card to pages of this origin only (the provider's). */
  cardStep?: { origin: string; sign: (req: CardStepRequest) => Promise<CardStepAnswer> };
}

export interface LoopbackRedirect {
  /** The redirect_uri to send (http://127.0.0.1:<port>/callback). */
  readonly redirectUri: string;
  /** The full URL the provider redirected to. */
  readonly result: Promise<URL>;
  /** True until the one callback came, the timeout passed or close() was called. */
  readonly listening: boolean;
  close(): void;
}

const MAX_BODY = 16 * 1024;

function page(res: ServerResponse, status: number, text: string): void {
  const esc = text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  res
    .writeHead(status, {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': "default-src 'none'",
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
    })
    .end(`<!doctype html><html lang="en"><title>Scrip</title><p>${esc}</p></html>`);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new Error('body too large');
    parts.push(chunk);
  }
  return Buffer.concat(parts).toString('utf8');
}

export async function openLoopbackRedirect(state: string, opts: LoopbackOptions = {}): Promise<LoopbackRedirect> {
  const timeoutMs = opts.timeoutMs ?? 5 * 60_000;
  let settle!: { resolve: (u: URL) => void; reject: (e: Error) => void };
  const result = new Promise<URL>((resolve, reject) => {
    settle = { resolve, reject };
  });
  result.catch(() => undefined); // a login abandoned before anyone awaits it is not an unhandled rejection
  let server: Server | null = null;
  let cardAsked = false;
  const close = (dropConnections = true): void => {
    clearTimeout(timer);
    settle.reject(new ScripError('bad-state', 'The login was stopped.', undefined, 'Start the login again.'));
    server?.close();
    if (dropConnections) server?.closeAllConnections();
    else server?.closeIdleConnections();
    server = null;
  };
  const timer = setTimeout(() => {
    settle.reject(
      new ScripError(
        'bad-state',
        `The login was not completed in the browser within ${Math.round(timeoutMs / 1000)} seconds.`,
        { check: 'timeout' },
        'Start the login again, and finish it in the browser window that opens.',
      ),
    );
    close();
  }, timeoutMs);
  timer.unref();

  const card = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const step = opts.cardStep!;
    const cors = {
      'access-control-allow-origin': step.origin,
      'access-control-allow-methods': 'POST',
      'access-control-allow-headers': 'content-type',
      'access-control-allow-private-network': 'true',
      vary: 'origin',
      'cache-control': 'no-store',
    };
    const answer = (status: number, body: unknown) =>
      res.writeHead(status, { ...cors, 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.headers.origin !== step.origin) {
      res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' }).end('Not the provider of this login.');
      return;
    }
    if (req.method === 'OPTIONS') {
      res.writeHead(204, cors).end();
      return;
    }
    if (cardAsked) return void answer(409, { error: 'The card step of this login was already asked for.' });
    cardAsked = true;
    let input: Partial<CardStepRequest> = {};
    try {
      input = JSON.parse(await readBody(req)) as Partial<CardStepRequest>;
    } catch {
      /* below */
    }
    if (typeof input.transaction !== 'string' || typeof input.cardUrl !== 'string')
      return void answer(400, { error: 'The card step needs the transaction and the card address.' });
    try {
      answer(200, await step.sign({ transaction: input.transaction, cardUrl: input.cardUrl }));
    } catch (e) {
      answer(400, { error: e instanceof Error ? e.message : String(e) });
    }
  };

  server = createServer((req, res) => {
    res.setHeader('connection', 'close'); // no kept-alive socket outlives the listener
    if (!server) {
      // A request on a connection opened before the listener closed: the login is over.
      page(res, 410, 'This login is already over. Nothing was done.');
      return;
    }
    const url = new URL(req.url ?? '/', `http://127.0.0.1`);
    if (opts.cardStep && url.pathname === '/card' && (req.method === 'POST' || req.method === 'OPTIONS')) {
      card(req, res).catch(() => res.destroy());
      return;
    }
    if (req.method !== 'GET' || url.pathname !== '/callback') {
      page(res, 404, 'Not the login Scrip is waiting for.');
      return;
    }
    if (url.searchParams.get('state') !== state) {
      // Someone else's (or a forged) response: refused; the real one may still come.
      page(
        res,
        400,
        'This answer is not for the login Scrip started (its state is wrong or missing). Nothing was done.',
      );
      return;
    }
    if (url.searchParams.has('error')) {
      const why = `${url.searchParams.get('error')}: ${url.searchParams.get('error_description') ?? ''}`;
      page(res, 200, `The login was refused (${why}). Return to Scrip.`);
    } else page(res, 200, 'You are logged in. You can close this window and return to Scrip.');
    settle.resolve(new URL(`${redirectBase}${url.pathname}${url.search}`));
    // Stop listening now (a replay finds no one); drop the connections once this page is sent.
    const s = server;
    close(false);
    res.once('finish', () => s?.closeAllConnections());
  });
  await new Promise<void>((resolve, reject) => {
    server!.once('error', reject);
    server!.listen(0, '127.0.0.1', resolve);
  });
  const redirectBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    redirectUri: `${redirectBase}/callback`,
    result,
    get listening() {
      return server !== null;
    },
    close,
  };
}
