// Sends signed prescriptions from the durable outbox: oldest first, each an idempotent write (the
// same X-Request-ID and bytes on every attempt, main/net/idempotent-write.ts), backing off while the service is down. Whatever happens — Scrip killed, network gone,
// service restarted — the record says what is known, and a restart picks up where it left off.
import type { PrescriptionStore, PrescriptionRecord } from './store';
import type { EpsClient, EpsAuth } from './eps-client';
import { issuesOf } from './eps-client';
import type { EventBus } from '../events';
import { ScripError, toScripError } from '../errors';
import type { PrescribingTimings } from './timings';
import { logFailure } from '../log';
import { retryDelay, sendUntilAnswered, WriteNotAnswered } from '../net/idempotent-write';
import { prescriptionChanged } from './prescription-changed';

interface OutboxDeps {
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
    return this.#d.backoff?.(n) ?? retryDelay(n);
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

  /**
   * One try of one prescription, as an idempotent write (main/net/idempotent-write.ts): the Bundle
   * and X-Request-ID committed at signing, the very same on every try. The timer is the retry loop.
   */
  async #send(eps: EpsClient, auth: EpsAuth, rec: PrescriptionRecord): Promise<void> {
    let answer: { status: number; json: Record<string, unknown> };
    try {
      answer = await this.#time(() =>
        sendUntilAnswered({ requestId: rec.requestId!, body: rec.bundle! }, async (body, requestId) => {
          const a = await eps.processMessage(body, auth, requestId);
          if (isVerdict(a.status)) return a;
          // Anything else (down, session lapsed, endpoint missing) is not a verdict on the
          // prescription: it stays in the outbox and is tried again.
          const issues = issuesOf(a.json)
            .map((i) => i.diagnostics ?? i.code)
            .join('; ');
          throw new ScripError('service-unreachable', `EPS answered ${a.status}${issues ? `: ${issues}` : ''}`);
        }),
      );
    } catch (e) {
      const err = e instanceof WriteNotAnswered ? e.last : toScripError(e);
      this.#d.store.markAttempt(rec.id, err.message, new Date(Date.now() + this.#backoff(rec.sendAttempts + 1)));
      this.#emit(rec.id);
      return;
    }
    const ok = answer.status >= 200 && answer.status < 300;
    this.#d.store.markAnswered(
      rec.id,
      ok ? 'accepted' : 'rejected',
      String(answer.status),
      JSON.stringify(answer.json),
    );
    this.#emit(rec.id);
  }

  async #time<T>(f: () => Promise<T>): Promise<T> {
    return this.#d.timings ? this.#d.timings.onService(f) : f();
  }

  #emit(id: string): void {
    const r = this.#d.store.get(id);
    if (r) prescriptionChanged(this.#d.events, r);
  }
}

/** Only a success, 400 or 422 is EPS's verdict on the prescription itself. */
const isVerdict = (status: number): boolean => (status >= 200 && status < 300) || status === 400 || status === 422;
