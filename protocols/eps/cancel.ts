// EPS cancellation (eps.md §1.8): `$process-message` with a prescription-order-update Bundle holding
// exactly one MedicationRequest (the line item, identified by its prescription-order-item-number),
// status `cancelled` and a statusReason from medicationrequest-status-reason. Cancel requests are not
// signed. Spine answers per line item with an Extension-DM-PrescriptionStatusHistory status code
// (R-0001 cancelled, R-0002/R-0003 with dispenser: marked for cancellation, R-0004 dispensed, …);
// an unknown prescription or item (R-0008) and a mismatch (R-5000) come back as OperationOutcome.
// Cancelling every line item cancels the prescription.
//
// HTTP status: 200 for R-0001; 400 with the Bundle for every other status code (Spine's answer is an
// error acknowledgement: nothing was cancelled yet), 400 OperationOutcome for R-0008/R-5000/R-5888.
import {
  CANCEL_REASON_SYSTEM,
  CANCEL_REASONS,
  CANCEL_RESPONSES,
  STATUS_HISTORY_SYSTEM,
  type CancelReasonCode,
  type CancelResponseCode,
} from './status-codes';
import { arr, obj, str, type Json } from '../fhir/json';

export { CANCEL_REASONS, CANCEL_RESPONSES, type CancelReasonCode, type CancelResponseCode } from './status-codes';

export const STATUS_HISTORY_EXTENSION =
  'https://fhir.nhs.uk/StructureDefinition/Extension-DM-PrescriptionStatusHistory';
const LINE_ITEM_NUMBER = 'https://fhir.nhs.uk/Id/prescription-order-item-number';
const RFC4122 = 'https://tools.ietf.org/html/rfc4122';

/** The MedicationRequest.status EPS gives a line item in a cancel answer. */
export function cancelledMedicationStatus(code: CancelResponseCode): string {
  return code === 'R-0001' ? 'cancelled' : code === 'R-0004' ? 'completed' : code === 'R-0005' ? 'stopped' : 'active';
}

interface CancelRequestInput {
  /** The prescription-order Bundle as sent (signed or not); its Provenance is left out. */
  prescription: Json;
  lineItemId: string;
  reason: CancelReasonCode;
  /** Fresh UUIDs for the new message (protocols/ makes none itself). */
  bundleId: string;
  messageHeaderId: string;
}

/** A prescription-order-update Bundle cancelling one line item of a prescription. */
export function buildCancelRequest(input: CancelRequestInput): Json {
  const entries = arr(input.prescription.entry).filter((e) => obj(e.resource).resourceType !== 'Provenance');
  const header = entries.find((e) => obj(e.resource).resourceType === 'MessageHeader');
  const item = entries.find(
    (e) =>
      obj(e.resource).resourceType === 'MedicationRequest' &&
      arr(obj(e.resource).identifier).some(
        (i) => i.system === LINE_ITEM_NUMBER && String(i.value).toLowerCase() === input.lineItemId.toLowerCase(),
      ),
  );
  if (!item) throw new Error(`The prescription has no line item ${input.lineItemId}.`);
  const mr = {
    ...obj(item.resource),
    status: 'cancelled',
    statusReason: {
      coding: [{ system: CANCEL_REASON_SYSTEM, code: input.reason, display: CANCEL_REASONS[input.reason] }],
    },
  };
  const others = entries.filter((e) => {
    const t = obj(e.resource).resourceType;
    return t !== 'MessageHeader' && t !== 'MedicationRequest';
  });
  const h = obj(header?.resource);
  const newHeader = {
    ...h,
    eventCoding: {
      system: 'https://fhir.nhs.uk/CodeSystem/message-event',
      code: 'prescription-order-update',
      display: 'Prescription Order Update',
    },
    reason: {
      coding: [
        { system: 'https://fhir.nhs.uk/CodeSystem/message-reason-prescription', code: 'cancel', display: 'Cancel' },
      ],
    },
    focus: [
      item,
      ...others.filter((e) => ['Patient', 'PractitionerRole'].includes(String(obj(e.resource).resourceType))),
    ].map((e) => ({ reference: String(e.fullUrl) })),
  };
  return {
    resourceType: 'Bundle',
    id: input.bundleId,
    identifier: { system: RFC4122, value: input.bundleId },
    type: 'message',
    entry: [
      { fullUrl: `urn:uuid:${input.messageHeaderId}`, resource: newHeader },
      { ...item, resource: mr },
      ...others,
    ],
  };
}

interface CancelAnswer {
  code: CancelResponseCode;
  display: string;
  /** The line item the answer is about (absent when EPS answered with an OperationOutcome). */
  lineItemId: string | null;
  /** MedicationRequest.status in the answer: cancelled, completed, stopped or active. */
  medicationStatus: string | null;
  /** ODS code of the dispenser holding the prescription (R-0002/R-0003). */
  dispenser: string | null;
}

/**
 * Reads EPS's answer to a cancellation into its status code, or null when the answer is not a
 * cancellation answer (another OperationOutcome: validation, authorisation, …).
 */
export function parseCancelResponse(body: unknown): CancelAnswer | null {
  const b = obj(body);
  if (b.resourceType === 'OperationOutcome') {
    for (const issue of arr(b.issue)) {
      const c = arr(obj(issue.details).coding).find((x) => x.system === STATUS_HISTORY_SYSTEM);
      const code = str(c?.code);
      if (code && Object.hasOwn(CANCEL_RESPONSES, code))
        return {
          code: code as CancelResponseCode,
          display: str(c?.display) ?? CANCEL_RESPONSES[code as CancelResponseCode],
          lineItemId: null,
          medicationStatus: null,
          dispenser: null,
        };
    }
    return null;
  }
  if (b.resourceType !== 'Bundle') return null;
  for (const e of arr(b.entry)) {
    const r = obj(e.resource);
    if (r.resourceType !== 'MedicationRequest') continue;
    const history = arr(r.extension).find((x) => x.url === STATUS_HISTORY_EXTENSION);
    const coding = obj(arr(history?.extension).find((x) => x.url === 'status')?.valueCoding);
    const code = str(coding.code);
    if (!code || !Object.hasOwn(CANCEL_RESPONSES, code)) continue;
    return {
      code: code as CancelResponseCode,
      display: str(coding.display) ?? CANCEL_RESPONSES[code as CancelResponseCode],
      lineItemId: str(arr(r.identifier).find((i) => i.system === LINE_ITEM_NUMBER)?.value) ?? null,
      medicationStatus: str(r.status) ?? null,
      // The original request's performer is the nominated pharmacy; only these answers name the holder.
      dispenser:
        code === 'R-0002' || code === 'R-0003'
          ? (str(obj(obj(obj(r.dispenseRequest).performer).identifier).value) ?? null)
          : null,
    };
  }
  return null;
}
