// What a pharmacist needs to see of a released prescription-order Bundle: patient, prescriber,
// each line item with its quantity, dosage and status. Read leniently: a field EPS left out is
// null, never a crash, because the details of a prescription must stay viewable even when it is
// malformed or its signature is invalid (Dispensing SCAL 1.6.9).
import { LINE_ITEM_STATUS, type LineItemStatusCode } from '../../protocols/eps/status-codes';

type Json = Record<string, unknown>;
const arr = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]).filter((x) => x && typeof x === 'object') : []);
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

const ORDER_NUMBER = 'https://fhir.nhs.uk/Id/prescription-order-number';
const LINE_ITEM_NUMBER = 'https://fhir.nhs.uk/Id/prescription-order-item-number';
const NHS_NUMBER = 'https://fhir.nhs.uk/Id/nhs-number';
const ODS = 'https://fhir.nhs.uk/Id/ods-organization-code';
const DISPENSING_INFORMATION = 'https://fhir.nhs.uk/StructureDefinition/Extension-EPS-DispensingInformation';

interface ReleasedItem {
  lineId: string;
  medication: { code: string; display: string };
  quantity: { value: number; unit: string; code: string } | null;
  dosage: string | null;
  /** The line item status EPS released it with (0008 with dispenser, usually). */
  statusCode: LineItemStatusCode | null;
}

interface ReleasedPrescription {
  shortFormId: string;
  longFormId: string | null;
  bundleId: string | null;
  patient: { nhsNumber: string; name: string; birthDate: string | null; gender: string | null; address: string | null };
  prescriber: { name: string; userId: string | null; organisation: string; ods: string | null; telecom: string | null };
  items: ReleasedItem[];
}

const nameText = (names: unknown): string => {
  const n = obj(arr(names)[0]);
  const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
  return [...list(n.prefix), ...list(n.given), str(n.family) ?? ''].filter(Boolean).join(' ');
};
const identifier = (r: Json, system: string): string | null =>
  str(obj(arr(r.identifier).find((i) => i.system === system)).value);

/** The parts of a released prescription a pharmacist reads, or a message saying what is missing. */
export function readReleased(bundle: Json): ReleasedPrescription | { problem: string } {
  const entries = arr(bundle.entry);
  const byUrl = new Map(entries.map((e) => [String(e.fullUrl ?? ''), obj(e.resource)]));
  const resources = entries.map((e) => obj(e.resource));
  const mrs = resources.filter((r) => r.resourceType === 'MedicationRequest');
  if (!mrs.length) return { problem: 'The released prescription has no MedicationRequest.' };
  const group = obj(mrs[0]!.groupIdentifier);
  const shortFormId = group.system === ORDER_NUMBER ? str(group.value) : null;
  if (!shortFormId) return { problem: 'The released prescription has no prescription ID (groupIdentifier).' };
  const longFormId = str(obj(arr(group.extension)[0]?.valueIdentifier).value);
  const ref = (v: unknown): Json => byUrl.get(String(obj(v).reference ?? '')) ?? {};
  const patient = ref(mrs[0]!.subject);
  const address = obj(arr(patient.address)[0]);
  const role = ref(mrs[0]!.requester);
  const practitioner = ref(role.practitioner);
  const org = ref(role.organization);
  const items: ReleasedItem[] = mrs.map((mr) => {
    const coding = obj(arr(obj(mr.medicationCodeableConcept).coding)[0]);
    const q = obj(obj(mr.dispenseRequest).quantity);
    const info = arr(mr.extension).find((x) => x.url === DISPENSING_INFORMATION);
    const status = str(obj(arr(info?.extension).find((x) => x.url === 'dispenseStatus')?.valueCoding).code);
    return {
      lineId: identifier(mr, LINE_ITEM_NUMBER) ?? '',
      medication: {
        code: str(coding.code) ?? '',
        display: str(coding.display) ?? str(coding.code) ?? 'Unnamed medicine',
      },
      quantity:
        typeof q.value === 'number' ? { value: q.value, unit: str(q.unit) ?? '', code: str(q.code) ?? '' } : null,
      dosage:
        arr(mr.dosageInstruction)
          .map((d) => str(d.text))
          .filter(Boolean)
          .join('; ') || null,
      statusCode: status && Object.hasOwn(LINE_ITEM_STATUS, status) ? (status as LineItemStatusCode) : null,
    };
  });
  if (items.some((i) => !i.lineId))
    return { problem: 'A MedicationRequest of the released prescription has no line item ID.' };
  return {
    shortFormId,
    longFormId,
    bundleId: str(obj(bundle.identifier).value) ?? str(bundle.id),
    patient: {
      nhsNumber: identifier(patient, NHS_NUMBER) ?? '',
      name: nameText(patient.name) || 'Name not given',
      birthDate: str(patient.birthDate),
      gender: str(patient.gender),
      address:
        [...(Array.isArray(address.line) ? (address.line as unknown[]).map(String) : []), str(address.postalCode)]
          .filter(Boolean)
          .join(', ') || null,
    },
    prescriber: {
      name: nameText(practitioner.name) || 'Name not given',
      userId: identifier(practitioner, 'https://fhir.nhs.uk/Id/sds-user-id'),
      organisation: str(org.name) ?? 'Organisation not given',
      ods: identifier(org, ODS),
      telecom: str(obj(arr(role.telecom)[0]).value) ?? str(obj(arr(org.telecom)[0]).value),
    },
    items,
  };
}
