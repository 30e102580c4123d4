// The EPS tracker's Task search (eps.md §1.13), shaped as EPS's coordinator answers it
// (R:packages/coordinator/src/services/communication/tracker111/*: one Task per prescription).
//
// QUERY  GET /FHIR/R4/Task?focus:identifier=https://fhir.nhs.uk/Id/prescription-order-number|<shortId>
//          (`identifier=` is accepted as a synonym)
//        GET /FHIR/R4/Task?patient:identifier=https://fhir.nhs.uk/Id/nhs-number|<nhs>[&business-status=<0001..0007>]
//        with Authorization: Bearer, NHSD-Session-URID, X-Request-ID like every EPS call.
//        `trackerQuery()` builds the path and query.
// ANSWER Bundle type searchset, `total`, one entry per prescription holding a Task:
//          businessStatus   EPS-task-business-status code + display (0001 To be Dispensed … 0007)
//          focus, groupIdentifier   identifier prescription-order-number = short-form ID
//          identifier       rfc4122 = long-form prescription ID
//          for              nhs-number; authoredOn; lastModified
//          requester        prescribing organisation (ODS); owner: the dispenser holding it, else the
//                           nominated pharmacy (as EPS does), absent when neither
//          input[]          one per line item: valueReference.identifier prescription-order-item-number
//                           = line item UUID, extension Extension-EPS-DispensingInformation with
//                           dispenseStatus (medicationdispense-type code + display) and dateLastDispensed
//          output[]         one per line item: type = the medicine (SNOMED/dm+d code + display)
//        An empty result is an empty searchset (total 0), not an error.
// WHO    A role with a dispensing activity sees any prescription; a role with a prescribing
//        activity only its user's own; other roles get 403. EPS's tracker needs a role (B0278 or
//        B0570); the sandbox keeps the rule that simple.
// `parseTrackerBundle()` reads an answer back into `TrackedPrescription`s for the client.
import {
  LINE_ITEM_STATUS,
  LINE_ITEM_STATUS_SYSTEM,
  PRESCRIPTION_STATUS,
  PRESCRIPTION_STATUS_SYSTEM,
  isLineItemStatus,
  isPrescriptionStatus,
  type LineItemStatusCode,
  type PrescriptionStatusCode,
} from './status-codes';
import { arr, obj, str } from '../fhir/json';

export const PRESCRIPTION_ORDER_NUMBER = 'https://fhir.nhs.uk/Id/prescription-order-number';
export const LINE_ITEM_NUMBER = 'https://fhir.nhs.uk/Id/prescription-order-item-number';
export const NHS_NUMBER = 'https://fhir.nhs.uk/Id/nhs-number';
export const ODS_CODE = 'https://fhir.nhs.uk/Id/ods-organization-code';
const RFC4122 = 'https://tools.ietf.org/html/rfc4122';
const DISPENSING_INFORMATION = 'https://fhir.nhs.uk/StructureDefinition/Extension-EPS-DispensingInformation';
const SNOMED = 'http://snomed.info/sct';

interface Coded<C extends string> {
  code: C;
  display: string;
}
export interface OrgRef {
  ods: string;
  name?: string;
}

interface TrackedLineItem {
  /** The line item UUID (MedicationRequest identifier prescription-order-item-number). */
  id: string;
  status: Coded<LineItemStatusCode>;
  medication: { code: string; display: string } | null;
  dateLastDispensed?: string;
}

export interface TrackedPrescription {
  shortFormId: string;
  longFormId: string | null;
  nhsNumber: string;
  authoredOn: string;
  lastModified?: string;
  status: Coded<PrescriptionStatusCode>;
  prescriber: OrgRef | null;
  /** The dispenser holding it, else the nominated pharmacy; null when neither. */
  owner: OrgRef | null;
  items: TrackedLineItem[];
}

export type TrackerQuery = { prescriptionId: string } | { nhsNumber: string; businessStatus?: PrescriptionStatusCode };

/** `/Task?…` (append to the EPS base URL, e.g. https://…/FHIR/R4). */
export function trackerQuery(q: TrackerQuery): string {
  const p = new URLSearchParams();
  if ('prescriptionId' in q) p.set('focus:identifier', `${PRESCRIPTION_ORDER_NUMBER}|${q.prescriptionId}`);
  else {
    p.set('patient:identifier', `${NHS_NUMBER}|${q.nhsNumber}`);
    if (q.businessStatus) p.set('business-status', q.businessStatus);
  }
  return `/Task?${p.toString()}`;
}

export const prescriptionStatus = (code: PrescriptionStatusCode): Coded<PrescriptionStatusCode> => ({
  code,
  display: PRESCRIPTION_STATUS[code],
});
export const lineItemStatus = (code: LineItemStatusCode): Coded<LineItemStatusCode> => ({
  code,
  display: LINE_ITEM_STATUS[code],
});

const orgRef = (o: OrgRef) => ({
  identifier: { system: ODS_CODE, value: o.ods },
  ...(o.name ? { display: o.name } : {}),
});

/** One Task for one prescription. */
function buildTrackerTask(p: TrackedPrescription): Record<string, unknown> {
  const group = { system: PRESCRIPTION_ORDER_NUMBER, value: p.shortFormId };
  return {
    resourceType: 'Task',
    id: p.longFormId ?? p.shortFormId,
    ...(p.lastModified ? { meta: { lastUpdated: p.lastModified } } : {}),
    ...(p.longFormId ? { identifier: [{ system: RFC4122, value: p.longFormId }] } : {}),
    groupIdentifier: group,
    status: 'in-progress',
    businessStatus: {
      coding: [{ system: PRESCRIPTION_STATUS_SYSTEM, code: p.status.code, display: p.status.display }],
    },
    intent: 'order',
    code: {
      coding: [
        { system: 'http://hl7.org/fhir/CodeSystem/task-code', code: 'fulfill', display: 'Fulfill the focal request' },
      ],
    },
    focus: { identifier: group },
    for: { identifier: { system: NHS_NUMBER, value: p.nhsNumber } },
    authoredOn: p.authoredOn,
    ...(p.lastModified ? { lastModified: p.lastModified } : {}),
    ...(p.prescriber ? { requester: orgRef(p.prescriber) } : {}),
    ...(p.owner ? { owner: orgRef(p.owner) } : {}),
    input: p.items.map((i) => ({
      extension: [
        {
          url: DISPENSING_INFORMATION,
          extension: [
            {
              url: 'dispenseStatus',
              valueCoding: { system: LINE_ITEM_STATUS_SYSTEM, code: i.status.code, display: i.status.display },
            },
            ...(i.dateLastDispensed ? [{ url: 'dateLastDispensed', valueDateTime: i.dateLastDispensed }] : []),
          ],
        },
      ],
      type: { coding: [{ system: SNOMED, code: '16076005', display: 'Prescription' }] },
      valueReference: { identifier: { system: LINE_ITEM_NUMBER, value: i.id } },
    })),
    output: p.items
      .filter((i) => i.medication)
      .map((i) => ({
        type: { coding: [{ system: SNOMED, code: i.medication!.code, display: i.medication!.display }] },
        valueReference: { identifier: { system: LINE_ITEM_NUMBER, value: i.id } },
      })),
  };
}

/** The searchset Bundle answering a tracker query. */
export function buildTrackerBundle(ps: TrackedPrescription[], id: string, timestamp: string): Record<string, unknown> {
  return {
    resourceType: 'Bundle',
    id,
    meta: { lastUpdated: timestamp },
    identifier: { system: RFC4122, value: id },
    type: 'searchset',
    total: ps.length,
    entry: ps.map((p) => ({
      fullUrl: `urn:uuid:${p.longFormId ?? p.shortFormId}`,
      resource: buildTrackerTask(p),
      search: { mode: 'match' },
    })),
  };
}

/** The tracker answer did not have the expected shape. */
export class TrackerFormatError extends Error {
  constructor(
    message: string,
    readonly expression: string,
  ) {
    super(message);
    this.name = 'TrackerFormatError';
  }
}

function need(v: string | undefined, expression: string): string {
  if (v === undefined) throw new TrackerFormatError(`The tracker answer has no ${expression}.`, expression);
  return v;
}

function parseOrg(v: unknown): OrgRef | null {
  const ods = str(obj(obj(v).identifier).value);
  if (!ods) return null;
  const name = str(obj(v).display);
  return name ? { ods, name } : { ods };
}

/** One Task back into a TrackedPrescription. Throws TrackerFormatError naming the missing field. */
function parseTrackerTask(task: unknown, at = 'Task'): TrackedPrescription {
  const t = obj(task);
  if (t.resourceType !== 'Task') throw new TrackerFormatError(`${at} is not a Task.`, `${at}.resourceType`);
  const shortFormId = need(
    str(obj(obj(t.focus).identifier).value) ?? str(obj(t.groupIdentifier).value),
    `${at}.focus.identifier.value`,
  );
  const statusCoding =
    arr(obj(t.businessStatus).coding).find((c) => c.system === PRESCRIPTION_STATUS_SYSTEM) ??
    arr(obj(t.businessStatus).coding)[0];
  const code = statusCoding?.code;
  if (!isPrescriptionStatus(code))
    throw new TrackerFormatError(`${at} has no known businessStatus code (${String(code)}).`, `${at}.businessStatus`);
  const meds = new Map<string, { code: string; display: string }>();
  for (const o of arr(t.output)) {
    const id = str(obj(obj(o.valueReference).identifier).value);
    const c = arr(obj(o.type).coding)[0];
    if (id && c && str(c.code))
      meds.set(id.toLowerCase(), { code: String(c.code), display: str(c.display) ?? String(c.code) });
  }
  const items = arr(t.input).map((inp, n): TrackedLineItem => {
    const id = need(
      str(obj(obj(inp.valueReference).identifier).value),
      `${at}.input[${n}].valueReference.identifier.value`,
    );
    const info = arr(arr(inp.extension).find((e) => e.url === DISPENSING_INFORMATION)?.extension);
    const ds = obj(info.find((e) => e.url === 'dispenseStatus')?.valueCoding).code;
    if (!isLineItemStatus(ds))
      throw new TrackerFormatError(
        `${at}.input[${n}] has no known dispenseStatus (${String(ds)}).`,
        `${at}.input[${n}].extension`,
      );
    const last = info.find((e) => e.url === 'dateLastDispensed');
    const date = str(last?.valueDateTime) ?? str(last?.valueDate);
    return {
      id,
      status: lineItemStatus(ds),
      medication: meds.get(id.toLowerCase()) ?? null,
      ...(date ? { dateLastDispensed: date } : {}),
    };
  });
  const lastModified = str(t.lastModified) ?? str(obj(t.meta).lastUpdated);
  return {
    shortFormId,
    longFormId: str(arr(t.identifier).find((i) => i.system === RFC4122)?.value) ?? null,
    nhsNumber: need(str(obj(obj(t.for).identifier).value), `${at}.for.identifier.value`),
    authoredOn: need(str(t.authoredOn), `${at}.authoredOn`),
    ...(lastModified ? { lastModified } : {}),
    status: prescriptionStatus(code),
    prescriber: parseOrg(t.requester),
    owner: parseOrg(t.owner),
    items,
  };
}

/** A tracker searchset Bundle into its prescriptions (an OperationOutcome is the caller's to handle). */
export function parseTrackerBundle(bundle: unknown): TrackedPrescription[] {
  const b = obj(bundle);
  if (b.resourceType !== 'Bundle' || b.type !== 'searchset')
    throw new TrackerFormatError('The tracker answer is not a searchset Bundle.', 'Bundle.type');
  return arr(b.entry).map((e, n) => parseTrackerTask(obj(e).resource, `Bundle.entry[${n}].resource`));
}
