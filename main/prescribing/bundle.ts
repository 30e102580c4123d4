// Turns a draft and the prescriber's role into the FHIR R4 prescription-order Bundle that EPS's
// $prepare and $process-message take, shaped as in NHS England's own examples.
import type { DraftContent, DraftItem, PrescriberContext } from './model';
import { PRESCRIPTION_TYPES } from '../../protocols/eps/validate';

export interface PrescriptionIds {
  shortFormId: string;
  longFormId: string;
  bundleId: string;
  messageHeaderId: string;
  patientId: string;
  practitionerRoleId: string;
  practitionerId: string;
  organisationId: string;
  communicationId: string;
}

type Json = Record<string, unknown>;

const SCT = 'http://snomed.info/sct';
const ODS = 'https://fhir.nhs.uk/Id/ods-organization-code';

const professionalSystems = {
  gmc: 'https://fhir.hl7.org.uk/Id/gmc-number',
  nmc: 'https://fhir.hl7.org.uk/Id/nmc-number',
  gphc: 'https://fhir.hl7.org.uk/Id/gphc-number',
  hcpc: 'https://fhir.hl7.org.uk/Id/hcpc-number',
} as const;

const scheduleDisplay: Record<string, string> = {
  CD1: 'Schedule 1',
  CD2: 'Schedule 2',
  CD3: 'Schedule 3',
  'CD4-1': 'Schedule 4 (Part 1)',
  'CD4-2': 'Schedule 4 (Part 2)',
  CD5: 'Schedule 5',
};

function courseOfTherapy(t: DraftContent['treatmentType']): Json {
  switch (t) {
    case 'acute':
      return {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/medicationrequest-course-of-therapy',
            code: 'acute',
            display: 'Short course (acute) therapy',
          },
        ],
      };
    case 'repeat-prescribing':
      return {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/medicationrequest-course-of-therapy',
            code: 'continuous',
            display: 'Continuous long term therapy',
          },
        ],
      };
    case 'repeat-dispensing':
      return {
        coding: [
          {
            system: 'https://fhir.nhs.uk/CodeSystem/medicationrequest-course-of-therapy',
            code: 'continuous-repeat-dispensing',
            display: 'Continuous long term (repeat dispensing)',
          },
        ],
      };
  }
}

function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Quantities carry at most 2 decimals with trailing zeros removed (EPS rule). */
function normaliseQuantity(v: number): number {
  return Number(v.toFixed(2));
}

function medicationRequest(
  draft: DraftContent,
  item: DraftItem,
  prescriber: PrescriberContext,
  ids: PrescriptionIds,
  startDate: string,
): Json {
  const extension: Json[] = [
    {
      url: 'https://fhir.nhs.uk/StructureDefinition/Extension-DM-PrescriptionType',
      valueCoding: {
        system: 'https://fhir.nhs.uk/CodeSystem/prescription-type',
        code: prescriber.prescriptionType,
        display: PRESCRIPTION_TYPES[prescriber.prescriptionType] ?? prescriber.prescriptionType,
      },
    },
  ];
  for (const code of item.endorsements) {
    extension.push({
      url: 'https://fhir.nhs.uk/StructureDefinition/Extension-DM-PrescriptionEndorsement',
      valueCodeableConcept: {
        coding: [{ system: 'https://fhir.nhs.uk/CodeSystem/medicationrequest-endorsement', code }],
      },
    });
  }
  if (item.controlledDrug) {
    extension.push({
      url: 'https://fhir.nhs.uk/StructureDefinition/Extension-DM-ControlledDrug',
      extension: [
        { url: 'quantityWords', valueString: item.controlledDrug.quantityWords },
        {
          url: 'schedule',
          valueCoding: {
            system: 'https://fhir.nhs.uk/CodeSystem/medicationrequest-controlled-drug',
            code: item.controlledDrug.schedule,
            display: scheduleDisplay[item.controlledDrug.schedule],
          },
        },
      ],
    });
  }
  if (draft.treatmentType !== 'acute' && draft.reviewDate) {
    extension.push({
      url: 'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-MedicationRepeatInformation',
      extension: [{ url: 'authorisationExpiryDate', valueDateTime: draft.reviewDate }],
    });
  }
  const pharmacy = draft.patient?.nominatedPharmacy ?? null;
  const dosage: Json = { text: item.dosageText };
  if (item.dosage.frequencyPerDay)
    dosage.timing = { repeat: { frequency: item.dosage.frequencyPerDay, period: 1, periodUnit: 'd' } };
  if (item.dosage.route)
    dosage.route = { coding: [{ system: SCT, code: item.dosage.route.code, display: item.dosage.route.display }] };
  if (item.dosage.doseValue && item.dosage.doseUnit)
    dosage.doseAndRate = [{ doseQuantity: { value: item.dosage.doseValue, unit: item.dosage.doseUnit } }];
  const dispenseRequest: Json = {
    extension: [
      {
        url: 'https://fhir.nhs.uk/StructureDefinition/Extension-DM-PerformerSiteType',
        valueCoding: {
          system: 'https://fhir.nhs.uk/CodeSystem/dispensing-site-preference',
          code: pharmacy ? 'P1' : '0004',
        },
      },
    ],
  };
  if (draft.treatmentType === 'repeat-dispensing' && draft.repeats) {
    dispenseRequest.numberOfRepeatsAllowed = draft.repeats.issues - 1;
    const end = addDays(startDate, Math.min(draft.repeats.issues * draft.repeats.intervalDays, 365) - 1);
    dispenseRequest.validityPeriod = { start: startDate, end: `${end}T23:59:59Z` };
    dispenseRequest.expectedSupplyDuration = {
      value: draft.repeats.intervalDays,
      unit: 'day',
      system: 'http://unitsofmeasure.org',
      code: 'd',
    };
  } else {
    dispenseRequest.validityPeriod = { start: startDate };
    dispenseRequest.expectedSupplyDuration = {
      value: item.supplyDays,
      unit: 'day',
      system: 'http://unitsofmeasure.org',
      code: 'd',
    };
  }
  dispenseRequest.quantity = {
    value: normaliseQuantity(item.quantity.value),
    unit: item.quantity.unit,
    system: SCT,
    code: item.quantity.unitCode,
  };
  if (pharmacy) dispenseRequest.performer = { identifier: { system: ODS, value: pharmacy.odsCode } };
  const note = item.additionalInstructions.trim();
  return {
    resourceType: 'MedicationRequest',
    id: item.lineId,
    extension,
    identifier: [{ system: 'https://fhir.nhs.uk/Id/prescription-order-item-number', value: item.lineId }],
    status: 'active',
    intent: draft.treatmentType === 'acute' ? 'order' : 'original-order',
    category: [
      {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/medicationrequest-category',
            code: 'community',
            display: 'Community',
          },
        ],
      },
    ],
    medicationCodeableConcept: {
      coding: [{ system: SCT, code: item.medication.code, display: item.medication.display }],
    },
    subject: { reference: `urn:uuid:${ids.patientId}` },
    requester: { reference: `urn:uuid:${ids.practitionerRoleId}` },
    groupIdentifier: {
      extension: [
        {
          url: 'https://fhir.nhs.uk/StructureDefinition/Extension-DM-PrescriptionId',
          valueIdentifier: { system: 'https://fhir.nhs.uk/Id/prescription', value: ids.longFormId },
        },
      ],
      system: 'https://fhir.nhs.uk/Id/prescription-order-number',
      value: ids.shortFormId,
    },
    courseOfTherapyType: courseOfTherapy(draft.treatmentType),
    dosageInstruction: [dosage],
    dispenseRequest,
    ...(note ? { note: [{ text: note }] } : {}),
    substitution: { allowedBoolean: false },
  };
}

/** PractitionerRole, Practitioner and Organization of the person sending a message (prescribing or cancelling). */
export function prescriberEntries(
  prescriber: PrescriberContext,
  ids: Pick<PrescriptionIds, 'practitionerRoleId' | 'practitionerId' | 'organisationId'>,
): Json[] {
  const org = prescriber.organisation;
  const entries: Json[] = [];
  entries.push({
    fullUrl: `urn:uuid:${ids.practitionerRoleId}`,
    resource: {
      resourceType: 'PractitionerRole',
      id: ids.practitionerRoleId,
      identifier: [{ system: 'https://fhir.nhs.uk/Id/sds-role-profile-id', value: prescriber.roleProfileId }],
      practitioner: { reference: `urn:uuid:${ids.practitionerId}` },
      organization: { reference: `urn:uuid:${ids.organisationId}` },
      code: [
        {
          coding: [
            {
              system: 'https://fhir.nhs.uk/CodeSystem/NHSDigital-SDS-JobRoleCode',
              code: prescriber.jobRoleCode,
              display: prescriber.jobRoleName,
            },
          ],
        },
      ],
      telecom: [{ system: 'phone', use: 'work', value: prescriber.telecom }],
    },
  });
  entries.push({
    fullUrl: `urn:uuid:${ids.practitionerId}`,
    resource: {
      resourceType: 'Practitioner',
      id: ids.practitionerId,
      identifier: [
        { system: 'https://fhir.nhs.uk/Id/sds-user-id', value: prescriber.userId },
        { system: professionalSystems[prescriber.professionalCode.system], value: prescriber.professionalCode.value },
      ],
      name: [
        {
          family: prescriber.name.family,
          given: prescriber.name.given,
          ...(prescriber.name.prefix ? { prefix: [prescriber.name.prefix] } : {}),
        },
      ],
    },
  });
  entries.push({
    fullUrl: `urn:uuid:${ids.organisationId}`,
    resource: {
      resourceType: 'Organization',
      id: ids.organisationId,
      identifier: [{ system: ODS, value: org.odsCode }],
      type: [
        {
          coding: [
            {
              system: 'https://fhir.nhs.uk/CodeSystem/organisation-role',
              code: org.typeCode,
              display: org.typeDisplay,
            },
          ],
        },
      ],
      name: org.name,
      telecom: [{ system: 'phone', use: 'work', value: org.telecom }],
      address: [
        {
          use: 'work',
          type: 'both',
          line: org.addressLines,
          ...(org.city ? { city: org.city } : {}),
          ...(org.district ? { district: org.district } : {}),
          postalCode: org.postcode,
        },
      ],
      ...(org.partOf
        ? { partOf: { identifier: { system: ODS, value: org.partOf.odsCode }, display: org.partOf.name } }
        : {}),
    },
  });
  return entries;
}

export function buildPrescriptionBundle(
  draft: DraftContent,
  prescriber: PrescriberContext,
  ids: PrescriptionIds,
  opts: { startDate: string },
): Json {
  const patient = draft.patient;
  if (!patient) throw new Error('A prescription needs a patient.');
  const entries: Json[] = [];
  const mrs = draft.items.map((item) => medicationRequest(draft, item, prescriber, ids, opts.startDate));
  const pharmacy = patient.nominatedPharmacy;
  const focus = [
    ...mrs.map((m) => ({ reference: `urn:uuid:${String(m.id)}` })),
    { reference: `urn:uuid:${ids.practitionerRoleId}` },
    { reference: `urn:uuid:${ids.patientId}` },
  ];
  entries.push({
    fullUrl: `urn:uuid:${ids.messageHeaderId}`,
    resource: {
      resourceType: 'MessageHeader',
      id: ids.messageHeaderId,
      eventCoding: {
        system: 'https://fhir.nhs.uk/CodeSystem/message-event',
        code: 'prescription-order',
        display: 'Prescription Order',
      },
      destination: [
        {
          endpoint: `https://directory.spineservices.nhs.uk/STU3/Organization/${pharmacy?.odsCode ?? 'unknown'}`,
          ...(pharmacy
            ? {
                receiver: {
                  identifier: { system: ODS, value: pharmacy.odsCode },
                  ...(pharmacy.name ? { display: pharmacy.name } : {}),
                },
              }
            : {}),
        },
      ],
      sender: {
        identifier: { system: ODS, value: prescriber.organisation.odsCode },
        display: prescriber.organisation.name,
      },
      source: {
        endpoint: `https://directory.spineservices.nhs.uk/STU3/Organization/${prescriber.organisation.odsCode}`,
      },
      focus,
    },
  });
  for (const m of mrs) entries.push({ fullUrl: `urn:uuid:${String(m.id)}`, resource: m });
  entries.push({
    fullUrl: `urn:uuid:${ids.patientId}`,
    resource: {
      resourceType: 'Patient',
      id: ids.patientId,
      identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: patient.nhsNumber }],
      name: [
        {
          use: 'usual',
          family: patient.family,
          given: patient.given,
          ...(patient.prefix ? { prefix: [patient.prefix] } : {}),
        },
      ],
      gender: patient.gender,
      birthDate: patient.birthDate,
      address: [
        { use: 'home', line: patient.addressLines, ...(patient.postcode ? { postalCode: patient.postcode } : {}) },
      ],
      ...(patient.gpOdsCode
        ? { generalPractitioner: [{ identifier: { system: ODS, value: patient.gpOdsCode } }] }
        : {}),
    },
  });
  entries.push(...prescriberEntries(prescriber, ids));
  const org = prescriber.organisation;
  const info = draft.patientInformation.trim();
  if (info) {
    entries.push({
      fullUrl: `urn:uuid:${ids.communicationId}`,
      resource: {
        resourceType: 'CommunicationRequest',
        id: ids.communicationId,
        status: 'unknown',
        subject: { reference: `urn:uuid:${ids.patientId}` },
        payload: [{ contentString: info }],
        requester: { type: 'Organization', identifier: { system: ODS, value: org.odsCode }, display: org.name },
        recipient: [
          { type: 'Patient', identifier: { system: 'https://fhir.nhs.uk/Id/nhs-number', value: patient.nhsNumber } },
        ],
      },
    });
  }
  return {
    resourceType: 'Bundle',
    id: ids.bundleId,
    identifier: { system: 'https://tools.ietf.org/html/rfc4122', value: ids.bundleId },
    type: 'message',
    entry: entries,
  };
}
