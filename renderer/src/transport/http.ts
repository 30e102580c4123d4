import { CommandError, isErrorBody, type AppEvent, type Transport } from './transport';

/** Browser mode: commands over POST /rpc/<name>, events over Server-Sent Events at /events. */
export function httpTransport(base = ''): Transport {
  const listeners = new Set<(e: AppEvent) => void>();
  let source: EventSource | null = null;
  let lost = false;
  const emit = (e: AppEvent) => { for (const l of listeners) l(e); };
  const open = () => {
    // ?unnamed=1: every event arrives as a plain message (its type is inside), so the page needs
    // no list of event names.
    source = new EventSource(`${base}/events?unnamed=1`);
    source.onmessage = (m: MessageEvent<string>) => {
      try {
        const e = JSON.parse(m.data) as AppEvent;
        emit(e);
      } catch { /* not an event */ }
    };
    // EventSource reconnects by itself; tell the page once per outage, and again when it is back.
    source.onerror = () => {
      if (lost) return;
      lost = true;
      emit({ type: 'connection.lost', at: new Date().toISOString(), data: null });
    };
    source.onopen = () => {
      if (!lost) return;
      lost = false;
      emit({ type: 'connection.restored', at: new Date().toISOString(), data: null });
    };
  };
  return {
    async invoke<T>(name: string, input?: unknown): Promise<T> {
      const res = await fetch(`${base}/rpc/${encodeURIComponent(name)}`, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(input ?? {}),
      });
      const body: unknown = await res.json().catch(() => null);
      if (res.ok) return body as T;
      throw new CommandError(isErrorBody(body) ? body : { code: 'internal', message: `Scrip answered ${res.status}.`, action: 'Reload the page.', retriable: true });
    },
    on(listener) {
      listeners.add(listener);
      if (!source) open();
      return () => {
        listeners.delete(listener);
        if (!listeners.size && source) { source.close(); source = null; lost = false; }
      };
    },
  };
}
