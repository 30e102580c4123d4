// The HL7 v3 ParentPrescription (PORX_MT132004UK31) a prescription-order Bundle translates to, in
// EPS's element order (eps.md §2.2, §4): patient, prescription (ids, repeats, nominated pharmacy,
// author with the signature, responsible party, eRD supply, review date, treatment type, dispensing
// site, line items, token issued, prescription type) and the care record category. The patient, the
// author and each line item are the signed fragments themselves (protocols/eps/fragments). Pure.
import { el, type XmlElement, type XmlNode } from '../xml/canonical';
import {
  FragmentError,
  arr,
  byReference,
  hl7Time,
  lineItem,
  obj,
  recordTarget,
  repeatHigh,
  resources,
  str,
  treatmentCourse,
  type Json,
} from '../eps/fragments';
import { authorAgentPerson, responsibleAgentPerson } from './agent-person';
import { signatureElement, withoutNamespace } from './message';

const SCT = '2.16.840.1.113883.2.1.3.2.4.15',
  OBS = '2.16.840.1.113883.2.1.3.2.4.17.30',
  ODS = '1.2.826.0.1285.0.1.10',
  TEMPLATE = '2.16.840.1.113883.2.1.3.2.4.18.2';
const FHIR_SD = 'https://fhir.nhs.uk/StructureDefinition/';
const GENDERS = ['male', 'female', 'other', 'unknown'];
const TREATMENT: Record<string, string> = { acute: '0001', continuous: '0002', 'continuous-repeat-dispensing': '0003' };

export function medicationRequests(bundle: Json): Json[] {
  const mrs = resources(bundle).filter((r) => r.resourceType === 'MedicationRequest');
  if (!mrs.length) throw new FragmentError('The Bundle has no MedicationRequest.', 'Bundle.entry');
  return mrs;
}

export function patientOf(bundle: Json, mr: Json): Json {
  const patient = byReference(bundle, str(obj(mr.subject).reference));
  if (!patient) throw new FragmentError('The patient is not in the Bundle.', 'MedicationRequest.subject');
  // EPS refuses any other gender (convertGender) rather than guessing.
  const gender = patient.gender;
  if (gender !== undefined && !(typeof gender === 'string' && GENDERS.includes(gender)))
    throw new FragmentError(`Unhandled gender '${String(gender).slice(0, 40)}'.`, 'Patient.gender');
  return patient;
}

/** Bundle.identifier, the message id EPS uses for both the wrapper and the ParentPrescription. */
export function messageId(bundle: Json): string {
  const id = str(obj(bundle.identifier).value);
  if (!id) throw new FragmentError('The Bundle has no identifier.', 'Bundle.identifier');
  return id.toUpperCase();
}

/** Long-form prescription ID (a UUID) from groupIdentifier's PrescriptionId extension. */
export function longFormId(mr: Json): string {
  const ext = arr(obj(mr.groupIdentifier).extension).find((e) => e.url === `${FHIR_SD}Extension-DM-PrescriptionId`);
  const id = str(obj(ext?.valueIdentifier).value);
  if (!id)
    throw new FragmentError('The prescription has no long-form ID.', 'MedicationRequest.groupIdentifier.extension');
  return id.toUpperCase();
}

export function shortFormId(mr: Json): string {
  const id = str(obj(mr.groupIdentifier).value);
  if (!id) throw new FragmentError('The prescription has no short-form ID.', 'MedicationRequest.groupIdentifier.value');
  return id;
}

function codedExtension(extensions: unknown, name: string, expression: string): string {
  const code = str(obj(arr(extensions).find((e) => e.url === `${FHIR_SD}${name}`)?.valueCoding).code);
  if (!code) throw new FragmentError(`The ${name.replace('Extension-DM-', '')} extension is missing.`, expression);
  return code;
}

/** HL7 date and time (UTC) of a FHIR dateTime, or a FragmentError naming the field. */
function hl7DateTime(s: string | undefined, expression: string): string {
  try {
    return hl7Time(s ?? '');
  } catch {
    throw new FragmentError(`"${String(s).slice(0, 40)}" is not a date and time.`, expression);
  }
}

/** HL7 date (YYYYMMDD, UTC) of a FHIR date or dateTime. */
function hl7Date(s: string | undefined, expression: string): string {
  if (!s) throw new FragmentError('A date is missing.', expression);
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return s.replace(/-/g, '');
  try {
    return hl7Time(s).slice(0, 8);
  } catch {
    throw new FragmentError(`"${s}" is not a date.`, expression);
  }
}

/** The line item as signed, with repeatNumber/low put back (the fragment leaves it out, eps.md §2.3). */
function fullLineItem(bundle: Json, mr: Json, first: boolean, high: string | null): XmlElement {
  const item = withoutNamespace(lineItem(bundle, mr, first, high));
  return {
    ...item,
    children: (item.children ?? []).map((c: XmlNode) =>
      typeof c !== 'string' && c.name === 'repeatNumber'
        ? { ...c, children: [el('low', { value: '1' }), ...(c.children ?? [])] }
        : c,
    ),
  };
}

function author(bundle: Json, mr: Json, now: Date): XmlElement {
  const requester = str(obj(mr.requester).reference);
  const signatures = resources(bundle)
    .filter((r) => r.resourceType === 'Provenance')
    .flatMap((p) => arr(p.signature))
    .filter((s) => str(obj(s.who).reference) === requester);
  if (signatures.length > 1)
    throw new FragmentError('More than one signature by the requester.', 'Provenance.signature');
  const sig = signatures[0];
  const when = sig ? str(sig.when) : undefined;
  if (sig && !when) throw new FragmentError('The signature has no time.', 'Provenance.signature.when');
  return el(
    'author',
    { contextControlCode: 'OP', typeCode: 'AUT' },
    el('time', { value: when ? hl7DateTime(when, 'Provenance.signature.when') : hl7Time(now.toISOString()) }),
    sig ? el('signatureText', {}, signatureElement(str(sig.data) ?? '')) : el('signatureText', { nullFlavor: 'NA' }),
    authorAgentPerson(bundle, mr),
  );
}

const pert = (name: string, attrs: Record<string, string>, separatable: boolean, inner: XmlElement) =>
  el(
    name,
    { contextConductionInd: 'true', ...attrs, typeCode: 'PERT' },
    el('seperatableInd', { value: String(separatable) }),
    inner,
  );

const observation = (name: string, code: string, value: XmlElement) =>
  el(name, { classCode: 'OBS', moodCode: 'EVN' }, el('code', { code, codeSystem: OBS }), value);

/** The ParentPrescription element for a prescription-order Bundle. `now` stands in for an unsigned bundle's author time. */
export function parentPrescription(bundle: Json, now: Date): XmlElement {
  const mrs = medicationRequests(bundle);
  const first = mrs[0]!;
  const course = treatmentCourse(mrs);
  const dr = obj(first.dispenseRequest);
  const validity = obj(dr.validityPeriod);
  const performer = str(obj(obj(dr.performer).identifier).value);
  const repeatNumber = repeatHigh(mrs);
  const repeatInfo = arr(first.extension).find(
    (e) => e.url === 'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-MedicationRepeatInformation',
  );
  const reviewDate = str(arr(repeatInfo?.extension).find((e) => e.url === 'authorisationExpiryDate')?.valueDateTime);
  const items = mrs.map((mr, i) => fullLineItem(bundle, mr, i === 0, repeatNumber));
  const authorEl = author(bundle, first, now);
  const authorTime = (authorEl.children![0] as XmlElement).attrs!.value!;

  let supply: XmlElement | null = null;
  if (course === 'continuous-repeat-dispensing') {
    const duration = obj(dr.expectedSupplyDuration);
    if (duration.code !== 'd')
      throw new FragmentError(
        'Expected supply duration must be specified in days.',
        'MedicationRequest.dispenseRequest.expectedSupplyDuration.code',
      );
    supply = el(
      'component1',
      { typeCode: 'COMP' },
      el('seperatableInd', { value: 'true' }),
      el(
        'daysSupply',
        { classCode: 'SPLY', moodCode: 'RQO' },
        el('code', { code: '373784005', codeSystem: SCT, displayName: 'Dispensing medication (procedure)' }),
        el(
          'effectiveTime',
          {},
          el('low', { value: hl7Date(str(validity.start), 'MedicationRequest.dispenseRequest.validityPeriod.start') }),
          el('high', { value: hl7Date(str(validity.end), 'MedicationRequest.dispenseRequest.validityPeriod.end') }),
        ),
        el('expectedUseTime', {}, el('width', { unit: 'd', value: str(duration.value) ?? '' })),
      ),
    );
  }

  const prescription = el(
    'pertinentPrescription',
    { classCode: 'SBADM', moodCode: 'RQO' },
    el('id', { root: longFormId(first) }),
    el('id', { extension: shortFormId(first), root: '2.16.840.1.113883.2.1.3.2.4.18.8' }),
    el('code', {
      code: '225426007',
      codeSystem: SCT,
      displayName: 'Administration of therapeutic substance (procedure)',
    }),
    el('effectiveTime', { nullFlavor: 'NA' }),
    repeatNumber ? el('repeatNumber', {}, el('low', { value: '1' }), el('high', { value: repeatNumber })) : null,
    performer
      ? el(
          'performer',
          { contextControlCode: 'OP', typeCode: 'PRF' },
          el(
            'AgentOrgSDS',
            { classCode: 'AGNT' },
            el(
              'agentOrganizationSDS',
              { classCode: 'ORG', determinerCode: 'INSTANCE' },
              el('id', { extension: performer, root: ODS }),
            ),
          ),
        )
      : null,
    authorEl,
    el('responsibleParty', { contextControlCode: 'OP', typeCode: 'RESP' }, responsibleAgentPerson(bundle, first)),
    supply,
    reviewDate
      ? pert(
          'pertinentInformation7',
          {},
          false,
          observation(
            'pertinentReviewDate',
            'RD',
            el('value', { value: hl7Date(reviewDate, 'MedicationRequest.extension.extension.valueDateTime') }),
          ),
        )
      : null,
    pert(
      'pertinentInformation5',
      {},
      false,
      observation(
        'pertinentPrescriptionTreatmentType',
        'PTT',
        el('value', { code: TREATMENT[course]!, codeSystem: '2.16.840.1.113883.2.1.3.2.4.16.36' }),
      ),
    ),
    pert(
      'pertinentInformation1',
      {},
      true,
      observation(
        'pertinentDispensingSitePreference',
        'DSP',
        el('value', {
          code: codedExtension(
            dr.extension,
            'Extension-DM-PerformerSiteType',
            'MedicationRequest.dispenseRequest.extension',
          ),
          codeSystem: '2.16.840.1.113883.2.1.3.2.4.17.21',
        }),
      ),
    ),
    ...items.map((item) =>
      el(
        'pertinentInformation2',
        { contextConductionInd: 'true', inversionInd: 'false', negationInd: 'false', typeCode: 'PERT' },
        el('seperatableInd', { value: 'true' }),
        el('templateId', { extension: 'CSAB_RM-NPfITUK10.sourceOf2', root: TEMPLATE }),
        item,
      ),
    ),
    // Always false in EPS (a TODO there): the token is not known to be issued at this point.
    pert(
      'pertinentInformation8',
      {},
      false,
      observation('pertinentTokenIssued', 'TI', el('value', { value: 'false' })),
    ),
    pert(
      'pertinentInformation4',
      {},
      false,
      observation(
        'pertinentPrescriptionType',
        'PT',
        el('value', {
          code: codedExtension(first.extension, 'Extension-DM-PrescriptionType', 'MedicationRequest.extension'),
          codeSystem: '2.16.840.1.113883.2.1.3.2.4.17.25',
        }),
      ),
    ),
  );

  return el(
    'ParentPrescription',
    { classCode: 'INFO', moodCode: 'EVN' },
    el('id', { root: messageId(bundle) }),
    el('code', {
      code: '163501000000109',
      codeSystem: SCT,
      displayName: 'Prescription - FocusActOrEvent (record artifact)',
    }),
    el('effectiveTime', {
      value:
        validity.start !== undefined
          ? hl7DateTime(str(validity.start), 'MedicationRequest.dispenseRequest.validityPeriod.start')
          : authorTime,
    }),
    el('typeId', { extension: 'PORX_MT132004UK31', root: '2.16.840.1.113883.2.1.3.2.4.18.7' }),
    withoutNamespace(recordTarget(patientOf(bundle, first))),
    el(
      'pertinentInformation1',
      { contextConductionInd: 'true', typeCode: 'PERT' },
      el('templateId', { extension: 'CSAB_RM-NPfITUK10.pertinentInformation', root: TEMPLATE }),
      prescription,
    ),
    el(
      'pertinentInformation2',
      { typeCode: 'PERT' },
      el('templateId', { extension: 'CSAB_RM-NPfITUK10.pertinentInformation1', root: TEMPLATE }),
      el(
        'pertinentCareRecordElementCategory',
        { classCode: 'CATEGORY', moodCode: 'EVN' },
        el('code', {
          code: '185361000000102',
          codeSystem: SCT,
          displayName: 'Medication - care record element (record artifact)',
        }),
        ...items.map((item) =>
          el(
            'component',
            { typeCode: 'COMP' },
            el('actRef', { classCode: 'SBADM', moodCode: 'RQO' }, (item.children ?? [])[0]!),
          ),
        ),
      ),
    ),
  );
}
