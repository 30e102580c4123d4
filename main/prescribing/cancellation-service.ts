// Cancelling a sent prescription, or some of its line items, at EPS: one prescription-order-update
// per item (cancellation-message.ts builds it and reads the answer), each an idempotent write
// (main/net/idempotent-write.ts), so trying again after a failure is the same request and EPS never
// cancels twice. EPS's answers become the items' status and the prescription's.
import { ScripError, toScripError } from '../errors';
import type { EventBus } from '../events';
import type { AuditLog } from '../store/audit';
import type { IdentityService } from '../identity/identity-service';
import { CANCEL_REASONS, LINE_ITEM_STATUS, type CancelReasonCode } from '../../protocols/eps/status-codes';
import { IdempotentWrites, WriteNotAnswered } from '../net/idempotent-write';
import { EpsClient, type EpsAuth } from './eps-client';
import { buildCancelBundle, lineItemIds, readCancelAnswer } from './cancellation-message';
import type { PrescriberContext } from './model';
import type { PrescriptionStore } from './store';
import { prescriptionChanged } from './prescription-changed';
import type { PrescribingTimings } from './timings';
import type { CancelItemResult, CancelOutcome } from './views';

type Session = ReturnType<IdentityService['requireRole']>;

interface CancellationDeps {
  store: PrescriptionStore;
  identity: IdentityService;
  events: EventBus;
  audit: AuditLog;
  eps: () => EpsClient;
  /** Who is cancelling: their role's prescriber details (PrescribingService.prescriberFor). */
  prescriberFor: (session: Session) => Promise<PrescriberContext>;
  timings: PrescribingTimings;
}

/** The key of a line item's cancellation among the pending writes. */
export const cancelWriteKey = (id: string, lineId: string): string => `cancel:${id}:${lineId.toLowerCase()}`;

export class CancellationService {
  readonly #writes: IdempotentWrites;
  constructor(private readonly d: CancellationDeps) {
    // Three tries within the call (0.6 s, then 1.2 s apart): the prescriber is waiting for the answer.
    this.#writes = new IdempotentWrites(d.store.pendingWrites, { tries: 3, delay: (n) => 300 * 2 ** n });
  }

  /** Whether a cancellation of this item was sent and not answered yet. */
  pending(id: string, lineId: string): boolean {
    return !!this.#writes.pending(cancelWriteKey(id, lineId));
  }

  /**
   * Cancels line items of a sent prescription (all of them unless `lineIds` names some). Returns
   * EPS's answer per item in a prescriber's words; an item EPS did not answer stays pending, and
   * cancelling it again with the same reason sends the same request.
   */
  async cancel(id: string, reason: CancelReasonCode, lineIds?: string[]): Promise<CancelOutcome> {
    if (!Object.hasOwn(CANCEL_REASONS, reason))
      throw new ScripError('invalid-input', `"${reason}" is not an EPS cancellation reason (0001 to 0009).`, {
        field: 'reason',
      });
    const session = this.d.identity.requireRole();
    const rec = this.d.store.get(id);
    if (!rec) throw new ScripError('not-found', `There is no prescription ${id}.`);
    if (!rec.bundle || !rec.shortFormId)
      throw new ScripError(
        'bad-state',
        'Only a signed and sent prescription can be cancelled; a draft can simply be deleted or changed.',
        { id, status: rec.status },
      );
    if (rec.status === 'signed' || rec.status === 'sending') {
      throw new ScripError(
        'bad-state',
        'This prescription has not reached EPS yet, so it cannot be cancelled there.',
        { id, status: rec.status },
        'Wait until it shows as accepted, then cancel it.',
      );
    }
    if (rec.status === 'rejected')
      throw new ScripError('bad-state', 'EPS rejected this prescription, so there is nothing to cancel.', {
        id,
        status: rec.status,
      });
    const bundle = JSON.parse(rec.bundle) as Record<string, unknown>;
    const all = lineItemIds(bundle);
    const wanted = lineIds?.length
      ? [...new Set(lineIds.map((l) => l.toLowerCase()))]
      : all.map((l) => l.toLowerCase());
    const unknown = wanted.filter((l) => !all.some((a) => a.toLowerCase() === l));
    if (unknown.length)
      throw new ScripError('invalid-input', `This prescription has no line item ${unknown.join(', ')}.`, {
        field: 'lineIds',
        unknown,
      });
    const sender = await this.d.prescriberFor(session);
    const auth: EpsAuth = { token: session.token, roleProfileId: session.role.id };
    const names = new Map(rec.draft.items.map((i) => [i.lineId.toLowerCase(), i.medication.display]));
    const results: CancelItemResult[] = [];
    for (const lineId of all.filter((a) => wanted.includes(a.toLowerCase()))) {
      results.push(
        await this.#cancelItem(id, lineId, names.get(lineId.toLowerCase()) ?? null, reason, bundle, sender, auth),
      );
    }
    const status = this.d.store.statusFromItems(id, all);
    this.d.audit.append(session.userId, 'prescription.cancel', {
      id,
      shortFormId: rec.shortFormId,
      reason,
      results: results.map((r) => ({ lineId: r.lineId, code: r.code, outcome: r.outcome })),
    });
    prescriptionChanged(this.d.events, this.d.store.get(id)!);
    return { id, status, results };
  }

  async #cancelItem(
    id: string,
    lineId: string,
    medication: string | null,
    reason: CancelReasonCode,
    signed: Record<string, unknown>,
    sender: PrescriberContext,
    auth: EpsAuth,
  ): Promise<CancelItemResult> {
    const before = this.d.store.items(id).find((i) => i.lineId.toLowerCase() === lineId.toLowerCase());
    const failed = (message: string, serviceText: string | null): CancelItemResult => ({
      lineId,
      medication,
      ok: false,
      code: null,
      outcome: 'failed',
      serviceText,
      itemStatus: before?.status ?? null,
      dispenser: null,
      message,
    });
    this.d.store.saveItem(id, lineId, { cancelReason: reason });
    const key = cancelWriteKey(id, lineId);
    let answer: { status: number; json: Record<string, unknown> };
    try {
      // Same item, same reason, not answered yet: the same request again (the reason is the intent).
      ({ answer } = await this.#writes.write(
        key,
        reason,
        (requestId) => buildCancelBundle(signed, lineId, reason, sender, requestId),
        (body, requestId) => this.#send(body, auth, requestId),
      ));
    } catch (e) {
      if (e instanceof WriteNotAnswered)
        return failed(
          `EPS could not be reached, so nothing has changed yet (${e.last.message}). Try again: the same request is sent, so it cannot cancel twice.`,
          e.last.message,
        );
      const err = toScripError(e);
      return failed(err.action ? `${err.message} ${err.action}` : err.message, err.message);
    }
    const read = readCancelAnswer(answer.status, answer.json);
    const itemStatus = read.itemStatusCode ? LINE_ITEM_STATUS[read.itemStatusCode] : null;
    this.d.store.transaction(() => {
      this.d.store.saveItem(id, lineId, {
        cancelAnswerCode: read.code,
        cancelAnswer: read.message,
        ...(read.itemStatusCode ? { statusCode: read.itemStatusCode, status: itemStatus } : {}),
      });
      this.#writes.settle(key);
    });
    return {
      lineId,
      medication,
      ok: read.outcome === 'cancelled',
      code: read.code,
      outcome: read.outcome,
      message: read.message,
      serviceText: read.serviceText,
      itemStatus: itemStatus ?? before?.status ?? null,
      dispenser: read.dispenser,
    };
  }

  /** EPS's answer about the cancellation; a failure (5xx) or a refused session is not one, and is thrown. */
  async #send(
    body: string,
    auth: EpsAuth,
    requestId: string,
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    const a = await this.d.timings.onService(() => this.d.eps().processMessage(body, auth, requestId));
    if (a.status >= 500 || a.status === 401 || a.status === 403) EpsClient.check(a);
    return a;
  }
}
