// What a prescriber signs: the HL7 v3 FragmentsToBeHashed that EPS derives from a FHIR
// prescription-order Bundle (eps.md §2.3): the author's time and the prescription's long-form ID,
// the author AgentPerson, the patient (recordTarget) and each line item without repeatNumber/low and
// status — canonicalised, hashed, and wrapped in the XML-DSig SignedInfo whose base64 is `$prepare`'s
// `digest`. Pure: the hashing function is passed in.
import { canonicalize, el, type XmlElement } from '../xml/canonical';
import { arr, obj, type Json } from '../fhir/json';

const HL7 = 'urn:hl7-org:v3';
const SDS_ROLE = '1.2.826.0.1285.0.2.0.67',
  JOB_ROLE = '1.2.826.0.1285.0.2.1.104',
  PROF = '1.2.826.0.1285.0.2.1.54',
  ODS = '1.2.826.0.1285.0.1.10';
const SCT = '2.16.840.1.113883.2.1.3.2.4.15',
  ORG_TYPE = '2.16.840.1.113883.2.1.3.2.4.17.94',
  OBS = '2.16.840.1.113883.2.1.3.2.4.17.30';

export class FragmentError extends Error {
  constructor(
    message: string,
    readonly expression?: string,
  ) {
    super(message);
  }
}

const str = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;

function resources(bundle: Json): Json[] {
  return arr(bundle.entry).map((e) => obj(e.resource));
}

function byReference(bundle: Json, ref: string | undefined): Json | undefined {
  if (!ref) return undefined;
  const entry = arr(bundle.entry).find(
    (e) => e.fullUrl === ref || `${String(obj(e.resource).resourceType)}/${String(obj(e.resource).id)}` === ref,
  );
  return entry ? obj(entry.resource) : undefined;
}

function identifier(r: Json, system: string): string | undefined {
  return str(arr(r.identifier).find((i) => i.system === system)?.value);
}

/** `2024-12-09T11:50:04+00:00` → `20241209115004` (UTC). */
export function hl7Time(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) throw new FragmentError(`"${iso}" is not a date and time`);
  return d.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

// EPS's demographics.ts (convertTelecomUse, convertAddressUse, convertNameUse, convertGender): each
// element keeps its own use, none when it has none, and a value it does not know is refused.
// Maps, not object keys, so "constructor" and the like are refused too.
const TELECOM_USE = new Map([
  ['home', 'HP'],
  ['work', 'WP'],
  ['temp', 'HV'],
  ['mobile', 'MC'],
]);
const ADDRESS_USE = new Map([
  ['home', 'H'],
  ['work', 'WP'],
  ['temp', 'TMP'],
  ['billing', 'PST'],
]);
const NAME_USE = new Map([
  ['usual', 'L'],
  ['official', 'L'],
  ['temp', 'A'],
  ['anonymous', 'A'],
  ['nickname', 'PREFERRED'],
  ['old', 'PREVIOUS'],
  ['maiden', 'PREVIOUS-MAIDEN'],
]);
const GENDER = new Map([
  ['male', '1'],
  ['female', '2'],
  ['other', '9'],
  ['unknown', '0'],
]);

function coded(codes: Map<string, string>, value: unknown, what: string, expression: string): string {
  const code = typeof value === 'string' ? codes.get(value) : undefined;
  if (code === undefined) throw new FragmentError(`Unhandled ${what} '${String(value).slice(0, 40)}'.`, expression);
  return code;
}

const useOf = (codes: Map<string, string>, x: Json, what: string, expression: string): Record<string, string> =>
  x.use === undefined ? {} : { use: coded(codes, x.use, what, `${expression}.use`) };

/** EPS convertTelecom: whitespace removed, `tel:` added unless there. */
function telecom(cp: Json | undefined, expression: string): XmlElement | null {
  if (!cp) return null;
  const value = str(cp.value)?.replace(/\s/g, '');
  return el('telecom', {
    ...useOf(TELECOM_USE, cp, 'telecom use', expression),
    ...(value !== undefined ? { value: value.startsWith('tel:') ? value : `tel:${value}` } : {}),
  });
}

function address(a: Json | undefined, expression: string): XmlElement | null {
  if (!a) return null;
  const lines = [...arr(a.line).map((l) => String(l)), str(a.city), str(a.district), str(a.state)].filter(
    (x): x is string => !!x,
  );
  return el(
    'addr',
    useOf(ADDRESS_USE, a, 'address use', expression),
    ...lines.map((l) => el('streetAddressLine', {}, l)),
    str(a.postalCode) ? el('postalCode', {}, str(a.postalCode)!) : null,
  );
}

/** EPS convertName: use, the text only when there are no parts, then prefix, given, family, suffix. */
function name(n: Json, expression: string): XmlElement {
  const parts = ['prefix', 'given', 'family', 'suffix'] as const;
  const structured = parts.some((p) => !!n[p]);
  return el(
    'name',
    useOf(NAME_USE, n, 'name use', expression),
    !structured && str(n.text) ? str(n.text)! : null,
    ...parts.flatMap((p) =>
      (p === 'family' ? (str(n.family) ? [str(n.family)!] : []) : arr(n[p]).map((x) => String(x))).map((x) =>
        el(p, {}, x),
      ),
    ),
  );
}

/** The one item of a list EPS reads with onlyElement, or a FragmentError naming the field. */
function only(items: unknown, expression: string): Json {
  const list = arr(items);
  if (list.length !== 1)
    throw new FragmentError(`Expected exactly one ${expression}, found ${list.length}.`, expression);
  return list[0]!;
}

/** EPS practitioner.ts getAgentPersonPersonIdForAuthor: exactly one GMC (without a leading C), GMP, NMC, GPhC, HCPC or professional code. */
function professionalCode(practitioner: Json): string {
  const systems = ['gmc-number', 'gmp-number', 'nmc-number', 'gphc-number', 'hcpc-number', 'professional-code'];
  const codes = systems.flatMap((s) =>
    arr(practitioner.identifier)
      .filter((i) => i.system === `https://fhir.hl7.org.uk/Id/${s}`)
      .map((i) => str(i.value) ?? '')
      .map((v) => (s === 'gmc-number' && v.toUpperCase().startsWith('C') ? v.slice(1) : v)),
  );
  if (codes.length !== 1)
    throw new FragmentError(
      `Expected exactly one professional code (GMC, GMP, NMC, GPhC, HCPC or professional code), found ${codes.length}.`,
      'Practitioner.identifier',
    );
  return codes[0]!;
}

/** EPS practitioner.ts getAgentPersonTelecom: every PractitionerRole telecom, else the Practitioner's (or, with
 *  no Practitioner resource, the Organization's); none is refused. A cancellation (cancel/cancellation.ts
 *  getAgentPersonTelecom) never falls back to the Organization and refuses nothing. */
function agentTelecoms(role: Json, practitioner: Json | undefined, org: Json, cancel = false): XmlElement[] {
  const [list, path] =
    role.telecom !== undefined
      ? [role.telecom, 'PractitionerRole.telecom']
      : practitioner
        ? [practitioner.telecom, 'Practitioner.telecom']
        : [cancel ? [] : org.telecom, 'Organization.telecom'];
  if (list === undefined && cancel) return [];
  if (list === undefined)
    throw new FragmentError('The prescriber must have at least one telecom.', 'PractitionerRole.telecom');
  return arr(list).map((t) => telecom(t, path)!);
}

function odsCode(r: Json, expression: string): string {
  const ods = identifier(r, 'https://fhir.nhs.uk/Id/ods-organization-code');
  if (!ods) throw new FragmentError('The organisation has no ODS code.', expression);
  return ods;
}

/** EPS organization.ts convertHealthCareProviderLicense: the parent (partOf), else the organisation itself. */
function providerLicence(bundle: Json, org: Json): XmlElement {
  const partOf = obj(org.partOf);
  const parent = str(partOf.reference)
    ? (byReference(bundle, str(partOf.reference)) ?? {})
    : org.partOf
      ? { identifier: [obj(partOf.identifier)], name: partOf.display }
      : org;
  const path = org.partOf ? 'Organization.partOf' : 'Organization';
  const ods = odsCode(parent, `${path}.identifier`);
  if (!str(parent.name))
    throw new FragmentError(
      'The organisation this one is part of has no name.',
      org.partOf ? 'Organization.partOf.display' : 'Organization.name',
    );
  return el(
    'healthCareProviderLicense',
    { classCode: 'PROV' },
    el(
      'Organization',
      { classCode: 'ORG', determinerCode: 'INSTANCE' },
      el('id', { extension: ods, root: ODS }),
      el('code', { code: '999', codeSystem: ORG_TYPE }),
      el('name', {}, str(parent.name)!),
    ),
  );
}

/** EPS organization.ts convertRepresentedOrganization: the HealthcareService as cost centre when the role names one, else the Organization. */
function representedOrganization(bundle: Json, role: Json, org: Json, withLicence: boolean): XmlElement {
  const serviceRef = arr(role.healthcareService)[0];
  let centre = org,
    type = 'Organization',
    addr: Json | undefined,
    addrPath = 'Organization.address';
  if (serviceRef) {
    const service = byReference(bundle, str(serviceRef.reference));
    if (!service || service.resourceType !== 'HealthcareService')
      throw new FragmentError('The HealthcareService is not in the Bundle.', 'PractitionerRole.healthcareService');
    const location = byReference(bundle, str(only(service.location, 'HealthcareService.location').reference));
    if (!location || !location.address)
      throw new FragmentError("The HealthcareService's Location has no address.", 'Location.address');
    [centre, type, addr, addrPath] = [service, 'HealthcareService', obj(location.address), 'Location.address'];
  } else addr = only(org.address, 'Organization.address');
  if (!str(centre.name)) throw new FragmentError(`The ${type} has no name.`, `${type}.name`);
  return el(
    'representedOrganization',
    { classCode: 'ORG', determinerCode: 'INSTANCE' },
    el('id', { extension: odsCode(centre, `${type}.identifier`), root: ODS }),
    el('code', { code: '999', codeSystem: ORG_TYPE }),
    el('name', {}, str(centre.name)!),
    telecom(only(centre.telecom, `${type}.telecom`), `${type}.telecom`),
    address(addr, addrPath),
    withLicence ? providerLicence(bundle, org) : null,
  );
}

/** EPS job-role-code.ts getJobRoleCodeOrName: the one SDS job role code, else the one job role name coding. */
function jobRoleCode(role: Json): string {
  const codings = arr(role.code).flatMap((c) => arr(c.coding));
  for (const system of [
    'https://fhir.nhs.uk/CodeSystem/NHSDigital-SDS-JobRoleCode',
    'https://fhir.hl7.org.uk/CodeSystem/UKCore-SDSJobRoleName',
  ]) {
    const found = codings.filter((c) => c.system === system);
    if (found.length > 1) throw new FragmentError(`More than one ${system} coding.`, 'PractitionerRole.code.coding');
    if (found.length) return str(found[0]!.code) ?? '';
  }
  throw new FragmentError('The PractitionerRole needs an SDS job role code.', 'PractitionerRole.code');
}

/** The AgentPerson for a PractitionerRole (EPS practitioner.ts convertPractitionerRole). The person's id
 *  is the author's professional code; a responsible party or canceller has its own (set by protocols/hl7v3),
 *  and a cancellation no provider licence. */
function agentPerson(bundle: Json, role: Json, use: 'author' | 'responsible' | 'cancel' = 'author'): XmlElement {
  const practitionerResource = byReference(bundle, str(obj(role.practitioner).reference));
  const practitioner = practitionerResource ?? {};
  const org = byReference(bundle, str(obj(role.organization).reference)) ?? {};
  const job = role.code === undefined ? undefined : jobRoleCode(role);
  const roleId = identifier(role, 'https://fhir.nhs.uk/Id/sds-role-profile-id');
  if (!roleId) throw new FragmentError('The requester has no SDS role profile ID.', 'PractitionerRole.identifier');
  const names = practitioner.name === undefined ? [] : [only(practitioner.name, 'Practitioner.name')];
  return el(
    'AgentPerson',
    { xmlns: HL7, classCode: 'AGNT' },
    el('id', { extension: roleId, root: SDS_ROLE }),
    job !== undefined ? el('code', { code: job, codeSystem: JOB_ROLE }) : null,
    ...agentTelecoms(role, practitionerResource, org, use === 'cancel'),
    el(
      'agentPerson',
      { classCode: 'PSN', determinerCode: 'INSTANCE' },
      use === 'author' ? el('id', { extension: professionalCode(practitioner), root: PROF }) : null,
      ...names.map((n) => name(n, 'Practitioner.name')),
    ),
    representedOrganization(bundle, role, org, use !== 'cancel'),
  );
}

const UNKNOWN_GP = 'V81999'; // EPS translation/common UNKNOWN_GP_ODS_CODE, used when the patient has no GP

function recordTarget(patient: Json): XmlElement {
  const nhs = identifier(patient, 'https://fhir.nhs.uk/Id/nhs-number');
  if (!nhs) throw new FragmentError('The patient has no NHS number.', 'Patient.identifier');
  // EPS patient.ts convertPatient: every address, telecom and name; the one GP, else V81999.
  const gps = arr(patient.generalPractitioner);
  const gp = gps.length ? str(obj(only(gps, 'Patient.generalPractitioner').identifier).value) : UNKNOWN_GP;
  if (!gp) throw new FragmentError("The patient's GP has no ODS code.", 'Patient.generalPractitioner.identifier.value');
  return el(
    'recordTarget',
    { xmlns: HL7, typeCode: 'RCT' },
    el(
      'Patient',
      { classCode: 'PAT' },
      el('id', { extension: nhs, root: '2.16.840.1.113883.2.1.4.1' }),
      ...arr(patient.address).map((a) => address(a, 'Patient.address')),
      ...arr(patient.telecom).map((t) => telecom(t, 'Patient.telecom')),
      el(
        'patientPerson',
        { classCode: 'PSN', determinerCode: 'INSTANCE' },
        ...arr(patient.name).map((n) => name(n, 'Patient.name')),
        el('administrativeGenderCode', {
          code: coded(GENDER, patient.gender, 'gender', 'Patient.gender'),
          codeSystem: '2.16.840.1.113883.2.1.3.2.4.16.25',
        }),
        el('birthTime', { value: (str(patient.birthDate) ?? '').replace(/-/g, '') }),
        el(
          'playedProviderPatient',
          { classCode: 'PAT' },
          el(
            'subjectOf',
            { typeCode: 'SBJ' },
            el(
              'patientCareProvision',
              { classCode: 'PCPR', moodCode: 'EVN' },
              el('code', { code: '1', codeSystem: '2.16.840.1.113883.2.1.3.2.4.17.37' }),
              el(
                'responsibleParty',
                { typeCode: 'RESP' },
                el('healthCareProvider', { classCode: 'PROV' }, el('id', { extension: gp, root: ODS })),
              ),
            ),
          ),
        ),
      ),
    ),
  );
}

/** Dosage texts: same sequence joined ", and ", sequences joined ", then " (EPS's rule). */
export function dosageText(dosages: Json[]): string {
  const groups = new Map<number, string[]>();
  for (const d of dosages) {
    const seq = typeof d.sequence === 'number' ? d.sequence : 0;
    groups.set(seq, [...(groups.get(seq) ?? []), str(d.text) ?? '']);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, t]) => t.join(', and '))
    .join(', then ');
}

function courseCode(mr: Json): string | undefined {
  return str(arr(obj(mr.courseOfTherapyType).coding)[0]?.code);
}

/** xml-js js2xml's text escaping (lib/js2xml.js writeText): "&amp;" back to "&", then & < > escaped. */
function js2xmlText(s: string): string {
  return s.replace(/&amp;/g, '&').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const TREATMENT_TYPES = new Set(['acute', 'continuous', 'continuous-repeat-dispensing']);

/** EPS course-of-therapy-type.ts getCourseOfTherapyTypeCode: one course for all, or acute + continuous counted as acute. */
function treatmentCourse(mrs: Json[]): string {
  const codes = new Set(mrs.flatMap((mr) => arr(obj(mr.courseOfTherapyType).coding).map((c) => str(c.code) ?? '')));
  if (codes.size === 2 && codes.has('acute') && codes.has('continuous')) return 'acute';
  const only = codes.size === 1 ? [...codes][0]! : undefined;
  if (!only || !TREATMENT_TYPES.has(only))
    throw new FragmentError(
      "The course of therapy must be the same on every MedicationRequest (or a mix of 'acute' and 'continuous') and one of acute, continuous, continuous-repeat-dispensing.",
      'MedicationRequest.courseOfTherapyType.coding',
    );
  return only;
}

/** EPS prescription.ts convertRepeatNumber: every line item's repeatNumber/high — continuous 1 (whatever
 *  numberOfRepeatsAllowed says), repeat dispensing the first item's numberOfRepeatsAllowed + 1, acute none. */
function repeatHigh(mrs: Json[]): string | null {
  const course = treatmentCourse(mrs);
  if (course === 'continuous') return '1';
  if (course !== 'continuous-repeat-dispensing') return null;
  const n = obj(mrs[0]!.dispenseRequest).numberOfRepeatsAllowed;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0)
    throw new FragmentError(
      'Number of repeats allowed is required.',
      'MedicationRequest.dispenseRequest.numberOfRepeatsAllowed',
    );
  return String(n + 1);
}

/** EPS common getMedicationCoding: the one SNOMED CT coding of medicationCodeableConcept, else of the referenced Medication's code. */
function medicationCoding(bundle: Json, mr: Json): Json {
  let codings = arr(obj(mr.medicationCodeableConcept).coding),
    expression = 'MedicationRequest.medicationCodeableConcept.coding';
  if (!mr.medicationCodeableConcept) {
    const med = byReference(bundle, str(obj(mr.medicationReference).reference));
    if (!med || med.resourceType !== 'Medication')
      throw new FragmentError(
        'The medicine is not a Medication in the Bundle.',
        'MedicationRequest.medicationReference',
      );
    [codings, expression] = [arr(obj(med.code).coding), 'Medication.code.coding'];
  }
  const sct = codings.filter((c) => c.system === 'http://snomed.info/sct');
  if (sct.length !== 1)
    throw new FragmentError(`The medicine needs exactly one SNOMED CT (dm+d) coding, found ${sct.length}.`, expression);
  return sct[0]!;
}

function lineItem(bundle: Json, mr: Json, first: boolean, repeatNumberHigh: string | null): XmlElement {
  const lineId = identifier(mr, 'https://fhir.nhs.uk/Id/prescription-order-item-number');
  if (!lineId)
    throw new FragmentError(
      'A MedicationRequest has no prescription-order-item-number.',
      'MedicationRequest.identifier',
    );
  const med = medicationCoding(bundle, mr);
  const dr = obj(mr.dispenseRequest);
  const qty = obj(dr.quantity);
  const extensions = arr(mr.extension);
  const endorsements = extensions
    .filter((e) => str(e.url)?.endsWith('Extension-DM-PrescriptionEndorsement'))
    .flatMap((e) => arr(obj(e.valueCodeableConcept).coding));
  const cd = extensions.find((e) => str(e.url)?.endsWith('Extension-DM-ControlledDrug'));
  const words = cd ? str(arr(cd.extension).find((x) => x.url === 'quantityWords')?.valueString) : undefined;
  // EPS line-item.ts convertAdditionalInstructions (first item only: prescription.ts extractMedicationListText,
  // extractPatientInfoText): the List entries every CommunicationRequest payload references, then its
  // texts, then "CD: words" and the one note — written by xml-js's js2xml, whose escaping stays in the value.
  let prefix = '';
  if (first) {
    const payloads = resources(bundle)
      .filter((r) => r.resourceType === 'CommunicationRequest')
      .flatMap((c) => arr(c.payload));
    for (const p of payloads.filter((x) => x.contentReference)) {
      const list = byReference(bundle, str(obj(p.contentReference).reference));
      if (!list)
        throw new FragmentError(
          'The medication list is not in the Bundle.',
          'CommunicationRequest.payload.contentReference',
        );
      for (const item of arr(list.entry)) {
        const d = str(obj(item.item).display);
        if (d) prefix += `<medication>${js2xmlText(d)}</medication>`;
      }
    }
    for (const p of payloads)
      if (str(p.contentString)) prefix += `<patientInfo>${js2xmlText(str(p.contentString)!)}</patientInfo>`;
  }
  if (arr(mr.note).length > 1)
    throw new FragmentError('A MedicationRequest may have at most one note.', 'MedicationRequest.note');
  const rest = [words ? `CD: ${words}` : undefined, str(arr(mr.note)[0]?.text)]
    .filter((x): x is string => !!x)
    .join('\n');
  const ai = prefix + js2xmlText(rest);
  const q = str(qty.value) ?? '';
  return el(
    'pertinentLineItem',
    { xmlns: HL7, classCode: 'SBADM', moodCode: 'RQO' },
    el('id', { root: lineId.toUpperCase() }),
    el('code', {
      code: '225426007',
      codeSystem: SCT,
      displayName: 'Administration of therapeutic substance (procedure)',
    }),
    el('effectiveTime', { nullFlavor: 'NA' }),
    repeatNumberHigh ? el('repeatNumber', {}, el('high', { value: repeatNumberHigh })) : null,
    el(
      'product',
      { contextControlCode: 'OP', typeCode: 'PRD' },
      el(
        'manufacturedProduct',
        { classCode: 'MANU' },
        el(
          'manufacturedRequestedMaterial',
          { classCode: 'MMAT', determinerCode: 'KIND' },
          el('code', { code: str(med.code) ?? '', codeSystem: SCT, displayName: str(med.display) }),
        ),
      ),
    ),
    el(
      'component',
      { typeCode: 'COMP' },
      el('seperatableInd', { value: 'false' }),
      el(
        'lineItemQuantity',
        { classCode: 'SPLY', moodCode: 'RQO' },
        el('code', { code: '373784005', codeSystem: SCT, displayName: 'Dispensing medication (procedure)' }),
        el(
          'quantity',
          { unit: '1', value: q },
          el('translation', { code: str(qty.code) ?? '', codeSystem: SCT, displayName: str(qty.unit), value: q }),
        ),
      ),
    ),
    ai
      ? el(
          'pertinentInformation1',
          { contextConductionInd: 'true', typeCode: 'PERT' },
          el('seperatableInd', { value: 'false' }),
          el(
            'pertinentAdditionalInstructions',
            { classCode: 'OBS', moodCode: 'EVN' },
            el('code', { code: 'AI', codeSystem: OBS }),
            el('value', {}, ai),
          ),
        )
      : null,
    ...endorsements.map((c) =>
      el(
        'pertinentInformation3',
        { contextConductionInd: 'true', typeCode: 'PERT' },
        el('seperatableInd', { value: 'false' }),
        el(
          'pertinentPrescriberEndorsement',
          { classCode: 'OBS', moodCode: 'EVN' },
          el('code', { code: 'PE', codeSystem: OBS }),
          el('value', { code: str(c.code) ?? '', codeSystem: '2.16.840.1.113883.2.1.3.2.4.16.32' }),
        ),
      ),
    ),
    el(
      'pertinentInformation2',
      { contextConductionInd: 'true', typeCode: 'PERT' },
      el('seperatableInd', { value: 'false' }),
      el(
        'pertinentDosageInstructions',
        { classCode: 'OBS', moodCode: 'EVN' },
        el('code', { code: 'DI', codeSystem: OBS }),
        el('value', {}, dosageText(arr(mr.dosageInstruction))),
      ),
    ),
  );
}

/**
 * The canonical FragmentsToBeHashed for a prescription-order Bundle, signed at `timestamp`. Built
 * afresh each time: building (~0.07 ms) costs less than serialising the Bundle to key a cache (~0.05 ms a look-up).
 */
export function canonicalFragments(bundle: Json, timestamp: string): string {
  return buildFragments(bundle, timestamp);
}

function buildFragments(bundle: Json, timestamp: string): string {
  const mrs = resources(bundle).filter((r) => r.resourceType === 'MedicationRequest');
  if (!mrs.length) throw new FragmentError('The Bundle has no MedicationRequest.', 'Bundle.entry');
  const first = mrs[0]!;
  const longForm = str(
    arr(obj(first.groupIdentifier).extension)
      .map((e) => obj(e.valueIdentifier))
      .find((v) => v.system === 'https://fhir.nhs.uk/Id/prescription')?.value,
  );
  if (!longForm)
    throw new FragmentError('The prescription has no long-form ID.', 'MedicationRequest.groupIdentifier.extension');
  const role = byReference(bundle, str(obj(first.requester).reference));
  if (!role) throw new FragmentError('The requester is not in the Bundle.', 'MedicationRequest.requester');
  const patient = byReference(bundle, str(obj(first.subject).reference));
  if (!patient) throw new FragmentError('The patient is not in the Bundle.', 'MedicationRequest.subject');
  const high = repeatHigh(mrs);
  const fragments = el(
    'FragmentsToBeHashed',
    {},
    el(
      'Fragment',
      {},
      el('time', { xmlns: HL7, value: hl7Time(timestamp) }),
      el('id', { xmlns: HL7, root: longForm.toUpperCase() }),
    ),
    el('Fragment', {}, agentPerson(bundle, role)),
    el('Fragment', {}, recordTarget(patient)),
    ...mrs.map((mr, i) => el('Fragment', {}, lineItem(bundle, mr, i === 0, high))),
  );
  return canonicalize(fragments);
}

export type SignatureAlgorithm = 'RS256' | 'RS1';

/** The canonical XML-DSig SignedInfo over a fragments digest (base64). */
export function canonicalSignedInfo(
  digestB64: string,
  algorithm: SignatureAlgorithm,
  canonicalization = 'http://www.w3.org/2001/10/xml-exc-c14n#',
): string {
  const sha256 = algorithm === 'RS256';
  return canonicalize(
    el(
      'SignedInfo',
      { xmlns: 'http://www.w3.org/2000/09/xmldsig#' },
      el('CanonicalizationMethod', { Algorithm: canonicalization }),
      el('SignatureMethod', {
        Algorithm: sha256
          ? 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256'
          : 'http://www.w3.org/2000/09/xmldsig#rsa-sha1',
      }),
      el(
        'Reference',
        {},
        el('Transforms', {}, el('Transform', { Algorithm: canonicalization })),
        el('DigestMethod', {
          Algorithm: sha256 ? 'http://www.w3.org/2001/04/xmlenc#sha256' : 'http://www.w3.org/2000/09/xmldsig#sha1',
        }),
        el('DigestValue', {}, digestB64),
      ),
    ),
  );
}

/** `2024-12-09T11:50:04+00:00`: how EPS writes a signing (and answer) time. */
export function epsTimestamp(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

/** Everything `$prepare` answers, computed locally. `hash` is SHA-256 or SHA-1 returning base64. */
export function prepareDigest(
  bundle: Json,
  timestamp: string,
  algorithm: SignatureAlgorithm,
  hash: (alg: 'sha256' | 'sha1', data: string) => string,
): { fragments: string; signedInfo: string; digest: string } {
  const fragments = canonicalFragments(bundle, timestamp);
  const signedInfo = canonicalSignedInfo(hash(algorithm === 'RS256' ? 'sha256' : 'sha1', fragments), algorithm);
  return { fragments, signedInfo, digest: utf8Base64(signedInfo) };
}

/** Base64 of a string's UTF-8 bytes, without Node's Buffer (the renderer can use this module). */
export function utf8Base64(s: string): string {
  let bin = '';
  for (const b of new TextEncoder().encode(s)) bin += String.fromCharCode(b);
  return btoa(bin);
}

// The HL7 v3 messages (protocols/hl7v3) reuse these mappings, so what is signed and what is sent agree.
export {
  arr,
  obj,
  str,
  resources,
  byReference,
  identifier,
  telecom,
  address,
  name,
  professionalCode,
  agentPerson,
  agentTelecoms,
  representedOrganization,
  recordTarget,
  lineItem,
  courseCode,
  treatmentCourse,
  repeatHigh,
};
export type { Json };
