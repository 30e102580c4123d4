// The prescription lifecycle as Spine runs it (eps.md §1.8–§1.12), as a pure state machine: given a
// prescription's state and an event (cancel, release, dispense notification, return, withdraw) it
// says whether the event is allowed and what the state becomes. The sandbox's routes only apply
// its answers, so the rules live in one place and are unit-tested.
//
// Prescription status (EPS-task-business-status) and line item status (medicationdispense-type):
//   sent                 0001 To be Dispensed,          items 0007 To be dispensed
//   release              0002 With Dispenser,           items 0007 → 0008 With dispenser
//   dispense (some items still owed or partial)
//                        0003 With Dispenser - Active,  items 0001 / 0002 / 0003 / 0004 / 0008
//   dispense (every live item fully or not dispensed)
//                        0006 Dispensed (any item 0001/0003 handed over) or 0007 Not Dispensed
//   return               0001 To be Dispensed again, items 0008 → 0007; no dispenser
//   withdraw             undoes the latest dispense notification (the state before it)
//   cancel               before release: item 0005, prescription 0005 once every item is;
//                        with a dispenser: the item is marked for cancellation (R-0002/R-0003) and
//                        cancelled when the dispenser returns the prescription or reports the
//                        item not dispensed
import type { CancelReasonCode, CancelResponseCode, LineItemStatusCode, PrescriptionStatusCode } from './status-codes';

export interface LineItemState {
  id: string;
  status: LineItemStatusCode;
  /** Cancellation asked for while the prescription was with a dispenser (applied on return). */
  pendingCancellation?: CancelReasonCode;
}

export interface DispenseRecord {
  /** The dispense notification's identifier (Bundle.identifier), the key a withdraw names. */
  id: string;
  /** The state just before this notification, restored by a withdraw. */
  before: { status: PrescriptionStatusCode; items: LineItemState[] };
}

export interface PrescriptionState {
  status: PrescriptionStatusCode;
  /** ODS code of the pharmacy holding it (after release). */
  dispenser: string | null;
  items: LineItemState[];
  /** Dispense notifications in order; a withdraw may undo only the last. */
  dispenses: DispenseRecord[];
}

export type Refusal =
  | { kind: 'with-another-dispenser'; dispenser: string }
  | { kind: 'not-with-this-dispenser' }
  | { kind: 'wrong-status'; status: PrescriptionStatusCode; action: string }
  | { kind: 'unknown-line-item'; id: string }
  | { kind: 'line-item-closed'; id: string; status: LineItemStatusCode }
  | { kind: 'bad-line-item-status'; id: string; status: string }
  | { kind: 'not-latest-dispense'; latest: string | null };

export type Outcome<T = PrescriptionState> = { ok: true; state: T } | { ok: false; refusal: Refusal };

const clone = (s: PrescriptionState): PrescriptionState => ({
  ...s,
  items: s.items.map((i) => ({ ...i })),
  dispenses: s.dispenses.map((d) => ({
    id: d.id,
    before: { status: d.before.status, items: d.before.items.map((i) => ({ ...i })) },
  })),
});
const refuse = (refusal: Refusal): { ok: false; refusal: Refusal } => ({ ok: false, refusal });
const withDispenser = (s: PrescriptionState) => s.status === '0002' || s.status === '0003';

/** A prescription just accepted by $process-message. */
export function newPrescription(itemIds: readonly string[]): PrescriptionState {
  return { status: '0001', dispenser: null, items: itemIds.map((id) => ({ id, status: '0007' })), dispenses: [] };
}

/** Release (download) to a pharmacy: nominated or patient release. */
export function release(s: PrescriptionState, ods: string): Outcome {
  if (withDispenser(s))
    return s.dispenser === ods
      ? refuse({ kind: 'wrong-status', status: s.status, action: 'release' })
      : refuse({ kind: 'with-another-dispenser', dispenser: s.dispenser ?? '' });
  if (s.status !== '0001') return refuse({ kind: 'wrong-status', status: s.status, action: 'release' });
  const n = clone(s);
  n.status = '0002';
  n.dispenser = ods;
  for (const i of n.items) if (i.status === '0007') i.status = '0008';
  return { ok: true, state: n };
}

/** The dispenser hands the prescription back to Spine undispensed (Task status rejected). */
export function returnToSpine(s: PrescriptionState, ods: string): Outcome {
  if (!withDispenser(s)) return refuse({ kind: 'wrong-status', status: s.status, action: 'return' });
  if (s.dispenser !== ods) return refuse({ kind: 'not-with-this-dispenser' });
  if (s.status !== '0002') return refuse({ kind: 'wrong-status', status: s.status, action: 'return' });
  const n = clone(s);
  n.dispenser = null;
  for (const i of n.items) {
    if (i.pendingCancellation) {
      i.status = '0005';
      delete i.pendingCancellation;
    } else if (i.status === '0008') i.status = '0007';
  }
  n.status = n.items.every((i) => i.status === '0005') ? '0005' : '0001';
  return { ok: true, state: n };
}

/** Statuses a dispense notification may give a line item. */
const DISPENSED: readonly LineItemStatusCode[] = ['0001', '0002', '0003', '0004'];

/** The prescription status Spine derives from its line items once dispensing has started. */
export function derivedStatus(items: readonly LineItemState[]): PrescriptionStatusCode {
  const live = items.filter((i) => i.status !== '0005' && i.status !== '0006');
  if (!live.length) return '0005';
  if (live.some((i) => i.status === '0003' || i.status === '0004' || i.status === '0008' || i.status === '0007'))
    return '0003';
  return live.some((i) => i.status === '0001') ? '0006' : '0007';
}

/**
 * A dispense notification: each named line item gets its new status. Items not named keep theirs.
 * Allowed only to the dispenser holding it, while it is with them (0002/0003).
 */
export function dispense(
  s: PrescriptionState,
  ods: string,
  notificationId: string,
  lines: ReadonlyArray<{ id: string; status: string }>,
): Outcome {
  if (!withDispenser(s)) return refuse({ kind: 'wrong-status', status: s.status, action: 'dispense' });
  if (s.dispenser !== ods) return refuse({ kind: 'not-with-this-dispenser' });
  const n = clone(s);
  for (const l of lines) {
    const item = n.items.find((i) => i.id.toLowerCase() === l.id.toLowerCase());
    if (!item) return refuse({ kind: 'unknown-line-item', id: l.id });
    if (!(DISPENSED as readonly string[]).includes(l.status))
      return refuse({ kind: 'bad-line-item-status', id: l.id, status: l.status });
    if (item.status === '0005' || item.status === '0006')
      return refuse({ kind: 'line-item-closed', id: item.id, status: item.status });
    // An item marked for cancellation that the dispenser does not dispense is cancelled now.
    if (item.pendingCancellation && l.status === '0002') {
      item.status = '0005';
      delete item.pendingCancellation;
    } else item.status = l.status as LineItemStatusCode;
  }
  n.status = derivedStatus(n.items);
  n.dispenses.push({ id: notificationId, before: { status: s.status, items: s.items.map((i) => ({ ...i })) } });
  return { ok: true, state: n };
}

/** Withdraw the latest dispense notification: back to the state before it, still with the dispenser. */
export function withdraw(s: PrescriptionState, ods: string, notificationId: string): Outcome {
  if (s.dispenser !== ods) return refuse({ kind: 'not-with-this-dispenser' });
  const last = s.dispenses[s.dispenses.length - 1];
  if (!last || last.id.toLowerCase() !== notificationId.toLowerCase())
    return refuse({ kind: 'not-latest-dispense', latest: last?.id ?? null });
  const n = clone(s);
  n.dispenses.pop();
  n.status = last.before.status;
  n.items = last.before.items.map((i) => ({ ...i }));
  return { ok: true, state: n };
}

/** A cancellation's effect on one line item: the EPS answer code and the new state. */
interface CancelResult {
  code: CancelResponseCode;
  state: PrescriptionState;
  dispenser: string | null;
}

/**
 * Cancel one line item (EPS cancels per MedicationRequest; cancelling every item cancels the
 * prescription). Never refused as such: the answer code says what happened (eps.md §1.8).
 */
export function cancelItem(s: PrescriptionState, lineItemId: string, reason: CancelReasonCode): CancelResult {
  const item = s.items.find((i) => i.id.toLowerCase() === lineItemId.toLowerCase());
  const same = (code: CancelResponseCode): CancelResult => ({ code, state: s, dispenser: s.dispenser });
  if (!item) return same('R-0008');
  if (item.status === '0005') return same('R-0006');
  if (item.status === '0006' || s.status === '0004') return same('R-0005');
  if (item.status === '0001' || item.status === '0003' || s.status === '0006') return same('R-0004');
  if (item.status === '0002' || s.status === '0007') return same('R-0010');
  if (withDispenser(s)) {
    if (item.pendingCancellation) return same('R-0006');
    const n = clone(s);
    n.items.find((i) => i.id === item.id)!.pendingCancellation = reason;
    return { code: s.status === '0003' ? 'R-0003' : 'R-0002', state: n, dispenser: s.dispenser };
  }
  const n = clone(s);
  n.items.find((i) => i.id === item.id)!.status = '0005';
  if (n.items.every((i) => i.status === '0005')) n.status = '0005';
  return { code: 'R-0001', state: n, dispenser: null };
}
