// Cancelling: one `prescription-order-update` Bundle per line item (EPS takes exactly one
// MedicationRequest in each, eps.md §1.8), built from the Bundle that was signed and sent so every
// identifier matches what the service holds; and the service's answer read back into what a
// prescriber needs to know. Shaped as NHS England's examples
// (primary-care/…/cancellations/*-Process-Request-Cancel-*.json): the same fullUrls as the original,
// the MedicationRequest with status "cancelled" and a statusReason, the sender's PractitionerRole,
// Practitioner and Organization, and the original Provenance narrowed to that item.
import {
  CANCEL_REASONS,
  CANCEL_REASON_SYSTEM,
  CANCEL_RESPONSES,
  type CancelReasonCode,
  type CancelResponseCode,
} from '../../protocols/eps/status-codes';
import { parseCancelResponse } from '../../protocols/eps/cancel';
import { prescriberEntries } from './bundle';
import type { PrescriberContext } from './model';

type Json = Record<string, unknown>;
interface Entry {
  fullUrl: string;
  resource: Json & { resourceType: string };
}

const LINE_ITEM = 'https://fhir.nhs.uk/Id/prescription-order-item-number';

export const cancelReasonCodes = Object.keys(CANCEL_REASONS) as [CancelReasonCode, ...CancelReasonCode[]];

/** The line item UUIDs of a prescription Bundle, in order. */
export function lineItemIds(bundle: Json): string[] {
  return entriesOf(bundle)
    .filter((e) => e.resource.resourceType === 'MedicationRequest')
    .map(lineIdOf)
    .filter((v): v is string => !!v);
}

function entriesOf(bundle: Json): Entry[] {
  return Array.isArray(bundle.entry) ? (bundle.entry as Entry[]) : [];
}

function lineIdOf(e: Entry): string | undefined {
  const ids = (e.resource.identifier as Array<{ system?: string; value?: string }> | undefined) ?? [];
  return ids.find((i) => i.system === LINE_ITEM)?.value;
}

const refId = (ref: unknown): string | undefined => {
  const r = (ref as { reference?: string } | undefined)?.reference;
  return r?.startsWith('urn:uuid:') ? r.slice(9) : undefined;
};

/**
 * The cancellation of one line item of a signed prescription Bundle. `sender` is the person
 * cancelling (their role and organisation replace the original author's, at the same fullUrls);
 * `messageId` is the new Bundle's id and MessageHeader's fullUrl.
 */
export function buildCancelBundle(
  signed: Json,
  lineId: string,
  reason: CancelReasonCode,
  sender: PrescriberContext,
  messageId: string,
): Json {
  const entries = entriesOf(signed);
  const mrEntry = entries.find(
    (e) => e.resource.resourceType === 'MedicationRequest' && lineIdOf(e)?.toLowerCase() === lineId.toLowerCase(),
  );
  if (!mrEntry) throw new Error(`The prescription has no line item ${lineId}.`);
  const header = entries.find((e) => e.resource.resourceType === 'MessageHeader');
  const patient = entries.find((e) => e.resource.resourceType === 'Patient');
  const requester = refId(mrEntry.resource.requester);
  const roleEntry = entries.find(
    (e) => e.resource.resourceType === 'PractitionerRole' && e.fullUrl === `urn:uuid:${requester}`,
  );
  if (!header || !patient || !roleEntry)
    throw new Error('The signed prescription lacks its MessageHeader, Patient or PractitionerRole.');
  const practitionerId = refId(roleEntry.resource.practitioner);
  const organisationId = refId(roleEntry.resource.organization);
  if (!practitionerId || !organisationId)
    throw new Error("The signed prescription's PractitionerRole has no practitioner or organisation.");

  const mr: Json = structuredClone(mrEntry.resource);
  // statusReason sits after status, as in EPS's examples (key order matters only to people reading it).
  const ordered: Json = {};
  for (const [k, v] of Object.entries(mr)) {
    if (k === 'statusReason') continue;
    ordered[k] = k === 'status' ? 'cancelled' : v;
    if (k === 'status')
      ordered.statusReason = {
        coding: [{ system: CANCEL_REASON_SYSTEM, code: reason, display: CANCEL_REASONS[reason] }],
      };
  }
  const { id: _oldHeaderId, ...oldHeader } = header.resource;
  const messageHeader: Json = {
    ...oldHeader,
    id: messageId,
    eventCoding: {
      system: 'https://fhir.nhs.uk/CodeSystem/message-event',
      code: 'prescription-order-update',
      display: 'Prescription Order Update',
    },
    sender: {
      identifier: { system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: sender.organisation.odsCode },
      display: sender.organisation.name,
    },
    source: { endpoint: `https://directory.spineservices.nhs.uk/STU3/Organization/${sender.organisation.odsCode}` },
    focus: [{ reference: roleEntry.fullUrl }, { reference: mrEntry.fullUrl }],
  };
  const out: Json[] = [
    { fullUrl: `urn:uuid:${messageId}`, resource: messageHeader },
    { fullUrl: mrEntry.fullUrl, resource: ordered },
    structuredClone(patient) as unknown as Json,
    ...prescriberEntries(sender, { practitionerRoleId: requester!, practitionerId, organisationId }),
  ];
  const provenance = entries.find((e) => e.resource.resourceType === 'Provenance');
  if (provenance) {
    const p = structuredClone(provenance);
    p.resource.target = [{ reference: mrEntry.fullUrl }];
    out.push(p as unknown as Json);
  }
  return {
    resourceType: 'Bundle',
    id: messageId,
    identifier: { system: 'https://tools.ietf.org/html/rfc4122', value: messageId },
    type: 'message',
    entry: out,
  };
}

type CancelOutcome = 'cancelled' | 'marked' | 'refused' | 'failed';

interface CancelAnswer {
  /** The EPS answer code (R-0001 …), or null when the answer carried none. */
  code: CancelResponseCode | null;
  /** EPS's own wording. */
  serviceText: string;
  /** What it means, for the prescriber. */
  message: string;
  outcome: CancelOutcome;
  /** The line item's status afterwards (medicationdispense-type), when the answer tells it. */
  itemStatusCode: '0001' | '0005' | '0006' | '0008' | null;
  /** The dispenser holding the item (R-0002/R-0003): "NAME, ODS" or the ODS code. */
  dispenser: string | null;
}

const meaning: Record<
  CancelResponseCode,
  { message: string; outcome: CancelOutcome; item: CancelAnswer['itemStatusCode'] }
> = {
  'R-0001': { message: 'No pharmacy can dispense it now.', outcome: 'cancelled', item: '0005' },
  'R-0002': {
    message:
      'Not cancelled yet: a pharmacy has already downloaded it. It is marked for cancellation and the pharmacy will be told; phone the pharmacy to make sure it is not supplied.',
    outcome: 'marked',
    item: '0008',
  },
  'R-0003': {
    message:
      'Not cancelled yet: a pharmacy is dispensing it now. It is marked for cancellation; phone the pharmacy to make sure it is not supplied.',
    outcome: 'marked',
    item: '0008',
  },
  'R-0004': {
    message:
      'Too late: it has already been dispensed, so it cannot be cancelled. Contact the patient or the pharmacy if it must not be used.',
    outcome: 'refused',
    item: '0001',
  },
  'R-0005': {
    message: 'Not cancelled: the prescription has expired, so it can no longer be dispensed anyway.',
    outcome: 'refused',
    item: '0006',
  },
  'R-0006': { message: 'It had already been cancelled.', outcome: 'cancelled', item: '0005' },
  'R-0007': {
    message: 'Not cancelled by you: another prescriber has already asked to cancel it.',
    outcome: 'refused',
    item: null,
  },
  'R-0008': {
    message: 'EPS has no record of this item, so there was nothing to cancel. Check the prescription ID.',
    outcome: 'refused',
    item: null,
  },
  'R-0009': {
    message: 'EPS cannot cancel prescriptions at the moment. Try again later, or phone the pharmacy.',
    outcome: 'failed',
    item: null,
  },
  'R-0010': {
    message: 'Not cancelled: the pharmacy has recorded it as not dispensed.',
    outcome: 'refused',
    item: null,
  },
  'R-5000': {
    message: 'EPS could not process the cancellation because information was missing or did not match its records.',
    outcome: 'failed',
    item: null,
  },
  'R-5888': { message: 'EPS said the cancellation message was invalid.', outcome: 'failed', item: null },
};

/**
 * Reads EPS's answer to one cancellation (a response Bundle, or an OperationOutcome) into what it
 * means for the prescriber. The wire format is read by protocols/eps/cancel.ts (shared with the
 * sandbox); an answer without a cancellation code is explained from its issues.
 */
export function readCancelAnswer(httpStatus: number, json: Json): CancelAnswer {
  const parsed = parseCancelResponse(json);
  if (parsed) {
    const m = meaning[parsed.code];
    const dispenser = parsed.dispenser ? dispenserName(json, parsed.dispenser) : null;
    const where = dispenser ? ` (${dispenser})` : '';
    const message =
      (parsed.code === 'R-0002' || parsed.code === 'R-0003') && where
        ? m.message.replace('a pharmacy', `a pharmacy${where}`)
        : m.message;
    const detail =
      (parsed.code === 'R-5000' || parsed.code === 'R-5888') && parsed.display !== CANCEL_RESPONSES[parsed.code]
        ? ` (${parsed.display})`
        : '';
    return {
      code: parsed.code,
      serviceText: parsed.display,
      message: message + detail,
      outcome: m.outcome,
      itemStatusCode: m.item,
      dispenser,
    };
  }
  const issues =
    json.resourceType === 'OperationOutcome'
      ? ((json.issue as
          | Array<{ code?: string; diagnostics?: string; details?: { coding?: Array<{ display?: string }> } }>
          | undefined) ?? [])
      : [];
  const serviceText = issues
    .map((i) => i.diagnostics ?? i.details?.coding?.[0]?.display ?? i.code)
    .filter(Boolean)
    .join('; ');
  if (issues.some((i) => i.code === 'not-found')) return { ...fromCode('R-0008', serviceText), dispenser: null };
  if (issues.some((i) => i.code === 'not-supported')) return { ...fromCode('R-0009', serviceText), dispenser: null };
  const ok = httpStatus >= 200 && httpStatus < 300;
  return ok
    ? {
        code: null,
        serviceText: serviceText || 'accepted',
        message: "EPS accepted the cancellation without saying its outcome; check the prescription's status.",
        outcome: 'marked',
        itemStatusCode: null,
        dispenser: null,
      }
    : {
        code: null,
        serviceText,
        message: `EPS refused the cancellation (HTTP ${httpStatus})${serviceText ? `: ${serviceText}` : ''}.`,
        outcome: 'failed',
        itemStatusCode: null,
        dispenser: null,
      };
}

function fromCode(code: CancelResponseCode, serviceText: string): Omit<CancelAnswer, 'dispenser'> {
  const m = meaning[code];
  return {
    code,
    serviceText: serviceText || CANCEL_RESPONSES[code],
    message: m.message,
    outcome: m.outcome,
    itemStatusCode: m.item,
  };
}

/** "NAME (ODS)" of the dispenser an answer names, from its Organization entry when it has one. */
function dispenserName(json: Json, ods: string): string {
  const org = entriesOf(json).find(
    (e) =>
      e.resource?.resourceType === 'Organization' &&
      ((e.resource.identifier as Array<{ value?: string }> | undefined) ?? []).some((i) => i.value === ods),
  );
  const name = org?.resource.name;
  return typeof name === 'string' && name ? `${name}, ${ods}` : ods;
}
