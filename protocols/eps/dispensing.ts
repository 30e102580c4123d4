// EPS dispensing messages (eps.md §1.9, §1.10, §1.12): the release Parameters, the dispense
// notification Bundle, and the return and withdraw Tasks — builders for a dispensing system (and
// tests), and readers that pull out what Spine acts on, each problem naming its field.
import {
  LINE_ITEM_STATUS,
  LINE_ITEM_STATUS_SYSTEM,
  PRESCRIPTION_STATUS,
  PRESCRIPTION_STATUS_SYSTEM,
  type LineItemStatusCode,
  type PrescriptionStatusCode,
} from './status-codes';

import { arr, obj, str, type Json } from '../fhir/json';

const ODS_CODE = 'https://fhir.nhs.uk/Id/ods-organization-code';
const PRESCRIPTION_ORDER_NUMBER = 'https://fhir.nhs.uk/Id/prescription-order-number';
const LINE_ITEM_NUMBER = 'https://fhir.nhs.uk/Id/prescription-order-item-number';
const NHS_NUMBER = 'https://fhir.nhs.uk/Id/nhs-number';
const RFC4122 = 'https://tools.ietf.org/html/rfc4122';
const ROLE_PROFILE = 'https://fhir.nhs.uk/Id/sds-role-profile-id';
const USER_ID = 'https://fhir.nhs.uk/Id/sds-user-id';
const RETURN_REASON_SYSTEM = 'https://fhir.nhs.uk/CodeSystem/EPS-task-dispense-return-status-reason';
const WITHDRAW_REASON_SYSTEM = 'https://fhir.nhs.uk/CodeSystem/EPS-task-dispense-withdraw-reason';

export const RETURN_REASONS = {
  '0001': 'Patient non-attendance',
  '0002': 'Unable to dispense medication on prescriptions',
  '0003': 'Patient requested release',
  '0004': 'Another dispenser requested release on behalf of the patient',
  '0005': 'Invalid digital signature',
  '0006': 'Rejected due to version problem',
  '0007': 'Prescription otherwise invalid or unreadable',
  '0008': 'Prescription expired',
} as const;
export const WITHDRAW_REASONS = {
  QU: 'Quantity Update',
  MU: 'Medication Update',
  DA: 'Dosage Amendments',
  PA: 'Patient Details Amendments',
  OC: 'Other Clinical',
  ONC: 'Other Non-Clinical',
} as const;

/** A problem with a message, naming the field (FHIRPath-like). */
interface MessageProblem {
  code: 'MISSING_VALUE' | 'INVALID_VALUE';
  message: string;
  expression: string;
}
const missing = (expression: string, message: string): MessageProblem => ({
  code: 'MISSING_VALUE',
  message,
  expression,
});
const invalid = (expression: string, message: string): MessageProblem => ({
  code: 'INVALID_VALUE',
  message,
  expression,
});

export interface Dispenser {
  ods: string;
  name?: string;
  roleProfileId: string;
  userId: string;
  userName?: string;
  jobRoleCode?: string;
}

const agentRole = (d: Dispenser): Json => ({
  resourceType: 'PractitionerRole',
  identifier: [{ system: ROLE_PROFILE, value: d.roleProfileId }],
  practitioner: { identifier: { system: USER_ID, value: d.userId }, ...(d.userName ? { display: d.userName } : {}) },
  ...(d.jobRoleCode
    ? {
        code: [
          { coding: [{ system: 'https://fhir.nhs.uk/CodeSystem/NHSDigital-SDS-JobRoleCode', code: d.jobRoleCode }] },
        ],
      }
    : {}),
});

/** Task/$release Parameters: with `prescriptionId` a patient release of that one, else nominated release. */
export function buildReleaseParameters(d: Dispenser, prescriptionId?: string): Json {
  return {
    resourceType: 'Parameters',
    parameter: [
      {
        name: 'owner',
        resource: {
          resourceType: 'Organization',
          identifier: [{ system: ODS_CODE, value: d.ods }],
          ...(d.name ? { name: d.name } : {}),
          type: [
            {
              coding: [
                { system: 'https://fhir.nhs.uk/CodeSystem/organisation-role', code: '182', display: 'PHARMACY' },
              ],
            },
          ],
        },
      },
      { name: 'status', valueCode: 'accepted' },
      { name: 'agent', resource: agentRole(d) },
      ...(prescriptionId
        ? [{ name: 'group-identifier', valueIdentifier: { system: PRESCRIPTION_ORDER_NUMBER, value: prescriptionId } }]
        : []),
    ],
  };
}

interface ReleaseRequest {
  ownerOds: string;
  agentRoleProfileId: string | null;
  prescriptionId: string | null;
}

export function readReleaseParameters(p: Json): ReleaseRequest | MessageProblem {
  const params = arr(p.parameter);
  const named = (n: string) => params.find((x) => x.name === n);
  const owner =
    str(obj(arr(obj(named('owner')?.resource).identifier).find((i) => i.system === ODS_CODE)).value) ??
    str(obj(obj(named('owner')?.valueReference).identifier).value);
  if (!owner)
    return missing(
      "Parameters.parameter.where(name = 'owner')",
      'The release needs the owner: the pharmacy (ODS code) releasing.',
    );
  const status = named('status')?.valueCode;
  if (status !== 'accepted')
    return invalid("Parameters.parameter.where(name = 'status')", "The release's status must be 'accepted'.");
  const agent = obj(named('agent')?.resource);
  const agentRoleId = str(obj(arr(agent.identifier).find((i) => i.system === ROLE_PROFILE)).value) ?? null;
  const group = named('group-identifier');
  let prescriptionId: string | null = null;
  if (group) {
    const id = obj(group.valueIdentifier);
    if (id.system !== PRESCRIPTION_ORDER_NUMBER || !str(id.value))
      return invalid(
        "Parameters.parameter.where(name = 'group-identifier')",
        `group-identifier must be a ${PRESCRIPTION_ORDER_NUMBER} identifier.`,
      );
    prescriptionId = String(id.value);
  }
  return { ownerOds: owner, agentRoleProfileId: agentRoleId, prescriptionId };
}

export interface DispenseLine {
  lineItemId: string;
  status: LineItemStatusCode;
  quantity?: { value: number; unit: string; code: string };
  medication?: { code: string; display: string };
}

interface DispenseNotificationInput {
  /** The released prescription-order Bundle (its MedicationRequests become the contained copies). */
  prescription: Json;
  dispenser: Dispenser;
  lines: DispenseLine[];
  /** The prescription status the dispenser reports (Extension-EPS-TaskBusinessStatus). */
  prescriptionStatus: PrescriptionStatusCode;
  bundleId: string;
  /** One UUID per line (MedicationDispense identifier), same order as `lines`. */
  dispenseIds: string[];
  whenHandedOver: string;
  /** Replacing (amending) an earlier notification: its Bundle identifier. */
  replacementOf?: string;
  releaseResponseId?: string;
}

/** A dispense-notification message Bundle, one MedicationDispense per line (eps.md §1.10). */
export function buildDispenseNotification(n: DispenseNotificationInput): Json {
  const entries = arr(n.prescription.entry).map((e) => obj(e.resource));
  const patient = entries.find((r) => r.resourceType === 'Patient');
  const nhs = str(obj(arr(patient?.identifier).find((i) => i.system === NHS_NUMBER)).value) ?? '';
  const mrs = entries.filter((r) => r.resourceType === 'MedicationRequest');
  const orgUrl = `urn:nhs-uk:addressing:ods:${n.dispenser.ods}`;
  const dispenses = n.lines.map((line, k) => {
    const mr = mrs.find((m) =>
      arr(m.identifier).some(
        (i) => i.system === LINE_ITEM_NUMBER && String(i.value).toLowerCase() === line.lineItemId.toLowerCase(),
      ),
    );
    const medication =
      line.medication ??
      (() => {
        const c = arr(obj(mr?.medicationCodeableConcept).coding)[0];
        return c ? { code: String(c.code), display: String(c.display ?? c.code) } : { code: '', display: '' };
      })();
    return {
      fullUrl: `urn:uuid:${n.dispenseIds[k]}`,
      resource: {
        resourceType: 'MedicationDispense',
        contained: [
          { ...agentRole(n.dispenser), id: 'performer', organization: { reference: orgUrl } },
          {
            ...(mr ?? {
              resourceType: 'MedicationRequest',
              identifier: [{ system: LINE_ITEM_NUMBER, value: line.lineItemId }],
            }),
            id: `m${k + 1}`,
          },
        ],
        extension: [
          {
            url: 'https://fhir.nhs.uk/StructureDefinition/Extension-EPS-TaskBusinessStatus',
            valueCoding: {
              system: PRESCRIPTION_STATUS_SYSTEM,
              code: n.prescriptionStatus,
              display: PRESCRIPTION_STATUS[n.prescriptionStatus],
            },
          },
        ],
        identifier: [{ system: 'https://fhir.nhs.uk/Id/prescription-dispense-item-number', value: n.dispenseIds[k] }],
        status: line.status === '0002' ? 'cancelled' : line.status === '0001' ? 'completed' : 'in-progress',
        medicationCodeableConcept: {
          coding: [{ system: 'http://snomed.info/sct', code: medication.code, display: medication.display }],
        },
        subject: { type: 'Patient', identifier: { system: NHS_NUMBER, value: nhs } },
        performer: [{ actor: { reference: '#performer' } }],
        authorizingPrescription: [{ reference: `#m${k + 1}` }],
        type: {
          coding: [{ system: LINE_ITEM_STATUS_SYSTEM, code: line.status, display: LINE_ITEM_STATUS[line.status] }],
        },
        ...(line.quantity
          ? {
              quantity: {
                value: line.quantity.value,
                unit: line.quantity.unit,
                system: 'http://snomed.info/sct',
                code: line.quantity.code,
              },
            }
          : {}),
        whenHandedOver: n.whenHandedOver,
      },
    };
  });
  return {
    resourceType: 'Bundle',
    id: n.bundleId,
    identifier: { system: RFC4122, value: n.bundleId },
    type: 'message',
    timestamp: n.whenHandedOver,
    entry: [
      {
        fullUrl: `urn:uuid:${n.bundleId}`,
        resource: {
          resourceType: 'MessageHeader',
          ...(n.replacementOf
            ? {
                extension: [
                  {
                    url: 'https://fhir.nhs.uk/StructureDefinition/Extension-replacementOf',
                    valueIdentifier: { system: RFC4122, value: n.replacementOf },
                  },
                ],
              }
            : {}),
          eventCoding: {
            system: 'https://fhir.nhs.uk/CodeSystem/message-event',
            code: 'dispense-notification',
            display: 'Dispense Notification',
          },
          sender: {
            identifier: { system: ODS_CODE, value: n.dispenser.ods },
            ...(n.dispenser.name ? { display: n.dispenser.name } : {}),
          },
          source: { endpoint: `urn:nhs-uk:addressing:ods:${n.dispenser.ods}` },
          reason: {
            coding: [
              {
                system: 'https://fhir.nhs.uk/CodeSystem/message-reason-prescription',
                code: 'notification',
                display: 'Notification',
              },
            ],
          },
          response: { identifier: n.releaseResponseId ?? n.bundleId, code: 'ok' },
          focus: dispenses.map((d) => ({ reference: d.fullUrl })),
        },
      },
      ...dispenses,
      {
        fullUrl: orgUrl,
        resource: {
          resourceType: 'Organization',
          identifier: [{ system: ODS_CODE, value: n.dispenser.ods }],
          ...(n.dispenser.name ? { name: n.dispenser.name } : {}),
          extension: [
            {
              url: 'https://fhir.nhs.uk/StructureDefinition/Extension-ODS-OrganisationRelationships',
              extension: [{ url: 'reimbursementAuthority', valueIdentifier: { system: ODS_CODE, value: 'T1450' } }],
            },
          ],
        },
      },
    ],
  };
}

interface DispenseNotification {
  notificationId: string;
  senderOds: string;
  replacementOf: string | null;
  prescriptionId: string;
  nhsNumber: string;
  lines: Array<{ lineItemId: string; status: string }>;
}

/** What Spine acts on in a dispense notification, or the first problem found. */
export function readDispenseNotification(bundle: Json): DispenseNotification | MessageProblem {
  const entries = arr(bundle.entry).map((e) => obj(e.resource));
  const header = entries.find((r) => r.resourceType === 'MessageHeader');
  const notificationId = str(obj(bundle.identifier).value);
  if (!notificationId) return missing('Bundle.identifier.value', 'The dispense notification needs its identifier.');
  const senderOds = str(obj(obj(header?.sender).identifier).value);
  if (!senderOds)
    return missing(
      'MessageHeader.sender.identifier.value',
      'The dispense notification needs the sender (pharmacy ODS code).',
    );
  const replacementOf =
    str(
      obj(arr(header?.extension).find((x) => String(x.url).endsWith('Extension-replacementOf'))?.valueIdentifier).value,
    ) ?? null;
  const dispenses = entries.filter((r) => r.resourceType === 'MedicationDispense');
  if (!dispenses.length)
    return missing(
      'Bundle.entry.resource.ofType(MedicationDispense)',
      'The dispense notification has no MedicationDispense.',
    );
  let prescriptionId: string | undefined, nhsNumber: string | undefined;
  const lines: DispenseNotification['lines'] = [];
  for (const [k, md] of dispenses.entries()) {
    const at = `MedicationDispense[${k}]`;
    const ref = str(obj(arr(md.authorizingPrescription)[0]).reference);
    const contained = arr(md.contained);
    const mr = ref?.startsWith('#')
      ? contained.find((c) => c.resourceType === 'MedicationRequest' && `#${String(c.id)}` === ref)
      : entries.find(
          (r) =>
            r.resourceType === 'MedicationRequest' &&
            arr(bundle.entry).some((e) => e.fullUrl === ref && e.resource === r),
        );
    if (!mr)
      return missing(
        `${at}.authorizingPrescription`,
        'Each MedicationDispense needs the MedicationRequest it fulfils (authorizingPrescription).',
      );
    const group = obj(mr.groupIdentifier);
    const shortId = str(group.value);
    if (group.system !== PRESCRIPTION_ORDER_NUMBER || !shortId)
      return missing(
        `${at}.authorizingPrescription.groupIdentifier.value`,
        'The authorising MedicationRequest needs the short-form prescription ID.',
      );
    if (prescriptionId && prescriptionId.toUpperCase() !== shortId.toUpperCase())
      return invalid(
        `${at}.authorizingPrescription.groupIdentifier.value`,
        'Every MedicationDispense must belong to the same prescription.',
      );
    prescriptionId ??= shortId;
    const lineItemId = str(obj(arr(mr.identifier).find((i) => i.system === LINE_ITEM_NUMBER)).value);
    if (!lineItemId)
      return missing(
        `${at}.authorizingPrescription.identifier`,
        `The authorising MedicationRequest needs its line item ID (${LINE_ITEM_NUMBER}).`,
      );
    const status = str(obj(arr(obj(md.type).coding).find((c) => c.system === LINE_ITEM_STATUS_SYSTEM)).code);
    if (!status)
      return missing(
        `${at}.type.coding`,
        `Each MedicationDispense needs its line item status (${LINE_ITEM_STATUS_SYSTEM}).`,
      );
    const nhs = str(obj(obj(md.subject).identifier).value);
    if (!nhs) return missing(`${at}.subject.identifier.value`, 'Each MedicationDispense needs the patient NHS number.');
    if (nhsNumber && nhs !== nhsNumber)
      return invalid(`${at}.subject.identifier.value`, 'Every MedicationDispense must be for the same patient.');
    nhsNumber ??= nhs;
    if (lines.some((l) => l.lineItemId.toLowerCase() === lineItemId.toLowerCase()))
      return invalid(`${at}.authorizingPrescription.identifier`, `Line item ${lineItemId} appears twice.`);
    lines.push({ lineItemId, status });
  }
  return { notificationId, senderOds, replacementOf, prescriptionId: prescriptionId!, nhsNumber: nhsNumber!, lines };
}

interface TaskInput {
  dispenser: Dispenser;
  prescriptionId: string;
  nhsNumber: string;
  id: string;
  authoredOn: string;
}

/** Return: the dispenser hands the prescription back to Spine undispensed (Task status rejected). */
export function buildReturnTask(
  t: TaskInput & { reason: keyof typeof RETURN_REASONS; releaseResponseId?: string },
): Json {
  return {
    resourceType: 'Task',
    id: t.id,
    contained: [{ ...agentRole(t.dispenser), id: 'requester' }],
    identifier: [{ system: RFC4122, value: t.id }],
    status: 'rejected',
    statusReason: { coding: [{ system: RETURN_REASON_SYSTEM, code: t.reason, display: RETURN_REASONS[t.reason] }] },
    intent: 'order',
    code: {
      coding: [
        { system: 'http://hl7.org/fhir/CodeSystem/task-code', code: 'fulfill', display: 'Fulfill the focal request' },
      ],
    },
    groupIdentifier: { system: PRESCRIPTION_ORDER_NUMBER, value: t.prescriptionId },
    focus: { type: 'Bundle', identifier: { system: RFC4122, value: t.releaseResponseId ?? t.id } },
    for: { identifier: { system: NHS_NUMBER, value: t.nhsNumber } },
    authoredOn: t.authoredOn,
    requester: { reference: '#requester' },
    owner: { identifier: { system: ODS_CODE, value: t.dispenser.ods } },
    reasonCode: {
      coding: [{ system: 'http://snomed.info/sct', code: '33633005', display: 'Prescription of drug (procedure)' }],
    },
  };
}

/** Withdraw: undo the latest dispense notification, named by its Bundle identifier. */
export function buildWithdrawTask(
  t: TaskInput & { reason: keyof typeof WITHDRAW_REASONS; dispenseNotificationId: string },
): Json {
  return {
    resourceType: 'Task',
    id: t.id,
    extension: [
      {
        url: 'https://fhir.nhs.uk/StructureDefinition/Extension-Provenance-agent',
        valueReference: { identifier: { system: USER_ID, value: t.dispenser.userId } },
      },
    ],
    identifier: [{ system: RFC4122, value: t.id }],
    status: 'in-progress',
    statusReason: { coding: [{ system: WITHDRAW_REASON_SYSTEM, code: t.reason, display: WITHDRAW_REASONS[t.reason] }] },
    intent: 'order',
    code: {
      coding: [
        {
          system: 'http://hl7.org/fhir/CodeSystem/task-code',
          code: 'abort',
          display: 'Mark the focal resource as no longer active',
        },
      ],
    },
    groupIdentifier: { system: PRESCRIPTION_ORDER_NUMBER, value: t.prescriptionId },
    focus: { type: 'Bundle', identifier: { system: RFC4122, value: t.dispenseNotificationId } },
    for: { identifier: { system: NHS_NUMBER, value: t.nhsNumber } },
    authoredOn: t.authoredOn,
    owner: { identifier: { system: ODS_CODE, value: t.dispenser.ods } },
    reasonCode: { coding: [{ system: 'http://snomed.info/sct', code: '373784005', display: 'Dispensing medication' }] },
  };
}

type DispensingTask =
  | { kind: 'return'; prescriptionId: string; nhsNumber: string; ownerOds: string | null; reason: string }
  | {
      kind: 'withdraw';
      prescriptionId: string;
      nhsNumber: string;
      ownerOds: string | null;
      reason: string;
      dispenseNotificationId: string;
    };

/** A return (status rejected) or withdraw (status in-progress, code abort) Task, or the first problem. */
export function readDispensingTask(task: Json): DispensingTask | MessageProblem {
  const status = task.status;
  if (status !== 'rejected' && status !== 'in-progress')
    return invalid('Task.status', "Task.status must be one of: 'in-progress', 'rejected'.");
  const group = obj(task.groupIdentifier);
  const prescriptionId = str(group.value);
  if (group.system !== PRESCRIPTION_ORDER_NUMBER || !prescriptionId)
    return missing('Task.groupIdentifier.value', 'The Task needs the short-form prescription ID (groupIdentifier).');
  const nhsNumber = str(obj(obj(task.for).identifier).value);
  if (!nhsNumber) return missing('Task.for.identifier.value', 'The Task needs the patient NHS number (for).');
  const ownerOds = str(obj(obj(task.owner).identifier).value) ?? null;
  const reasonSystem = status === 'rejected' ? RETURN_REASON_SYSTEM : WITHDRAW_REASON_SYSTEM;
  const reason = arr(obj(task.statusReason).coding).find((c) => c.system === reasonSystem);
  const allowed: Readonly<Record<string, string>> = status === 'rejected' ? RETURN_REASONS : WITHDRAW_REASONS;
  if (!reason) return missing('Task.statusReason', `Task.statusReason must have a system of '${reasonSystem}'.`);
  if (typeof reason.code !== 'string' || !Object.hasOwn(allowed, reason.code))
    return invalid(
      'Task.statusReason.coding.code',
      `'${String(reason.code).slice(0, 20)}' is not a ${status === 'rejected' ? 'return' : 'withdraw'} reason.`,
    );
  if (status === 'rejected') return { kind: 'return', prescriptionId, nhsNumber, ownerOds, reason: reason.code };
  const code = arr(obj(task.code).coding)[0]?.code;
  if (code !== 'abort') return invalid('Task.code', "A withdraw Task (status in-progress) must have code 'abort'.");
  const dispenseNotificationId = str(obj(obj(task.focus).identifier).value);
  if (!dispenseNotificationId)
    return missing(
      'Task.focus.identifier.value',
      'A withdraw names the dispense notification it withdraws (focus.identifier).',
    );
  return { kind: 'withdraw', prescriptionId, nhsNumber, ownerOds, reason: reason.code, dispenseNotificationId };
}

export const isProblem = (v: unknown): v is MessageProblem =>
  !!v && typeof v === 'object' && 'expression' in v && 'code' in v && 'message' in v;
