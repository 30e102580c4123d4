// One PKCS#11 module (a .so/.dylib/.dll) loaded for Scrip: requests go to its `ops` worker thread
// one at a time; its `events` worker reports token insertions and removals with a blocking
// C_WaitForSlotEvent, or, where the module cannot wait, they are polled every `pollMs` through the
// `ops` worker. Nothing here blocks the event loop.
import { EventEmitter } from 'node:events';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../worker-entry';
import type { EventMode, Pkcs11Failure, Reply, Request, WorkerEvent } from './protocol';
import type { WorkerData } from './worker';

/** A PKCS#11 call failed: `ckr` names the CKR_* code ("" when the module could not be used at all). */
export class Pkcs11Error extends Error {
  readonly ckr: string;
  readonly step: string;
  constructor(f: Pkcs11Failure) {
    super(`${f.step}: ${f.ckr || f.message}`);
    this.ckr = f.ckr;
    this.step = f.step;
  }
}

interface Pkcs11ModuleOptions {
  /** How often a module without C_WaitForSlotEvent is polled for token changes (default 250 ms). */
  pollMs?: number;
  /** Upper bound for one request (default 60 s: a PIN-pad entry waits for a person). */
  requestTimeoutMs?: number;
  /** `poll`: poll even where C_WaitForSlotEvent works (to compare the two). */
  events?: 'auto' | 'poll';
}

/** The default poll interval; removal is seen within it, well inside PC/SC's ~1 s. */
export const PKCS11_POLL_MS = 250;

const start = (d: WorkerData): Worker =>
  startWorker(import.meta.url, new URL('./worker.ts', import.meta.url), 'pkcs11-worker.cjs', d);

/** Waits for the worker's first message: ready, or the reason it could not start. */
function ready(w: Worker): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMsg = (m: WorkerEvent | Reply): void => {
      if ('event' in m && m.event === 'ready') {
        done();
        resolve();
      } else if ('event' in m && m.event === 'failed') {
        done();
        reject(new Pkcs11Error(m.error));
      }
    };
    const onErr = (e: unknown): void => {
      done();
      const f = (e as { failure?: Pkcs11Failure }).failure;
      reject(
        f
          ? new Pkcs11Error(f)
          : new Pkcs11Error({ ckr: '', code: 0, message: e instanceof Error ? e.message : String(e), step: 'load' }),
      );
    };
    const onExit = (): void => {
      done();
      reject(new Pkcs11Error({ ckr: '', code: 0, message: 'the module thread stopped', step: 'load' }));
    };
    const done = (): void => {
      w.off('message', onMsg);
      w.off('error', onErr);
      w.off('exit', onExit);
    };
    w.on('message', onMsg);
    w.on('error', onErr);
    w.on('exit', onExit);
  });
}

export class Pkcs11Module extends EventEmitter {
  readonly path: string;
  readonly #ops: Worker;
  #events: Worker | null = null;
  #mode: { mode: EventMode; pollMs: number } = { mode: 'poll', pollMs: 0 };
  #next = 1;
  readonly #pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }
  >();
  readonly #timeoutMs: number;
  #closed = false;
  #poll: NodeJS.Timeout | null = null;

  private constructor(path: string, ops: Worker, timeoutMs: number) {
    super();
    this.path = path;
    this.#ops = ops;
    this.#timeoutMs = timeoutMs;
    ops.on('message', (m: Reply | WorkerEvent) => {
      if (!('id' in m)) return;
      const p = this.#pending.get(m.id);
      if (!p) return;
      this.#pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.ok) p.resolve(m.value);
      else p.reject(new Pkcs11Error(m.error));
    });
    ops.on('exit', () => this.#failAll('the module thread stopped'));
    ops.on('error', (e) => this.#failAll(e instanceof Error ? e.message : String(e)));
  }

  /** Loads and initialises the module; rejects with Pkcs11Error when it cannot be used. */
  static async open(path: string, opts: Pkcs11ModuleOptions = {}): Promise<Pkcs11Module> {
    const pollMs = opts.pollMs ?? PKCS11_POLL_MS;
    const ops = start({ role: 'ops', path, pollMs });
    try {
      await ready(ops);
    } catch (e) {
      await ops.terminate();
      throw e;
    }
    const m = new Pkcs11Module(path, ops, opts.requestTimeoutMs ?? 60_000);
    // The events thread joins the module only once the ops thread has initialised it.
    const ev = start({ role: 'events', path, pollMs, forcePoll: opts.events === 'poll' });
    ev.unref();
    ev.on('message', (e: WorkerEvent) => {
      if (e.event === 'mode') {
        m.#mode = { mode: e.mode, pollMs: e.pollMs };
        if (e.mode === 'poll') m.#startPolling(e.pollMs);
      } else if (e.event === 'slot') m.emit('change', e.slot);
      else if (e.event === 'failed') m.emit('watch-failed', new Pkcs11Error(e.error));
    });
    ev.on('error', (e) => m.emit('watch-failed', e));
    m.#events = ev;
    try {
      await ready(ev);
      // A module without the blocking wait says CKR_FUNCTION_NOT_SUPPORTED at once; give it that
      // moment, so eventMode is settled when open() returns.
      if (m.#mode.mode === 'wait') {
        await new Promise<void>((resolve) => {
          const t = setTimeout(done, 200);
          function done(): void {
            clearTimeout(t);
            ev.off('message', onMode);
            resolve();
          }
          function onMode(e: WorkerEvent): void {
            if (e.event === 'mode') done();
          }
          ev.on('message', onMode);
        });
      }
    } catch (e) {
      m.emit('watch-failed', e);
    }
    return m;
  }

  /** How token changes are learnt: a blocking C_WaitForSlotEvent, or polling every pollMs. */
  get eventMode(): { mode: EventMode; pollMs: number } {
    return this.#mode;
  }

  call<T>(request: Request): Promise<T> {
    if (this.#closed)
      return Promise.reject(
        new Pkcs11Error({
          ckr: 'CKR_CRYPTOKI_NOT_INITIALIZED',
          code: 0x190,
          message: 'the module was closed',
          step: request.op,
        }),
      );
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Pkcs11Error({ ckr: '', code: 0, message: 'the module did not answer in time', step: request.op }));
      }, this.#timeoutMs);
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.#ops.postMessage({ id, request });
    });
  }

  /** Polls through the ops thread, so the module is never called from two threads at once. */
  #startPolling(ms: number): void {
    if (this.#poll) return;
    let last: string | null = null,
      busy = false;
    this.#poll = setInterval(() => {
      if (busy || this.#closed) return;
      busy = true;
      this.call<string>({ op: 'fingerprint' })
        .then(
          (now) => {
            if (last !== null && now !== last) this.emit('change', null);
            last = now;
          },
          () => undefined,
        )
        .finally(() => {
          busy = false;
        });
    }, ms);
    this.#poll.unref();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    if (this.#poll) clearInterval(this.#poll);
    try {
      await this.call({ op: 'close' });
    } catch {
      /* the thread is gone already */
    }
    this.#closed = true;
    // C_Finalize returned any blocking C_WaitForSlotEvent; a module that ignores that keeps its
    // (unref'd) thread blocked in native code, which terminate() cannot interrupt and exit does not wait for.
    void this.#events?.terminate();
    await this.#ops.terminate();
  }

  #failAll(why: string): void {
    this.#closed = true;
    for (const [id, p] of this.#pending) {
      clearTimeout(p.timer);
      p.reject(new Pkcs11Error({ ckr: '', code: 0, message: why, step: 'call' }));
      this.#pending.delete(id);
    }
  }
}
