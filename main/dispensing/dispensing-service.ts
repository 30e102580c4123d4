// The pharmacy's side of EPS: release (by prescription ID, or everything nominated to the selected
// role's pharmacy), Scrip's own check of every prescriber signature, the dispense notification,
// return and withdraw. Every write goes through main/net/idempotent-write.ts (committed with its
// X-Request-ID and exact body before it is sent, sent again unchanged on a retry, so EPS never
// records it twice); every released prescription is kept the moment it arrives, so nothing is lost.
import { randomUUID } from 'node:crypto';
import { ScripError } from '../errors';
import type { EventBus } from '../events';
import type { AuditLog } from '../store/audit';
import type { IdentityService } from '../identity/identity-service';
import type { EpsAuth } from '../prescribing/eps-client';
import {
  buildDispenseNotification,
  buildReleaseParameters,
  buildReturnTask,
  buildWithdrawTask,
  RETURN_REASONS,
  WITHDRAW_REASONS,
  type Dispenser,
  type DispenseLine,
} from '../../protocols/eps/dispensing';
import { derivedStatus, type LineItemState } from '../../protocols/eps/lifecycle';
import { isValidShortFormId } from '../../protocols/ids/prescription-id';
import {
  LINE_ITEM_STATUS,
  PRESCRIPTION_STATUS,
  type LineItemStatusCode,
  type PrescriptionStatusCode,
} from '../../protocols/eps/status-codes';
import type { TrackedPrescription } from '../../protocols/eps/tracker';
import type { DispensingClient, RequestId } from './dispensing-client';
import { IdempotentWrites } from '../net/idempotent-write';
import type { DispensingStatus, DispensingStore, ItemRecord, ReleasedRecord } from './store';
import { caCertificates, checkSignature } from './verify';
import { readReleased } from './released';
import type { DispensingItemView, DispensingView, ReleaseResult } from './views';

// The views are declared by their zod schemas (./views); re-exported for the screens that show them.
export type { DispensingView, ReleaseResult } from './views';

type ReturnReason = keyof typeof RETURN_REASONS;
type WithdrawReason = keyof typeof WITHDRAW_REASONS;
export type ItemOutcome = 'dispensed' | 'partial' | 'not-dispensed';

interface DispensingDeps {
  store: DispensingStore;
  identity: IdentityService;
  events: EventBus;
  audit: AuditLog;
  client: () => DispensingClient;
  /** The environment in use: its name (records are kept per environment) and CA bundle (trust). */
  environment: () => { name: string; caPem: string | null };
}

const OUTCOME_CODE: Record<ItemOutcome, LineItemStatusCode> = {
  dispensed: '0001',
  partial: '0003',
  'not-dispensed': '0002',
};
const CLOSED: Record<string, string> = {
  '0001': 'has been fully dispensed',
  '0002': 'has been recorded as not dispensed',
  '0005': 'has been cancelled by the prescriber',
  '0006': 'has expired',
};
const prescriptionWords = (code: string) =>
  Object.hasOwn(PRESCRIPTION_STATUS, code) ? PRESCRIPTION_STATUS[code as PrescriptionStatusCode] : code;
const lineWords = (code: string) =>
  Object.hasOwn(LINE_ITEM_STATUS, code) ? LINE_ITEM_STATUS[code as LineItemStatusCode] : code;

function statusFrom(prescriptionStatus: string, items: ItemRecord[]): DispensingStatus {
  if (prescriptionStatus === '0006') return 'dispensed';
  if (prescriptionStatus === '0007' || prescriptionStatus === '0005') return 'not-dispensed';
  return items.some((i) => i.statusCode === '0001' || i.statusCode === '0003') ? 'partly-dispensed' : 'with-pharmacy';
}

export class DispensingService {
  /** Release, dispense notification, return and withdraw: each sent at most once (decision 0019). */
  readonly #writes: IdempotentWrites;
  constructor(private readonly d: DispensingDeps) {
    this.#writes = new IdempotentWrites(d.store.pendingWrites);
  }

  /** The selected role: who acts, for which pharmacy (a dispensing role: needs.activity of the dispense.* commands). */
  #dispenser(): { auth: EpsAuth; dispenser: Dispenser; userId: string } {
    const s = this.d.identity.requireRole();
    const userName = this.d.identity.view().user?.name;
    return {
      auth: { token: s.token, roleProfileId: s.role.id },
      userId: s.userId,
      dispenser: {
        ods: s.role.orgCode,
        name: s.role.orgName,
        roleProfileId: s.role.id,
        userId: s.userId,
        ...(userName ? { userName } : {}),
        ...(s.role.jobRoleCode ? { jobRoleCode: s.role.jobRoleCode.split(':').pop()! } : {}),
      },
    };
  }

  #changed(r: ReleasedRecord): ReleasedRecord {
    this.d.events.emit('dispensing.changed', { id: r.id, shortFormId: r.shortFormId, status: r.status });
    return r;
  }

  /** Who sends a return or withdraw Task for `r` (it must be at their pharmacy), and the patient it names. */
  #taskFor(r: ReleasedRecord): { auth: EpsAuth; dispenser: Dispenser; userId: string; nhsNumber: string } {
    const who = this.#dispenser();
    this.#atMyPharmacy(r, who.dispenser.ods);
    const read = readReleased(r.bundle);
    return { ...who, nhsNumber: 'problem' in read ? '' : read.patient.nhsNumber };
  }

  #mine(id: string): ReleasedRecord {
    const r = this.d.store.get(id);
    if (!r)
      throw new ScripError(
        'not-found',
        `There is no released prescription ${id} on this computer.`,
        { id },
        'Release it first (by its prescription ID), or choose it from the list.',
      );
    return r;
  }

  #atMyPharmacy(r: ReleasedRecord, ods: string): void {
    if (r.ods !== ods) {
      throw new ScripError(
        'forbidden',
        `This prescription was released to pharmacy ${r.ods}; you are logged in for ${ods}.`,
        { ods: r.ods },
        'Choose the role of the pharmacy that released it.',
      );
    }
  }

  view(r: ReleasedRecord): DispensingView {
    const read = readReleased(r.bundle);
    const parts = 'problem' in read ? null : read;
    const dispensed = new Map<string, number | null>();
    for (const n of r.notifications)
      for (const l of n.lines) if (l.quantity !== null) dispensed.set(l.lineId.toLowerCase(), l.quantity);
    const items: DispensingItemView[] = r.items.map((i) => {
      const p = parts?.items.find((x) => x.lineId.toLowerCase() === i.lineId.toLowerCase());
      return {
        lineId: i.lineId,
        medication: p?.medication ?? { code: '', display: 'Unreadable item' },
        quantity: p?.quantity ? { value: p.quantity.value, unit: p.quantity.unit } : null,
        dosage: p?.dosage ?? null,
        statusCode: i.statusCode,
        status: lineWords(i.statusCode),
        dispensedQuantity: dispensed.get(i.lineId.toLowerCase()) ?? null,
      };
    });
    const open = ['with-pharmacy', 'partly-dispensed'].includes(r.status);
    return {
      id: r.id,
      shortFormId: r.shortFormId,
      status: r.status,
      prescriptionStatusCode: r.prescriptionStatus,
      prescriptionStatus: prescriptionWords(r.prescriptionStatus),
      ods: r.ods,
      releasedAt: r.releasedAt,
      updatedAt: r.updatedAt,
      patient: parts?.patient ?? null,
      prescriber: parts?.prescriber ?? null,
      items,
      signature: r.signature,
      canDispense: open && r.signature.ok,
      // Held by this pharmacy and nothing handed over yet (EPS takes a return only then).
      canReturn:
        (r.status === 'with-pharmacy' || (r.status === 'signature-invalid' && r.signature.service.ok)) &&
        r.prescriptionStatus === '0002',
      canWithdraw: r.notifications.length > 0 && r.status !== 'returned',
      lastNotificationId: r.notifications.at(-1)?.id ?? null,
      returnReason: r.returnReason,
    };
  }

  list(): DispensingView[] {
    return this.d.store.list({ environment: this.d.environment().name }).map((r) => this.view(r));
  }

  get(id: string): DispensingView {
    return this.view(this.#mine(id));
  }

  /** Releases one prescription (patient release) or all nominated to the role's pharmacy, and keeps each. */
  async release(prescriptionId?: string): Promise<ReleaseResult> {
    const id = prescriptionId?.trim().toUpperCase();
    if (id !== undefined && !isValidShortFormId(id)) {
      throw new ScripError(
        'invalid-input',
        `"${id.slice(0, 40)}" is not a prescription ID: it is 18 characters in three groups with dashes, the last a check character (for example 24F5DA-A83008-7EFE6Z).`,
        { field: 'prescriptionId' },
        'Type the ID from the token again, or scan its barcode.',
      );
    }
    const { auth, dispenser, userId } = this.#dispenser();
    const env = this.d.environment();
    const key = `release:${env.name}:${dispenser.ods}:${id ?? 'nominated'}`;
    const { answer: result, requestId } = await this.#writes.write(
      key,
      `${key}:${auth.roleProfileId}`,
      () => buildReleaseParameters(dispenser, id),
      (body, rid) => this.d.client().release(body, auth, rid as RequestId),
    );
    const cas = caCertificates(env.caPem);
    const releasedAt = new Date().toISOString();
    const checked = await Promise.all([
      ...result.passed.map(async (bundle) => ({
        bundle,
        service: { ok: true, errors: [] as string[] },
        scrip: await checkSignature(bundle, cas),
      })),
      ...result.failed.map(async (f) => ({
        bundle: f.bundle,
        service: { ok: false, errors: f.errors },
        scrip: await checkSignature(f.bundle, cas),
      })),
    ]);
    const unreadable: string[] = [];
    const saved = this.d.store.transaction(() => {
      const out: ReleasedRecord[] = [];
      for (const c of checked) {
        const read = readReleased(c.bundle);
        if ('problem' in read) {
          unreadable.push(read.problem);
          continue;
        }
        const ok = c.service.ok && c.scrip.ok;
        const items = read.items.map((i): ItemRecord => ({
          lineId: i.lineId,
          statusCode: c.service.ok ? (i.statusCode ?? '0008') : '0007',
          quantity: null,
        }));
        out.push(
          this.d.store.saveRelease({
            environment: env.name,
            shortFormId: read.shortFormId,
            ods: dispenser.ods,
            releasedBy: userId,
            roleProfileId: auth.roleProfileId,
            releasedAt,
            releaseResponseId: result.id,
            bundle: c.bundle,
            status: ok ? 'with-pharmacy' : 'signature-invalid',
            // EPS keeps a prescription it would not release (and returns it to Spine itself).
            prescriptionStatus: c.service.ok ? '0002' : '0001',
            items,
            signature: { ok, scrip: c.scrip, service: c.service, checkedAt: releasedAt },
          }),
        );
      }
      this.#writes.settle(key);
      return out;
    });
    this.d.audit.append(userId, 'dispense.release', {
      ods: dispenser.ods,
      prescriptionId: id ?? null,
      requestId,
      released: saved.map((r) => r.shortFormId),
      signatureInvalid: saved.filter((r) => !r.signature.ok).map((r) => r.shortFormId),
    });
    saved.forEach((r) => this.#changed(r));
    const views = saved.map((r) => this.view(r));
    const released = views.filter((v) => v.signature.ok),
      refused = views.filter((v) => !v.signature.ok);
    const message =
      result.nothing ??
      [
        `Released ${released.length} prescription${released.length === 1 ? '' : 's'} to ${dispenser.ods}.`,
        refused.length
          ? `${refused.length} ha${refused.length === 1 ? 's' : 've'} a signature that is not valid and must not be dispensed.`
          : '',
        unreadable.length ? `${unreadable.length} could not be read: ${unreadable.join(' ')}` : '',
      ]
        .filter(Boolean)
        .join(' ');
    return { released, refused, message };
  }

  /** Records what was handed over for each item: a dispense notification to EPS. */
  async record(
    id: string,
    lines: Array<{ lineId: string; outcome: ItemOutcome; quantity?: number | undefined }>,
  ): Promise<DispensingView> {
    const r = this.#mine(id);
    if (!r.signature.ok) {
      throw new ScripError(
        'signature-invalid',
        `The prescriber's signature on ${r.shortFormId} is not valid (${[...r.signature.service.errors, ...r.signature.scrip.errors].join('; ')}), so it must not be dispensed.`,
        { id, errors: r.signature },
        r.signature.service.ok
          ? 'Return it to Spine with reason 0005 (Invalid digital signature) and ask the prescriber for a new prescription. Its details stay viewable.'
          : 'EPS has already returned it to Spine. Ask the prescriber for a new prescription. Its details stay viewable.',
      );
    }
    if (r.status !== 'with-pharmacy' && r.status !== 'partly-dispensed') {
      throw new ScripError(
        'bad-state',
        `${r.shortFormId} is ${r.status.replace('-', ' ')}, so nothing more can be recorded for it.`,
        { id, status: r.status },
        r.notifications.length
          ? 'To correct the last record, withdraw it first, then record again.'
          : 'Release it again if it should be dispensed here.',
      );
    }
    if (!lines.length)
      throw new ScripError(
        'invalid-input',
        'Say for at least one item whether it was dispensed.',
        { field: 'items' },
        'Choose dispensed, partly dispensed or not dispensed for each item.',
      );
    const { auth, dispenser, userId } = this.#dispenser();
    this.#atMyPharmacy(r, dispenser.ods);
    const read = readReleased(r.bundle);
    if ('problem' in read)
      throw new ScripError(
        'bad-state',
        `This prescription cannot be read: ${read.problem}`,
        { id },
        'Return it with reason 0007 (Prescription otherwise invalid or unreadable).',
      );
    const problems: string[] = [];
    const seen = new Set<string>();
    const out: Array<DispenseLine & { quantityValue: number | null }> = [];
    for (const [k, l] of lines.entries()) {
      const item = read.items.find((i) => i.lineId.toLowerCase() === l.lineId.toLowerCase());
      const state = r.items.find((i) => i.lineId.toLowerCase() === l.lineId.toLowerCase());
      const n = `Item ${k + 1}`;
      if (!item || !state) {
        problems.push(`${n}: this prescription has no line item ${l.lineId.slice(0, 40)}.`);
        continue;
      }
      const name = `${n} (${item.medication.display})`;
      if (seen.has(item.lineId.toLowerCase())) {
        problems.push(`${name} is given twice.`);
        continue;
      }
      seen.add(item.lineId.toLowerCase());
      if (CLOSED[state.statusCode]) {
        problems.push(`${name} ${CLOSED[state.statusCode]}; it cannot be recorded again.`);
        continue;
      }
      const prescribed = item.quantity?.value ?? null;
      let quantity: number | null = null;
      if (l.outcome === 'not-dispensed') {
        if (l.quantity !== undefined)
          problems.push(`${name}: a quantity is given only for an item that was handed over.`);
      } else {
        quantity = l.quantity ?? (l.outcome === 'dispensed' ? prescribed : null);
        if (quantity === null) problems.push(`${name}: say how much was handed over.`);
        else if (!(quantity > 0) || Math.round(quantity * 1000) !== quantity * 1000)
          problems.push(`${name}: the quantity must be more than zero, with at most 3 decimal places.`);
        else if (l.outcome === 'partial' && prescribed !== null && quantity >= prescribed)
          problems.push(
            `${name}: a partial supply is less than the ${prescribed} prescribed; choose "dispensed" for all of it.`,
          );
        else if (l.outcome === 'dispensed' && prescribed !== null && quantity > prescribed)
          problems.push(`${name}: ${quantity} is more than the ${prescribed} prescribed.`);
      }
      out.push({
        lineItemId: item.lineId,
        status: OUTCOME_CODE[l.outcome],
        quantityValue: quantity,
        ...(quantity !== null
          ? { quantity: { value: quantity, unit: item.quantity?.unit ?? '', code: item.quantity?.code ?? '' } }
          : {}),
      });
    }
    if (problems.length)
      throw new ScripError(
        'invalid-input',
        problems.join(' '),
        { problems, field: 'items' },
        'Correct these items; nothing was sent.',
      );
    const items = r.items.map((i) => {
      const l = out.find((x) => x.lineItemId.toLowerCase() === i.lineId.toLowerCase());
      return l ? { ...i, statusCode: l.status, quantity: l.quantityValue } : i;
    });
    const prescriptionStatus = derivedStatus(
      items.map((i): LineItemState => ({ id: i.lineId, status: i.statusCode as LineItemStatusCode })),
    );
    const key = `dispense:${r.id}`;
    const fingerprint = JSON.stringify([
      r.notifications.length,
      out.map((l) => [l.lineItemId.toLowerCase(), l.status, l.quantityValue]).sort(),
    ]);
    // A record sent without an answer may be at EPS already: learn its fate before sending another.
    const unanswered = this.#writes.pending(key);
    if (unanswered && unanswered.fingerprint !== fingerprint) {
      const [, was] = JSON.parse(unanswered.fingerprint) as [number, Array<[string, string, number | null]>];
      const words = was
        .map(
          ([lineId, code, q]) =>
            `${read.items.find((i) => i.lineId.toLowerCase() === lineId)?.medication.display ?? lineId}: ${lineWords(code).toLowerCase()}${q !== null ? ` (${q})` : ''}`,
        )
        .join('; ');
      throw new ScripError(
        'bad-state',
        `The last record sent for ${r.shortFormId} (${words}) has had no answer from EPS, so it may already be recorded there.`,
        { id, unanswered: was },
        'Send that record again, exactly as it was: EPS cannot record it twice. Then withdraw it if it was wrong, and record again.',
      );
    }
    const { body, requestId } = await this.#writes.write(
      key,
      fingerprint,
      () => {
        const lineItems = out.map(({ quantityValue: _q, ...l }) => l);
        return buildDispenseNotification({
          prescription: r.bundle,
          dispenser,
          lines: lineItems,
          prescriptionStatus,
          bundleId: randomUUID(),
          dispenseIds: lineItems.map(() => randomUUID()),
          whenHandedOver: new Date().toISOString(),
          ...(r.releaseResponseId ? { releaseResponseId: r.releaseResponseId } : {}),
        });
      },
      (b, rid) => this.d.client().dispenseNotification(b, auth, rid as RequestId),
    );
    const notificationId = String((body.identifier as { value?: unknown } | undefined)?.value ?? body.id);
    const saved = this.d.store.transaction(() => {
      const next = this.d.store.update(r.id, {
        items,
        prescriptionStatus,
        status: statusFrom(prescriptionStatus, items),
        notifications: [
          ...r.notifications,
          {
            id: notificationId,
            at: new Date().toISOString(),
            lines: out.map((l) => ({ lineId: l.lineItemId, statusCode: l.status, quantity: l.quantityValue })),
            before: { prescriptionStatus: r.prescriptionStatus, status: r.status, items: r.items },
          },
        ],
      });
      this.#writes.settle(key);
      return next;
    });
    this.d.audit.append(userId, 'dispense.record', {
      id: r.id,
      shortFormId: r.shortFormId,
      notificationId,
      requestId,
      lines: out.map((l) => ({ lineId: l.lineItemId, status: l.status })),
    });
    return this.view(this.#changed(saved));
  }

  /** Hands the prescription back to Spine undispensed (a return Task), so another pharmacy can have it. */
  async returnToSpine(id: string, reason: ReturnReason): Promise<DispensingView> {
    if (!Object.hasOwn(RETURN_REASONS, reason))
      throw new ScripError(
        'invalid-input',
        `"${String(reason).slice(0, 10)}" is not a return reason (0001 to 0008).`,
        { field: 'reason' },
        'Choose one of the listed reasons.',
      );
    const r = this.#mine(id);
    const v = this.view(r);
    if (!v.canReturn) {
      throw new ScripError(
        'bad-state',
        r.status === 'returned'
          ? `${r.shortFormId} has already been returned to Spine.`
          : r.status === 'signature-invalid'
            ? `EPS has already returned ${r.shortFormId} to Spine because its signature is not valid.`
            : `${r.shortFormId} cannot be returned once items have been recorded as dispensed.`,
        { id, status: r.status },
        r.notifications.length
          ? 'Withdraw the dispense record first if it was wrong, then return it.'
          : 'Nothing more needs doing here.',
      );
    }
    const { auth, dispenser, userId, nhsNumber } = this.#taskFor(r);
    const key = `return:${r.id}`;
    const { requestId } = await this.#writes.write(
      key,
      reason,
      () =>
        buildReturnTask({
          dispenser,
          prescriptionId: r.shortFormId,
          nhsNumber,
          id: randomUUID(),
          authoredOn: new Date().toISOString(),
          reason,
          ...(r.releaseResponseId ? { releaseResponseId: r.releaseResponseId } : {}),
        }),
      (b, rid) => this.d.client().task(b, auth, rid as RequestId, 'return'),
    );
    const saved = this.d.store.transaction(() => {
      const next = this.d.store.update(r.id, {
        status: 'returned',
        prescriptionStatus: '0001',
        returnReason: reason,
        items: r.items.map((i) => (i.statusCode === '0008' ? { ...i, statusCode: '0007' } : i)),
      });
      this.#writes.settle(key);
      return next;
    });
    this.d.audit.append(userId, 'dispense.return', { id: r.id, shortFormId: r.shortFormId, reason, requestId });
    return this.view(this.#changed(saved));
  }

  /** Withdraws the latest dispense notification: the items are back as they were before it. */
  async withdraw(id: string, reason: WithdrawReason): Promise<DispensingView> {
    if (!Object.hasOwn(WITHDRAW_REASONS, reason))
      throw new ScripError(
        'invalid-input',
        `"${String(reason).slice(0, 10)}" is not a withdraw reason (QU, MU, DA, PA, OC or ONC).`,
        { field: 'reason' },
        'Choose one of the listed reasons.',
      );
    const r = this.#mine(id);
    const last = r.notifications.at(-1);
    if (!last || r.status === 'returned')
      throw new ScripError(
        'bad-state',
        `Nothing has been recorded as dispensed for ${r.shortFormId}, so there is nothing to withdraw.`,
        { id },
        'Record what was dispensed instead.',
      );
    const { auth, dispenser, userId, nhsNumber } = this.#taskFor(r);
    const key = `withdraw:${r.id}`;
    const { requestId } = await this.#writes.write(
      key,
      `${last.id}:${reason}`,
      () =>
        buildWithdrawTask({
          dispenser,
          prescriptionId: r.shortFormId,
          nhsNumber,
          id: randomUUID(),
          authoredOn: new Date().toISOString(),
          reason,
          dispenseNotificationId: last.id,
        }),
      (b, rid) => this.d.client().task(b, auth, rid as RequestId, 'withdrawal'),
    );
    const saved = this.d.store.transaction(() => {
      const next = this.d.store.update(r.id, {
        status: last.before.status,
        prescriptionStatus: last.before.prescriptionStatus,
        items: last.before.items,
        notifications: r.notifications.slice(0, -1),
      });
      this.#writes.settle(key);
      return next;
    });
    this.d.audit.append(userId, 'dispense.withdraw', {
      id: r.id,
      shortFormId: r.shortFormId,
      notificationId: last.id,
      reason,
      requestId,
    });
    return this.view(this.#changed(saved));
  }

  /** What the EPS tracker says of a released prescription now. */
  async track(id: string): Promise<TrackedPrescription | null> {
    const r = this.#mine(id);
    const { auth } = this.#dispenser();
    return this.d.client().track(r.shortFormId, auth);
  }
}
