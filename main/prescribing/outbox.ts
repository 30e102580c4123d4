// Sends signed prescriptions from the durable outbox: oldest first, the same X-Request-ID on every
// attempt, backing off while the service is down. Whatever happens — Scrip killed, network gone,
// service restarted — the record says what is known, and a restart picks up where it left off.
import type { PrescriptionStore, PrescriptionRecord } from './store';
import type { EpsClient, EpsAuth } from './eps-client';
import { issuesOf } from './eps-client';
import type { EventBus } from '../events';
import { toScripError } from '../errors';
import { performance } from 'node:perf_hooks';
import type { PrescribingTimings } from './timings';
import { logFailure } from '../log';

export interface OutboxDeps {
  store: PrescriptionStore;
  eps: () => EpsClient | null;
  /** The session to send with, or null when nobody is logged in (sending waits). */
  auth: () => EpsAuth | null;
  events: EventBus;
  /** Delay before attempt n+1 (ms): 1 s, 2 s, 4 s … up to a minute. */
  backoff?: (attempt: number) => number;
  /** Adds up time waiting on EPS and time in send passes (benchmarks). */
  timings?: PrescribingTimings;
}

export class Outbox {
  readonly #d: OutboxDeps;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #stopped = false;
  #held = 0;
  #unsubscribe: (() => void) | null = null;

  constructor(deps: OutboxDeps) {
    this.#d = deps;
  }

  #backoff(n: number): number {
    return this.#d.backoff?.(n) ?? Math.min(60_000, 1000 * 2 ** Math.max(0, n - 1));
  }

  /** Sends what is due now; resolves when this pass is done. Concurrent calls share one pass. */
  flush(): Promise<void> {
    this.#running ??= this.#pass().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  /**
   * While a signing batch runs, the timer's passes wait (released by `release()`), so the card and
   * the service are not used at once and a batch goes out in one pass after it is signed.
   */
  hold(): void {
    this.#held++;
  }
  release(): void {
    this.#held = Math.max(0, this.#held - 1);
  }

  /** Starts the timer, and sends at once whenever someone selects a role (a signed prescription waits for one). */
  start(): void {
    this.#stopped = false;
    this.#schedule(0);
    this.#unsubscribe ??= this.#d.events.subscribe((e) => {
      if (e.type === 'session.changed' && e.data.state === 'role-selected')
        this.flush().catch(logFailure('sending the outbox after login failed; the outbox timer tries again'));
    });
  }

  /** Stops the timer; resolves when a pass under way has finished (so the database can close). */
  async dispose(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#running?.catch(() => undefined); // only waiting: the pass's failure is logged by its caller
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.flush()
        .catch(logFailure('outbox pass failed; tried again in 5 s'))
        .finally(() => this.#schedule(5000));
    }, ms);
    this.#timer.unref();
  }

  async #pass(): Promise<void> {
    const auth = this.#d.auth();
    if (this.#held || !auth || !this.#d.store.due().length) return;
    let eps: EpsClient | null;
    try {
      eps = this.#d.eps();
    } catch {
      return;
    } // no environment configured: nothing can be sent yet
    if (!eps) return;
    for (const rec of this.#d.store.due()) {
      if (this.#stopped) return;
      await this.#send(eps, auth, rec);
    }
  }

  async #send(eps: EpsClient, auth: EpsAuth, rec: PrescriptionRecord): Promise<void> {
    let status: number;
    let json: Record<string, unknown>;
    const t0 = performance.now();
    try {
      ({ status, json } = await eps.processMessage(
        JSON.parse(rec.bundle!) as Record<string, unknown>,
        auth,
        rec.requestId!,
      ));
    } catch (e) {
      const err = toScripError(e);
      this.#d.store.markAttempt(rec.id, err.message, new Date(Date.now() + this.#backoff(rec.sendAttempts + 1)));
      this.#emit(rec.id);
      return;
    } finally {
      if (this.#d.timings) this.#d.timings.service += performance.now() - t0;
    }
    if (status >= 200 && status < 300) {
      this.#d.store.markAnswered(rec.id, 'accepted', String(status), JSON.stringify(json));
    } else if (status !== 400 && status !== 422) {
      // Only 400/422 answer about the prescription itself; anything else (down, session lapsed,
      // endpoint missing) is not a verdict on it, so it stays in the outbox and is tried again.
      const issues = issuesOf(json)
        .map((i) => i.diagnostics ?? i.code)
        .join('; ');
      this.#d.store.markAttempt(
        rec.id,
        `EPS answered ${status}${issues ? `: ${issues}` : ''}`,
        new Date(Date.now() + this.#backoff(rec.sendAttempts + 1)),
      );
    } else {
      this.#d.store.markAnswered(rec.id, 'rejected', String(status), JSON.stringify(json));
    }
    this.#emit(rec.id);
  }

  #emit(id: string): void {
    const r = this.#d.store.get(id);
    if (r)
      this.#d.events.emit('prescription.changed', {
        id: r.id,
        status: r.status,
        shortFormId: r.shortFormId,
        lastError: r.lastError,
      });
  }
}
