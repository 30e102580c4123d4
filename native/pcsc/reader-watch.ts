// Watches PC/SC readers through the `smartcard` N-API binding and reports whole snapshots.
// The binding's native monitor does not survive a pcscd restart (it keeps reporting "service not
// running"), so on any monitor error this tears everything down and re-establishes a context once
// a second until pcscd answers again.
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import type { ContextInterface, ReaderMonitorInterface } from 'smartcard';

const require = createRequire(import.meta.url);

export interface PcscReaderSnapshot {
  name: string;
  present: boolean;
  atr: string | null;
  exclusive: boolean;
  inUse: boolean;
  mute: boolean;
}

export interface PcscStatus {
  service: 'running' | 'stopped';
  readers: PcscReaderSnapshot[];
  /** Why the service is reported stopped, in PC/SC's words. */
  error?: string;
}

export interface ReaderWatch {
  start(): void;
  stop(): void;
  /** The last snapshot taken. */
  current(): PcscStatus;
  /** Takes a snapshot now (reads the reader states from pcscd). */
  refresh(): PcscStatus;
  on(event: 'change', listener: (s: PcscStatus) => void): this;
  off(event: 'change', listener: (s: PcscStatus) => void): this;
}

// SCARD_STATE_* flags (pcsc-lite); the binding exports them too, but these never change.
const PRESENT = 0x20,
  EXCLUSIVE = 0x80,
  INUSE = 0x100,
  MUTE = 0x200;

interface Binding {
  Context: new () => ContextInterface;
  ReaderMonitor: new () => ReaderMonitorInterface;
}

function loadBinding(): Binding {
  return require('smartcard') as Binding;
}

function snapshotOf(ctx: ContextInterface): PcscReaderSnapshot[] {
  return ctx
    .listReaders()
    .map((r) => ({
      name: r.name,
      present: (r.state & PRESENT) !== 0,
      atr: (r.state & PRESENT) !== 0 && r.atr && r.atr.length ? r.atr.toString('hex').toUpperCase() : null,
      exclusive: (r.state & EXCLUSIVE) !== 0,
      inUse: (r.state & INUSE) !== 0,
      mute: (r.state & MUTE) !== 0,
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export class PcscReaderWatch extends EventEmitter implements ReaderWatch {
  #binding: Binding | null = null;
  #ctx: ContextInterface | null = null;
  #monitor: ReaderMonitorInterface | null = null;
  #status: PcscStatus = { service: 'stopped', readers: [], error: 'not started' };
  #retry: NodeJS.Timeout | null = null;
  #running = false;
  readonly #retryMs: number;

  constructor(opts: { retryMs?: number } = {}) {
    super();
    this.#retryMs = opts.retryMs ?? 1000;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#connect();
  }

  stop(): void {
    this.#running = false;
    if (this.#retry) clearTimeout(this.#retry);
    this.#retry = null;
    this.#teardown();
  }

  current(): PcscStatus {
    return this.#status;
  }

  refresh(): PcscStatus {
    if (!this.#ctx) return this.#status;
    try {
      this.#publish({ service: 'running', readers: snapshotOf(this.#ctx) });
    } catch (e) {
      this.#lost(e);
    }
    return this.#status;
  }

  #connect(): void {
    if (!this.#running) return;
    try {
      this.#binding ??= loadBinding();
      const ctx = new this.#binding.Context();
      this.#ctx = ctx;
      const readers = snapshotOf(ctx);
      const monitor = new this.#binding.ReaderMonitor();
      monitor.start((e) => {
        // Called on the JS thread by the binding's thread-safe function.
        if (!this.#running || this.#monitor !== monitor) return;
        if (e.type === 'error') this.#lost(new Error(e.reader));
        else this.refresh();
      });
      this.#monitor = monitor;
      this.#publish({ service: 'running', readers });
    } catch (e) {
      this.#lost(e);
    }
  }

  #lost(e: unknown): void {
    this.#teardown();
    this.#publish({ service: 'stopped', readers: [], error: e instanceof Error ? e.message : String(e) });
    if (this.#running && !this.#retry) {
      this.#retry = setTimeout(() => {
        this.#retry = null;
        this.#connect();
      }, this.#retryMs);
      this.#retry.unref();
    }
  }

  #teardown(): void {
    const m = this.#monitor;
    this.#monitor = null;
    try {
      m?.stop();
    } catch {
      /* already stopped */
    }
    const c = this.#ctx;
    this.#ctx = null;
    try {
      c?.close();
    } catch {
      /* already closed */
    }
  }

  #publish(next: PcscStatus): void {
    const same = JSON.stringify(next) === JSON.stringify(this.#status);
    this.#status = next;
    if (!same) this.emit('change', next);
  }
}

/**
 * The readers of another watch narrowed to one name: a Scrip that must see only its own reader
 * (each lane of an assurance run has one vpcd reader, and its session follows only that card).
 */
export class OneReaderWatch extends EventEmitter implements ReaderWatch {
  readonly #inner: ReaderWatch;
  readonly #name: string;
  #last = '';
  readonly #onChange = (s: PcscStatus) => this.#publish(s);
  constructor(inner: ReaderWatch, name: string) {
    super();
    this.#inner = inner;
    this.#name = name;
  }
  start(): void {
    this.#inner.on('change', this.#onChange);
    this.#inner.start();
  }
  stop(): void {
    this.#inner.off('change', this.#onChange);
    this.#inner.stop();
  }
  current(): PcscStatus {
    return this.#narrow(this.#inner.current());
  }
  refresh(): PcscStatus {
    return this.#narrow(this.#inner.refresh());
  }
  #narrow(s: PcscStatus): PcscStatus {
    return { ...s, readers: s.readers.filter((r) => r.name === this.#name) };
  }
  #publish(s: PcscStatus): void {
    const mine = this.#narrow(s);
    const text = JSON.stringify(mine);
    if (text === this.#last) return; // another reader changed
    this.#last = text;
    this.emit('change', mine);
  }
}

/** The vpcd readers pcscd lists now ("Virtual PCD 00 00", "… 00 01"), in port order; empty without pcscd. */
export function virtualReaders(): string[] {
  try {
    const ctx = new (loadBinding().Context)();
    try {
      return snapshotOf(ctx)
        .map((r) => r.name)
        .filter((n) => /^Virtual PCD\b/.test(n))
        .sort();
    } finally {
      ctx.close();
    }
  } catch {
    return [];
  }
}
