// Where a sent prescription stands at EPS: the tracker's status of the prescription and of each line
// item, asked for on demand and every few minutes for the logged-in user's own sent prescriptions
// (and at once when a role is selected). What it says is kept with the prescription.
import { ScripError, toScripError } from '../errors';
import type { EventBus } from '../events';
import type { IdentityService } from '../identity/identity-service';
import { parseTrackerBundle, TrackerFormatError } from '../../protocols/eps/tracker';
import { logFailure } from '../log';
import type { EpsClient } from './eps-client';
import { lineItemIds } from './cancellation-message';
import { prescriptionChanged } from './prescription-changed';
import type { PrescriptionRecord, PrescriptionStore } from './store';
import type { PrescribingTimings } from './timings';

type Session = ReturnType<IdentityService['requireRole']>;

interface TrackingDeps {
  store: PrescriptionStore;
  identity: IdentityService;
  events: EventBus;
  eps: () => EpsClient;
  timings: PrescribingTimings;
}

/** Tracker statuses after which nothing more happens to a prescription (dispensed, cancelled, expired, not dispensed). */
const FINAL = new Set(['0004', '0005', '0006', '0007']);

export class TrackingService {
  #refresh: NodeJS.Timeout | null = null;
  #unsubscribe: (() => void) | null = null;
  #refreshing: Promise<void> | null = null;
  #stopped = false;

  constructor(private readonly d: TrackingDeps) {}

  /** Asks the EPS tracker for the prescription's status and each line item's, and keeps the answer. */
  async track(id: string, session: Session = this.d.identity.requireRole()): Promise<PrescriptionRecord> {
    const rec = this.d.store.get(id);
    if (!rec) throw new ScripError('not-found', `There is no prescription ${id}.`);
    if (!rec.shortFormId || !['accepted', 'partly-cancelled', 'cancelled'].includes(rec.status)) {
      throw new ScripError('bad-state', 'Only a prescription EPS has accepted can be tracked.', {
        id,
        status: rec.status,
      });
    }
    const auth = { token: session.token, roleProfileId: session.role.id };
    const json = await this.d.timings.onService(() => this.d.eps().track({ prescriptionId: rec.shortFormId! }, auth));
    let found;
    try {
      found = parseTrackerBundle(json).find((p) => p.shortFormId === rec.shortFormId);
    } catch (e) {
      if (e instanceof TrackerFormatError)
        throw new ScripError('service-error', `The tracker's answer could not be read: ${e.message}`, {
          expression: e.expression,
        });
      throw e;
    }
    const checkedAt = new Date().toISOString();
    if (!found) {
      this.d.store.saveTracking(id, {
        statusCode: 'unknown',
        status: 'Not known to the tracker',
        owner: null,
        checkedAt,
      });
    } else {
      this.d.store.saveTracking(id, {
        statusCode: found.status.code,
        status: found.status.display,
        owner: found.owner,
        checkedAt,
      });
      for (const item of found.items) {
        this.d.store.saveItem(id, item.id, {
          statusCode: item.status.code,
          status: item.status.display,
          dispensedAt: item.dateLastDispensed ?? null,
        });
      }
      this.d.store.statusFromItems(id, lineItemIds(JSON.parse(rec.bundle!) as Record<string, unknown>));
    }
    return prescriptionChanged(this.d.events, this.d.store.get(id)!);
  }

  /** Tracks the logged-in user's sent prescriptions every `intervalMs` while a role is selected, and at once when one is selected. */
  start(intervalMs = 5 * 60_000): void {
    if (this.#refresh) clearInterval(this.#refresh);
    this.#stopped = false;
    this.#refresh = setInterval(() => {
      this.refreshNow().catch(logFailure('tracker refresh failed; tried again at the next interval'));
    }, intervalMs);
    this.#refresh.unref();
    this.#unsubscribe ??= this.d.events.subscribe((e) => {
      if (e.type === 'session.changed' && e.data.state === 'role-selected')
        this.refreshNow().catch(logFailure('tracker refresh after login failed; tried again at the next interval'));
    });
  }

  /** Stops the refresh timer; resolves when a pass under way has finished (so the database can close). */
  async dispose(): Promise<void> {
    if (this.#refresh) clearInterval(this.#refresh);
    this.#refresh = null;
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.#stopped = true;
    await this.#refreshing?.catch(() => undefined); // only waiting: its failure is logged where it was started
  }

  /** One refresh pass now (the timer's; also after login). Skips prescriptions whose state is final. */
  refreshNow(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    this.#refreshing ??= (async () => {
      let session: Session;
      try {
        session = this.d.identity.requireRole();
      } catch {
        return;
      }
      const mine = this.d.store
        .list({ status: ['accepted', 'partly-cancelled'], ownerUserId: session.userId, limit: 100 })
        .filter((r) => !r.tracking || !FINAL.has(r.tracking.statusCode));
      for (const r of mine) {
        if (this.#stopped) return;
        try {
          await this.track(r.id, session);
        } catch (e) {
          // A lapsed session or an unreachable service ends this pass; the next one tries again.
          if (['unauthenticated', 'forbidden', 'service-unreachable', 'bad-state'].includes(toScripError(e).code))
            return;
        }
      }
    })().finally(() => {
      this.#refreshing = null;
    });
    return this.#refreshing;
  }
}
