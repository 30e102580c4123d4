// What a prescriber writes: the draft, saved on every change. Prescriber and organisation come from
// the selected role (PrescriberContext), never typed in per prescription.
import { z } from 'zod';
import { explainNhsNumber } from '../../protocols/ids/nhs-number';

const treatmentTypes = ['acute', 'repeat-prescribing', 'repeat-dispensing'] as const;
const endorsementCodes = ['ACBS', 'AF', 'CC', 'FS', 'SLS'] as const;
const cdSchedules = ['CD1', 'CD2', 'CD3', 'CD4-1', 'CD4-2', 'CD5'] as const;

export const patientSnapshot = z.object({
  nhsNumber: z.string().superRefine((v, ctx) => {
    const why = explainNhsNumber(v);
    if (why || !/^\d{10}$/.test(v))
      ctx.addIssue({ code: 'custom', message: why ?? 'An NHS number is 10 digits with no spaces.' });
  }),
  prefix: z.string().max(35).optional(),
  given: z.array(z.string().max(35)).max(5).default([]),
  family: z.string().min(1).max(35),
  birthDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  gender: z.enum(['female', 'male', 'other', 'unknown']),
  addressLines: z.array(z.string().max(35)).max(5).default([]),
  postcode: z.string().max(10).optional(),
  gpOdsCode: z
    .string()
    .regex(/^[A-Z0-9]{3,8}$/)
    .optional(),
  nominatedPharmacy: z.object({ odsCode: z.string(), name: z.string().optional() }).nullable().default(null),
});
export type PatientSnapshot = z.infer<typeof patientSnapshot>;

const draftItem = z.object({
  lineId: z.uuid().describe('Line item UUID, kept from draft to prescription'),
  medication: z.object({ code: z.string().regex(/^\d{6,18}$/), display: z.string().min(1).max(500) }),
  quantity: z.object({ value: z.number(), unitCode: z.string().regex(/^\d{6,18}$/), unit: z.string().min(1).max(80) }),
  dosageText: z.string().max(10_000, 'Dosage instructions can be at most 10,000 characters.').default(''),
  dosage: z
    .object({
      doseValue: z.number().positive().optional(),
      doseUnit: z.string().max(40).optional(),
      frequencyPerDay: z.number().int().positive().max(24).optional(),
      durationDays: z.number().int().positive().max(366).optional(),
      route: z.object({ code: z.string(), display: z.string() }).optional(),
    })
    .default({}),
  additionalInstructions: z
    .string()
    .max(10_000, 'Additional instructions can be at most 10,000 characters.')
    .default(''),
  endorsements: z.array(z.enum(endorsementCodes)).default([]),
  controlledDrug: z
    .object({ schedule: z.enum(cdSchedules), quantityWords: z.string().max(200) })
    .nullable()
    .default(null),
  supplyDays: z.number().int().positive().max(366).default(28),
});
export type DraftItem = z.infer<typeof draftItem>;

export const draftContent = z.object({
  patient: patientSnapshot.nullable().default(null),
  patientConfirmed: z.boolean().default(false),
  treatmentType: z.enum(treatmentTypes).default('acute'),
  /** Repeat dispensing: number of issues in all (2–99) and days between issues. */
  repeats: z
    .object({ issues: z.number().int().min(2).max(99), intervalDays: z.number().int().min(7).max(366) })
    .nullable()
    .default(null),
  /** Repeat prescribing / repeat dispensing: date the authorisation is reviewed (YYYY-MM-DD). */
  reviewDate: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .nullable()
    .default(null),
  startDate: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .nullable()
    .default(null),
  items: z.array(draftItem).max(4).default([]),
  patientInformation: z
    .string()
    .max(10_000, 'Information for the patient can be at most 10,000 characters.')
    .default(''),
});
export type DraftContent = z.infer<typeof draftContent>;

/** Who prescribes, from the selected role: what the author fragment of the signature holds. */
export interface PrescriberContext {
  userId: string;
  roleProfileId: string;
  jobRoleCode: string;
  jobRoleName: string;
  name: { prefix?: string; given: string[]; family: string };
  professionalCode: { system: 'gmc' | 'nmc' | 'gphc' | 'hcpc'; value: string };
  telecom: string;
  prescriptionType: string;
  organisation: {
    odsCode: string;
    name: string;
    typeCode: string;
    typeDisplay: string;
    telecom: string;
    addressLines: string[];
    city?: string;
    district?: string;
    postcode: string;
    partOf?: { odsCode: string; name: string };
  };
}

const fieldNames: Record<string, string> = {
  nhsNumber: 'NHS number',
  family: 'family name',
  given: 'given name',
  birthDate: 'date of birth',
  medication: 'medicine',
  code: 'dm+d code',
  display: 'name',
  quantity: 'quantity',
  value: 'amount',
  unitCode: 'unit code',
  unit: 'unit',
  dosageText: 'dosage instructions',
  additionalInstructions: 'additional instructions',
  patientInformation: 'information for the patient',
  quantityWords: 'quantity in words',
  repeats: 'repeat dispensing',
  issues: 'number of issues',
  intervalDays: 'days between issues',
  reviewDate: 'review date',
  startDate: 'start date',
  lineId: 'line item ID',
  supplyDays: 'days of supply',
  endorsements: 'endorsements',
  treatmentType: 'treatment type',
  postcode: 'postcode',
  addressLines: 'address',
};

/** A draft field's path in words: ['items', 0, 'dosageText'] → "Item 1 dosage instructions". */
export function fieldInWords(path: ReadonlyArray<PropertyKey>): string {
  const words: string[] = [];
  for (let i = 0; i < path.length; i++) {
    const k = path[i];
    if (k === 'items' && typeof path[i + 1] === 'number') {
      words.push(`Item ${(path[i + 1] as number) + 1}`);
      i++;
      continue;
    }
    if (k === 'patient') {
      words.push('Patient');
      continue;
    }
    if (typeof k === 'number') continue;
    words.push(fieldNames[String(k)] ?? String(k));
  }
  const s = words.join(' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}
