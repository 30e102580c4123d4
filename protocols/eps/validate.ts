// EPS-like validation of a prescription-order Bundle (eps.md §1.7, §3, §4): what EPS's coordinator
// and Spine would refuse, found before sending, each issue naming the field (FHIRPath-like
// `expression`) with the EPS code. The client runs it before `$prepare`; the sandbox on receipt.
import { isValidNhsNumber } from '../ids/nhs-number';
import { isLongFormId, isValidShortFormId } from '../ids/prescription-id';
import { epsIssue, type OperationOutcomeIssue } from '../fhir/operation-outcome';
import { arr, obj, type Json } from '../fhir/json';

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

const SNOMED = 'http://snomed.info/sct';
const EXT = 'https://fhir.nhs.uk/StructureDefinition/';

/** Prescription type codes seen working in EPS (eps.md §4.1). */
export const PRESCRIPTION_TYPES: Readonly<Record<string, string>> = {
  '0101': 'Primary Care Prescriber - Medical Prescriber',
  '0104': 'Primary Care Prescriber - Nurse Independent/Supplementary prescriber',
  '0105': 'Primary Care Prescriber - Community Practitioner Nurse prescriber',
  '0108': 'Primary Care Prescriber - Pharmacist Independent/Supplementary prescriber',
  '0125': 'Primary Care Prescriber - Paramedic Independent/Supplementary prescriber',
  '1001': 'Outpatient Community Prescriber - Medical Prescriber',
  '1004': 'Outpatient Community Prescriber - Nurse Independent/Supplementary prescriber',
  '1005': 'Outpatient Community Prescriber - Community Practitioner Nurse prescriber',
  '1008': 'Outpatient Community Prescriber - Pharmacist Independent/Supplementary prescriber',
  '1025': 'Outpatient Community Prescriber - Paramedic Independent Supplementary prescriber',
  '1201': 'Outpatient Homecare Prescriber - Medical Prescriber',
};

/**
 * Types EPS does not take, with their displays, from the EPS API repository's "Test Pack - Script
 * Types - Not Allowed" (packages/tool/e2e-tests/test-packs): named in the refusal so the prescriber
 * knows which paper form applies. Not a complete list; any type missing from PRESCRIPTION_TYPES is refused.
 */
export const NOT_ALLOWED_PRESCRIPTION_TYPES: Readonly<Record<string, string>> = {
  '0001': 'General Practitioner Prescribing',
  '0004': 'Hospital Prescribing',
  '0006': 'Dental Prescribing',
  '0123': 'Primary Care Prescriber - Hospital prescriber',
  '0406': 'Hospital Prescribing - Hospital Prescriber',
  '1101': 'Outpatient Hospital Pharmacy Prescriber - Medical Prescriber',
};

/** courseOfTherapyType → HL7 PrescriptionTreatmentType (eps.md §4.2). */
const TREATMENT_TYPES: Readonly<Record<string, string>> = {
  acute: '0001',
  continuous: '0002',
  'continuous-repeat-dispensing': '0003',
};
const PERFORMER_SITE_TYPES = ['P1', 'P2', 'P3', '0004'] as const;
const INTENTS = ['order', 'original-order', 'instance-order'];
const SCTID = /^[1-9]\d{5,17}$/;
const ODS = /^[A-Z0-9]{3,6}$/;

const ext = (r: Json, name: string): Json | undefined => arr(r.extension).find((e) => str(e.url) === EXT + name);
const course = (mr: Json): string | undefined => str(arr(obj(mr.courseOfTherapyType).coding)[0]?.code);

/** All issues found (empty = valid). Expressions index MedicationRequests in Bundle order. */
export function validatePrescriptionOrder(bundle: Json): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  const bad = (code: Parameters<typeof epsIssue>[0], text: string, expr: string, type = 'value') =>
    issues.push(epsIssue(code, text, expr, type));
  if (bundle.resourceType !== 'Bundle' || bundle.type !== 'message')
    bad('INVALID_VALUE', 'The message must be a FHIR Bundle of type "message".', 'Bundle.type', 'invalid');
  const resources = arr(bundle.entry).map((e) => obj(e.resource));
  const header = resources.find((r) => r.resourceType === 'MessageHeader');
  if (!header)
    bad('MISSING_VALUE', 'The Bundle has no MessageHeader.', 'Bundle.entry.resource.ofType(MessageHeader)', 'required');
  const mrs = resources.filter((r) => r.resourceType === 'MedicationRequest');
  if (!mrs.length) {
    bad(
      'MISSING_VALUE',
      'The prescription has no medication.',
      'Bundle.entry.resource.ofType(MedicationRequest)',
      'required',
    );
    return issues;
  }
  const first = mrs[0]!;
  /** The resource whose fullUrl a reference names (as EPS resolves references), or {}. */
  const resolve = (ref: unknown): Json =>
    obj(
      arr(bundle.entry)
        .map(obj)
        .find((e) => e.fullUrl === str(ref))?.resource,
    );
  const at = (i: number, path: string) => `Bundle.entry.resource.ofType(MedicationRequest)[${i}].${path}`;

  // Fields every line item must share (bundle-validator.ts).
  const shared: Array<[string, (mr: Json) => unknown]> = [
    ['groupIdentifier', (m) => m.groupIdentifier],
    ['category', (m) => m.category],
    ['authoredOn', (m) => m.authoredOn],
    ['subject', (m) => m.subject],
    ['requester', (m) => m.requester],
    ['dispenseRequest.performer', (m) => obj(m.dispenseRequest).performer],
    ['dispenseRequest.validityPeriod', (m) => obj(m.dispenseRequest).validityPeriod],
    ['dispenseRequest.expectedSupplyDuration', (m) => obj(m.dispenseRequest).expectedSupplyDuration],
    [
      'dispenseRequest.extension("Extension-DM-PerformerSiteType")',
      (m) => ext(obj(m.dispenseRequest), 'Extension-DM-PerformerSiteType'),
    ],
    ['extension("Extension-DM-PrescriptionType")', (m) => ext(m, 'Extension-DM-PrescriptionType')],
    ['extension("Extension-DM-ResponsiblePractitioner")', (m) => ext(m, 'Extension-DM-ResponsiblePractitioner')],
  ];
  for (const [path, get] of shared)
    mrs.forEach((mr, i) => {
      if (i > 0 && !same(get(mr), get(first)))
        bad('INVALID_VALUE', `${path} must be the same on every line item.`, at(i, path));
    });

  // Prescription IDs.
  const group = obj(first.groupIdentifier);
  const shortId = str(group.value);
  if (!shortId)
    bad('MISSING_VALUE', 'The prescription has no short-form ID.', at(0, 'groupIdentifier.value'), 'required');
  else if (!isValidShortFormId(shortId))
    bad('FAILURE_TO_PROCESS_MESSAGE', 'prescriptionID has invalid checksum', at(0, 'groupIdentifier.value'));
  const longId = str(
    obj(arr(group.extension).find((e) => str(e.url) === EXT + 'Extension-DM-PrescriptionId')?.valueIdentifier).value,
  );
  if (!longId || !isLongFormId(longId))
    bad(
      'MISSING_VALUE',
      'The prescription has no long-form ID (a UUID).',
      at(0, 'groupIdentifier.extension("Extension-DM-PrescriptionId")'),
      'required',
    );

  // Patient.
  const patientRef = str(obj(first.subject).reference);
  const patient = arr(bundle.entry)
    .map(obj)
    .find((e) => e.fullUrl === patientRef)?.resource as Json | undefined;
  const nhs = str(arr(patient?.identifier).find((i) => i.system === 'https://fhir.nhs.uk/Id/nhs-number')?.value);
  if (!patient) bad('MISSING_VALUE', 'The patient is not in the Bundle.', at(0, 'subject'), 'required');
  else if (!nhs) bad('MISSING_VALUE', 'The patient has no NHS number.', 'Patient.identifier', 'required');
  else if (!isValidNhsNumber(nhs)) bad('FAILURE_TO_PROCESS_MESSAGE', 'invalid NHS number', 'Patient.identifier.value');

  // Prescriber: GMP numbers are refused.
  for (const p of resources.filter((r) => r.resourceType === 'Practitioner'))
    if (arr(p.identifier).some((i) => str(i.system)?.endsWith('/gmp-number')))
      bad(
        'INVALID_VALUE',
        'A GMP number is not accepted; use the GMC number.',
        'Practitioner.identifier',
        'business-rule',
      );

  // Prescription type.
  const ptype = str(obj(ext(first, 'Extension-DM-PrescriptionType')?.valueCoding).code);
  if (!ptype)
    bad(
      'MISSING_VALUE',
      'The prescription type is missing.',
      at(0, 'extension("Extension-DM-PrescriptionType")'),
      'required',
    );
  else if (!PRESCRIPTION_TYPES[ptype])
    bad(
      'INVALID_VALUE',
      `Prescription type ${ptype} is not accepted.`,
      at(0, 'extension("Extension-DM-PrescriptionType").valueCoding.code'),
    );

  // Primary care (types 01xx): the requester's organisation must be part of another (its provider licence), and no HealthcareService (bundle-validator.ts checkPrimaryCarePrescriptionResources).
  const requester = resolve(obj(first.requester).reference);
  if (ptype?.startsWith('01') && requester.healthcareService !== undefined)
    bad(
      'INVALID_VALUE',
      "A primary care prescriber's PractitionerRole must not name a HealthcareService.",
      'PractitionerRole.healthcareService',
    );
  else if (
    ptype?.startsWith('01') &&
    obj(requester.organization).reference &&
    !resolve(obj(requester.organization).reference).partOf
  )
    bad(
      'MISSING_VALUE',
      "A primary care prescriber's Organization needs partOf (the organisation it belongs to).",
      'Organization.partOf',
      'required',
    );

  // Treatment type (mixed is only acute + continuous).
  const courses = new Set(mrs.map(course));
  mrs.forEach((mr, i) => {
    const c = course(mr);
    if (!c || !TREATMENT_TYPES[c])
      bad(
        c ? 'INVALID_VALUE' : 'MISSING_VALUE',
        `Treatment type "${c ?? ''}" is not acute, continuous or continuous-repeat-dispensing.`,
        at(i, 'courseOfTherapyType.coding.code'),
      );
  });
  if (courses.size > 1 && !(courses.size === 2 && courses.has('acute') && courses.has('continuous')))
    bad('INVALID_VALUE', 'Only acute and continuous line items may be mixed.', at(0, 'courseOfTherapyType'));
  const erd = courses.has('continuous-repeat-dispensing');

  // Nominated pharmacy.
  const dr0 = obj(first.dispenseRequest);
  const site = str(obj(ext(dr0, 'Extension-DM-PerformerSiteType')?.valueCoding).code);
  if (!site || !(PERFORMER_SITE_TYPES as readonly string[]).includes(site))
    bad(
      site ? 'INVALID_VALUE' : 'MISSING_VALUE',
      'The dispensing site preference must be P1, P2, P3 or 0004.',
      at(0, 'dispenseRequest.extension("Extension-DM-PerformerSiteType")'),
    );
  const ods = str(obj(obj(dr0.performer).identifier).value);
  if (site && site !== '0004' && !ods)
    bad(
      'MISSING_VALUE',
      'A nominated prescription needs the pharmacy ODS code.',
      at(0, 'dispenseRequest.performer.identifier.value'),
      'required',
    );
  if (ods !== undefined && !ODS.test(ods))
    bad('INVALID_VALUE', `"${ods}" is not an ODS code.`, at(0, 'dispenseRequest.performer.identifier.value'));

  const lineIds = new Set<string>();
  mrs.forEach((mr, i) => {
    if (mr.status !== 'active') bad('INVALID_VALUE', 'status must be "active".', at(i, 'status'));
    if (!INTENTS.includes(str(mr.intent) ?? ''))
      bad('INVALID_VALUE', 'intent must be order, original-order or instance-order.', at(i, 'intent'));
    const lineId = str(
      arr(mr.identifier).find((x) => x.system === 'https://fhir.nhs.uk/Id/prescription-order-item-number')?.value,
    );
    if (!lineId || !isLongFormId(lineId))
      bad('MISSING_VALUE', 'The line item has no UUID.', at(i, 'identifier'), 'required');
    else if (lineIds.has(lineId.toLowerCase()))
      bad('INVALID_VALUE', 'Line item identifiers must be unique.', at(i, 'identifier'));
    else lineIds.add(lineId.toLowerCase());
    // dm+d: medicationCodeableConcept, or medicationReference to a Medication in the Bundle, not both (bundle-validator.ts).
    if (mr.medicationCodeableConcept && mr.medicationReference)
      bad(
        'INVALID_VALUE',
        'Give the medicine as medicationCodeableConcept or medicationReference, not both.',
        at(i, 'medicationReference'),
      );
    const byRef = !mr.medicationCodeableConcept && mr.medicationReference;
    const medicine = byRef ? resolve(obj(mr.medicationReference).reference) : undefined;
    const codePath = byRef ? 'medicationReference' : 'medicationCodeableConcept.coding';
    const med = arr(obj(byRef ? medicine!.code : mr.medicationCodeableConcept).coding).find((c) => c.system === SNOMED);
    if (byRef && medicine!.resourceType !== 'Medication')
      bad(
        'MISSING_VALUE',
        'The medicationReference is not a Medication in the Bundle.',
        at(i, 'medicationReference'),
        'required',
      );
    else if (!med || !str(med.code))
      bad('MISSING_VALUE', 'The medicine needs a dm+d code.', at(i, codePath), 'required');
    else if (!SCTID.test(str(med.code)!))
      bad('INVALID_VALUE', `"${str(med.code)}" is not a dm+d code.`, at(i, `${codePath}${byRef ? '' : '.code'}`));
    // Quantity: positive, at most 2 decimals, with a dm+d unit.
    const dr = obj(mr.dispenseRequest);
    const q = obj(dr.quantity);
    if (typeof q.value !== 'number' || !(q.value > 0))
      bad(
        'MISSING_VALUE',
        'The quantity must be a number above zero.',
        at(i, 'dispenseRequest.quantity.value'),
        'required',
      );
    else if (!/^\d+(\.\d{1,2})?$/.test(String(q.value)))
      bad('INVALID_VALUE', 'The quantity may have at most 2 decimal places.', at(i, 'dispenseRequest.quantity.value'));
    if (q.system !== SNOMED || !SCTID.test(str(q.code) ?? '') || !str(q.unit))
      bad(
        'MISSING_VALUE',
        'The quantity needs a dm+d unit of measure (code and unit).',
        at(i, 'dispenseRequest.quantity.code'),
        'required',
      );
    // Dosage
    const dosages = arr(mr.dosageInstruction);
    if (!dosages.length || dosages.some((d) => !str(d.text)))
      bad(
        'MISSING_VALUE',
        'Each line item needs dosage instructions text.',
        at(i, 'dosageInstruction.text'),
        'required',
      );
    if (dosages.length > 1 && dosages.some((d) => typeof d.sequence !== 'number'))
      bad(
        'MISSING_VALUE',
        'With more than one dosage instruction each needs a sequence.',
        at(i, 'dosageInstruction.sequence'),
        'required',
      );
    // Repeat dispensing numbers.
    if (erd) {
      const n = dr.numberOfRepeatsAllowed;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0)
        bad(
          'MISSING_VALUE',
          'Repeat dispensing needs numberOfRepeatsAllowed (issues minus 1).',
          at(i, 'dispenseRequest.numberOfRepeatsAllowed'),
          'required',
        );
      else if (i > 0 && n !== obj(first.dispenseRequest).numberOfRepeatsAllowed)
        bad(
          'INVALID_VALUE',
          'numberOfRepeatsAllowed must be the same on every line item.',
          at(i, 'dispenseRequest.numberOfRepeatsAllowed'),
        );
      if (!obj(dr.validityPeriod).start)
        bad(
          'MISSING_VALUE',
          'Repeat dispensing needs a validity period.',
          at(i, 'dispenseRequest.validityPeriod'),
          'required',
        );
      const dur = obj(dr.expectedSupplyDuration);
      if (typeof dur.value !== 'number' || dur.code !== 'd')
        bad(
          'MISSING_VALUE',
          'Repeat dispensing needs an expected supply duration in days.',
          at(i, 'dispenseRequest.expectedSupplyDuration'),
          'required',
        );
    }
    // Controlled drugs: schedule 2 and 3 need the quantity in words.
    const cd = ext(mr, 'Extension-DM-ControlledDrug');
    if (cd) {
      const schedule = str(obj(arr(cd.extension).find((x) => x.url === 'schedule')?.valueCoding).code);
      const words = str(arr(cd.extension).find((x) => x.url === 'quantityWords')?.valueString);
      if ((schedule === 'CD2' || schedule === 'CD3') && !words?.trim())
        bad(
          'MISSING_VALUE',
          'A Schedule 2 or 3 controlled drug needs the quantity in words.',
          at(i, 'extension("Extension-DM-ControlledDrug").extension("quantityWords")'),
          'required',
        );
    }
  });
  return issues;
}
