import {
  CommandError,
  isErrorBody,
  type AppEvent,
  type CommandName,
  type CommandOutput,
  type Transport,
} from './transport';
import { href, pathNamed } from '../routes';

const SECRET_KEY = 'scrip.tab';
const HEADER = 'x-scrip-session';

/**
 * Browser mode's credential is this tab's secret, kept in sessionStorage and sent as a header; no
 * cookie (a cookie for 127.0.0.1 would reach every other server on loopback). The link Scrip opens
 * carries a one-time token in the fragment (`#token=…`), traded here for the secret before the page
 * reads its route; the token leaves the address bar at once.
 */
function tabSecret(base: string): Promise<string | null> {
  // `&to=/page` opens that page once the token is traded (an assurance run's screenshot of a page).
  const m = /^#token=([A-Za-z0-9_-]+)(?:&to=\/([a-z-]*))?$/.exec(location.hash);
  if (!m) return Promise.resolve(sessionStorage.getItem(SECRET_KEY));
  history.replaceState(null, '', `${location.pathname}${href(pathNamed(m[2]))}`);
  return fetch(`${base}/auth/tab`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: m[1] }),
  })
    .then(async (res) => {
      const body = (await res.json().catch(() => null)) as { secret?: unknown } | null;
      if (!res.ok || typeof body?.secret !== 'string') return sessionStorage.getItem(SECRET_KEY);
      sessionStorage.setItem(SECRET_KEY, body.secret);
      return body.secret;
    })
    .catch(() => sessionStorage.getItem(SECRET_KEY));
}

/** Reads a text/event-stream body and hands on each `data:` payload. */
async function readEvents(body: ReadableStream<Uint8Array>, onData: (data: string) => void): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = block
        .split('\n')
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).trimStart())
        .join('\n');
      if (data) onData(data);
    }
  }
}

/** Browser mode: commands over POST /rpc/<name>, events over Server-Sent Events at /events. */
export function httpTransport(base = ''): Transport {
  const secret = tabSecret(base);
  const headers = async (): Promise<Record<string, string>> => {
    const s = await secret;
    return s ? { [HEADER]: s } : {};
  };
  const listeners = new Set<(e: AppEvent) => void>();
  let stream: AbortController | null = null;
  let lost = false;
  const emit = (e: AppEvent) => {
    for (const l of listeners) l(e);
  };
  const setLost = (now: boolean) => {
    if (now === lost) return; // tell the page once per outage, and again when it is back
    lost = now;
    emit({ type: now ? 'connection.lost' : 'connection.restored', at: new Date().toISOString(), data: null });
  };
  // EventSource cannot send a header, so the stream is read with fetch, and reopened when it drops.
  const open = async (ctl: AbortController): Promise<void> => {
    while (!ctl.signal.aborted) {
      try {
        // ?unnamed=1: every event arrives as a plain message (its type is inside).
        const res = await fetch(`${base}/events?unnamed=1`, {
          headers: await headers(),
          signal: ctl.signal,
          cache: 'no-store',
        });
        if (res.ok && res.body) {
          setLost(false);
          await readEvents(res.body, (data) => {
            try {
              emit(JSON.parse(data) as AppEvent);
            } catch {
              /* not an event */
            }
          });
        }
      } catch {
        /* dropped or aborted */
      }
      if (ctl.signal.aborted) return;
      setLost(true);
      await new Promise((r) => setTimeout(r, 1000));
    }
  };
  return {
    async invoke<N extends CommandName>(name: N, input?: unknown): Promise<CommandOutput<N>> {
      const res = await fetch(`${base}/rpc/${encodeURIComponent(name)}`, {
        method: 'POST',
        credentials: 'omit',
        headers: { 'content-type': 'application/json', ...(await headers()) },
        body: JSON.stringify(input ?? {}),
      });
      const body: unknown = await res.json().catch(() => null);
      if (res.ok) return body as CommandOutput<N>; // validated against the schema by the agent
      throw new CommandError(
        isErrorBody(body)
          ? body
          : { code: 'internal', message: `Scrip answered ${res.status}.`, action: 'Reload the page.', retriable: true },
      );
    },
    on(listener) {
      listeners.add(listener);
      if (!stream) {
        stream = new AbortController();
        void open(stream);
      }
      return () => {
        listeners.delete(listener);
        if (!listeners.size && stream) {
          stream.abort();
          stream = null;
          lost = false;
        }
      };
    },
  };
}
