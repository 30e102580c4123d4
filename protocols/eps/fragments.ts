// What a prescriber signs: the HL7 v3 FragmentsToBeHashed that EPS derives from a FHIR
// prescription-order Bundle (eps.md §2.3): the author's time and the prescription's long-form ID,
// the author AgentPerson, the patient (recordTarget) and each line item without repeatNumber/low and
// status — canonicalised, hashed, and wrapped in the XML-DSig SignedInfo whose base64 is `$prepare`'s
// `digest`. Pure: the hashing function is passed in.
import { canonicalize, el, type XmlElement } from '../xml/canonical';

type Json = Record<string, unknown>;
const HL7 = 'urn:hl7-org:v3';
const SDS_ROLE = '1.2.826.0.1285.0.2.0.67', JOB_ROLE = '1.2.826.0.1285.0.2.1.104', PROF = '1.2.826.0.1285.0.2.1.54', ODS = '1.2.826.0.1285.0.1.10';
const SCT = '2.16.840.1.113883.2.1.3.2.4.15', ORG_TYPE = '2.16.840.1.113883.2.1.3.2.4.17.94', OBS = '2.16.840.1.113883.2.1.3.2.4.17.30';

export class FragmentError extends Error {
  constructor(message: string, readonly expression?: string) { super(message); }
}

const arr = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);

function resources(bundle: Json): Json[] { return arr(bundle.entry).map((e) => obj(e.resource)); }

function byReference(bundle: Json, ref: string | undefined): Json | undefined {
  if (!ref) return undefined;
  const entry = arr(bundle.entry).find((e) => e.fullUrl === ref || `${String(obj(e.resource).resourceType)}/${String(obj(e.resource).id)}` === ref);
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

function telecom(value: string | undefined): XmlElement | null {
  return value ? el('telecom', { use: 'WP', value: `tel:${value.replace(/\s+/g, '')}` }) : null;
}

function address(a: Json | undefined, use: string): XmlElement | null {
  if (!a) return null;
  const lines = [...arr(a.line).map((l) => String(l)), str(a.city), str(a.district), str(a.state)].filter((x): x is string => !!x);
  return el('addr', { use }, ...lines.map((l) => el('streetAddressLine', {}, l)), str(a.postalCode) ? el('postalCode', {}, str(a.postalCode)!) : null);
}

function name(n: Json | undefined, use?: string): XmlElement {
  const nn = n ?? {};
  return el('name', use ? { use } : {}, ...arr(nn.prefix).map((p) => el('prefix', {}, String(p))), ...arr(nn.given).map((g) => el('given', {}, String(g))), str(nn.family) ? el('family', {}, str(nn.family)!) : null);
}

function professionalCode(practitioner: Json): string | undefined {
  const systems = ['https://fhir.hl7.org.uk/Id/gmc-number', 'https://fhir.hl7.org.uk/Id/nmc-number', 'https://fhir.hl7.org.uk/Id/gphc-number', 'https://fhir.hl7.org.uk/Id/hcpc-number', 'https://fhir.hl7.org.uk/Id/professional-code'];
  for (const s of systems) {
    const v = identifier(practitioner, s);
    if (v) return s.endsWith('gmc-number') ? v.replace(/^C/, '') : v;
  }
  return undefined;
}

function agentPerson(bundle: Json, role: Json): XmlElement {
  const practitioner = byReference(bundle, str(obj(role.practitioner).reference)) ?? {};
  const org = byReference(bundle, str(obj(role.organization).reference)) ?? {};
  const jobRole = arr(role.code).flatMap((c) => arr(c.coding)).find((c) => c.system === 'https://fhir.nhs.uk/CodeSystem/NHSDigital-SDS-JobRoleCode');
  const roleId = identifier(role, 'https://fhir.nhs.uk/Id/sds-role-profile-id');
  if (!roleId) throw new FragmentError('The requester has no SDS role profile ID.', 'PractitionerRole.identifier');
  const tel = str(arr(role.telecom)[0]?.value) ?? str(arr(practitioner.telecom)[0]?.value);
  const partOf = obj(org.partOf);
  return el('AgentPerson', { xmlns: HL7, classCode: 'AGNT' },
    el('id', { extension: roleId, root: SDS_ROLE }),
    el('code', { code: str(jobRole?.code) ?? '', codeSystem: JOB_ROLE }),
    telecom(tel),
    el('agentPerson', { classCode: 'PSN', determinerCode: 'INSTANCE' },
      professionalCode(practitioner) ? el('id', { extension: professionalCode(practitioner)!, root: PROF }) : null,
      name(obj(arr(practitioner.name)[0]))),
    el('representedOrganization', { classCode: 'ORG', determinerCode: 'INSTANCE' },
      el('id', { extension: identifier(org, 'https://fhir.nhs.uk/Id/ods-organization-code') ?? '', root: ODS }),
      el('code', { code: '999', codeSystem: ORG_TYPE }),
      str(org.name) ? el('name', {}, str(org.name)!) : null,
      telecom(str(arr(org.telecom)[0]?.value)),
      address(arr(org.address)[0], 'WP'),
      partOf.identifier ? el('healthCareProviderLicense', { classCode: 'PROV' },
        el('Organization', { classCode: 'ORG', determinerCode: 'INSTANCE' },
          el('id', { extension: str(obj(partOf.identifier).value) ?? '', root: ODS }),
          el('code', { code: '999', codeSystem: ORG_TYPE }),
          str(partOf.display) ? el('name', {}, str(partOf.display)!) : null)) : null));
}

const genderCode: Record<string, string> = { female: '2', male: '1', unknown: '0', other: '9' };

function recordTarget(patient: Json): XmlElement {
  const nhs = identifier(patient, 'https://fhir.nhs.uk/Id/nhs-number');
  if (!nhs) throw new FragmentError('The patient has no NHS number.', 'Patient.identifier');
  const n = obj(arr(patient.name)[0]);
  const gp = str(obj(obj(arr(patient.generalPractitioner)[0]).identifier).value);
  return el('recordTarget', { xmlns: HL7, typeCode: 'RCT' },
    el('Patient', { classCode: 'PAT' },
      el('id', { extension: nhs, root: '2.16.840.1.113883.2.1.4.1' }),
      address(arr(patient.address)[0], 'H'),
      el('patientPerson', { classCode: 'PSN', determinerCode: 'INSTANCE' },
        name(n, n.use === 'usual' ? 'L' : undefined),
        el('administrativeGenderCode', { code: genderCode[str(patient.gender) ?? 'unknown'] ?? '0', codeSystem: '2.16.840.1.113883.2.1.3.2.4.16.25' }),
        el('birthTime', { value: (str(patient.birthDate) ?? '').replace(/-/g, '') }),
        el('playedProviderPatient', { classCode: 'PAT' },
          el('subjectOf', { typeCode: 'SBJ' },
            el('patientCareProvision', { classCode: 'PCPR', moodCode: 'EVN' },
              el('code', { code: '1', codeSystem: '2.16.840.1.113883.2.1.3.2.4.17.37' }),
              gp ? el('responsibleParty', { typeCode: 'RESP' }, el('healthCareProvider', { classCode: 'PROV' }, el('id', { extension: gp, root: ODS }))) : null))))));
}

/** Dosage texts: same sequence joined ", and ", sequences joined ", then " (EPS's rule). */
export function dosageText(dosages: Json[]): string {
  const groups = new Map<number, string[]>();
  for (const d of dosages) {
    const seq = typeof d.sequence === 'number' ? d.sequence : 0;
    groups.set(seq, [...(groups.get(seq) ?? []), str(d.text) ?? '']);
  }
  return [...groups.entries()].sort(([a], [b]) => a - b).map(([, t]) => t.join(', and ')).join(', then ');
}

function courseCode(mr: Json): string | undefined {
  return str(arr(obj(mr.courseOfTherapyType).coding)[0]?.code);
}

function lineItem(bundle: Json, mr: Json, first: boolean, allAcute: boolean): XmlElement {
  const lineId = identifier(mr, 'https://fhir.nhs.uk/Id/prescription-order-item-number');
  if (!lineId) throw new FragmentError('A MedicationRequest has no prescription-order-item-number.', 'MedicationRequest.identifier');
  const med = arr(obj(mr.medicationCodeableConcept).coding)[0] ?? {};
  const dr = obj(mr.dispenseRequest);
  const qty = obj(dr.quantity);
  const repeats = typeof dr.numberOfRepeatsAllowed === 'number' ? dr.numberOfRepeatsAllowed : 0;
  const extensions = arr(mr.extension);
  const endorsements = extensions.filter((e) => str(e.url)?.endsWith('Extension-DM-PrescriptionEndorsement')).flatMap((e) => arr(obj(e.valueCodeableConcept).coding));
  const cd = extensions.find((e) => str(e.url)?.endsWith('Extension-DM-ControlledDrug'));
  const words = cd ? str(arr(cd.extension).find((x) => x.url === 'quantityWords')?.valueString) : undefined;
  let prefix = '';
  if (first) {
    const comm = resources(bundle).find((r) => r.resourceType === 'CommunicationRequest');
    const list = resources(bundle).find((r) => r.resourceType === 'List');
    for (const item of arr(list?.entry)) prefix += `<medication>${str(obj(item.item).display) ?? ''}</medication>`;
    for (const p of arr(comm?.payload)) if (str(p.contentString)) prefix += `<patientInfo>${str(p.contentString)}</patientInfo>`;
  }
  const rest = [words ? `CD: ${words}` : undefined, ...arr(mr.note).map((n) => str(n.text))].filter((x): x is string => !!x).join('\n');
  const ai = prefix + rest;
  const q = str(qty.value) ?? '';
  return el('pertinentLineItem', { xmlns: HL7, classCode: 'SBADM', moodCode: 'RQO' },
    el('id', { root: lineId.toUpperCase() }),
    el('code', { code: '225426007', codeSystem: SCT, displayName: 'Administration of therapeutic substance (procedure)' }),
    el('effectiveTime', { nullFlavor: 'NA' }),
    !allAcute && courseCode(mr) !== 'acute' ? el('repeatNumber', {}, el('high', { value: String(repeats + 1) })) : null,
    el('product', { contextControlCode: 'OP', typeCode: 'PRD' },
      el('manufacturedProduct', { classCode: 'MANU' },
        el('manufacturedRequestedMaterial', { classCode: 'MMAT', determinerCode: 'KIND' },
          el('code', { code: str(med.code) ?? '', codeSystem: SCT, displayName: str(med.display) })))),
    el('component', { typeCode: 'COMP' },
      el('seperatableInd', { value: 'false' }),
      el('lineItemQuantity', { classCode: 'SPLY', moodCode: 'RQO' },
        el('code', { code: '373784005', codeSystem: SCT, displayName: 'Dispensing medication (procedure)' }),
        el('quantity', { unit: '1', value: q },
          el('translation', { code: str(qty.code) ?? '', codeSystem: SCT, displayName: str(qty.unit), value: q })))),
    ai ? el('pertinentInformation1', { contextConductionInd: 'true', typeCode: 'PERT' },
      el('seperatableInd', { value: 'false' }),
      el('pertinentAdditionalInstructions', { classCode: 'OBS', moodCode: 'EVN' }, el('code', { code: 'AI', codeSystem: OBS }), el('value', {}, ai))) : null,
    ...endorsements.map((c) => el('pertinentInformation3', { contextConductionInd: 'true', typeCode: 'PERT' },
      el('seperatableInd', { value: 'false' }),
      el('pertinentPrescriberEndorsement', { classCode: 'OBS', moodCode: 'EVN' }, el('code', { code: 'PE', codeSystem: OBS }), el('value', { code: str(c.code) ?? '', codeSystem: '2.16.840.1.113883.2.1.3.2.4.16.32' })))),
    el('pertinentInformation2', { contextConductionInd: 'true', typeCode: 'PERT' },
      el('seperatableInd', { value: 'false' }),
      el('pertinentDosageInstructions', { classCode: 'OBS', moodCode: 'EVN' }, el('code', { code: 'DI', codeSystem: OBS }), el('value', {}, dosageText(arr(mr.dosageInstruction))))));
}

/** The canonical FragmentsToBeHashed for a prescription-order Bundle, signed at `timestamp`. */
export function canonicalFragments(bundle: Json, timestamp: string): string {
  const mrs = resources(bundle).filter((r) => r.resourceType === 'MedicationRequest');
  if (!mrs.length) throw new FragmentError('The Bundle has no MedicationRequest.', 'Bundle.entry');
  const first = mrs[0]!;
  const longForm = str(arr(obj(first.groupIdentifier).extension).map((e) => obj(e.valueIdentifier)).find((v) => v.system === 'https://fhir.nhs.uk/Id/prescription')?.value);
  if (!longForm) throw new FragmentError('The prescription has no long-form ID.', 'MedicationRequest.groupIdentifier.extension');
  const role = byReference(bundle, str(obj(first.requester).reference));
  if (!role) throw new FragmentError('The requester is not in the Bundle.', 'MedicationRequest.requester');
  const patient = byReference(bundle, str(obj(first.subject).reference));
  if (!patient) throw new FragmentError('The patient is not in the Bundle.', 'MedicationRequest.subject');
  // Mixed acute + continuous is treated as acute (EPS's rule): no repeat numbers then.
  const courses = new Set(mrs.map(courseCode));
  const allAcute = courses.has('acute');
  const fragments = el('FragmentsToBeHashed', {},
    el('Fragment', {}, el('time', { xmlns: HL7, value: hl7Time(timestamp) }), el('id', { xmlns: HL7, root: longForm.toUpperCase() })),
    el('Fragment', {}, agentPerson(bundle, role)),
    el('Fragment', {}, recordTarget(patient)),
    ...mrs.map((mr, i) => el('Fragment', {}, lineItem(bundle, mr, i === 0, allAcute))));
  return canonicalize(fragments);
}

export type SignatureAlgorithm = 'RS256' | 'RS1';

/** The canonical XML-DSig SignedInfo over a fragments digest (base64). */
export function canonicalSignedInfo(digestB64: string, algorithm: SignatureAlgorithm): string {
  const sha256 = algorithm === 'RS256';
  return canonicalize(el('SignedInfo', { xmlns: 'http://www.w3.org/2000/09/xmldsig#' },
    el('CanonicalizationMethod', { Algorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#' }),
    el('SignatureMethod', { Algorithm: sha256 ? 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256' : 'http://www.w3.org/2000/09/xmldsig#rsa-sha1' }),
    el('Reference', {},
      el('Transforms', {}, el('Transform', { Algorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#' })),
      el('DigestMethod', { Algorithm: sha256 ? 'http://www.w3.org/2001/04/xmlenc#sha256' : 'http://www.w3.org/2000/09/xmldsig#sha1' }),
      el('DigestValue', {}, digestB64))));
}

/** Everything `$prepare` answers, computed locally. `hash` is SHA-256 or SHA-1 returning base64. */
export function prepareDigest(bundle: Json, timestamp: string, algorithm: SignatureAlgorithm, hash: (alg: 'sha256' | 'sha1', data: string) => string): { fragments: string; signedInfo: string; digest: string } {
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
