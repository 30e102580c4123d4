// Synthetic patients for the PDS-style index: valid NHS numbers (modulus 11), realistic names,
// addresses, GP practices and, for some, a nominated pharmacy. No real person is described.
// Seeded into patients.json in the data directory on first start; a supplier may edit that file
// (like users.json): it is validated on every change, and a mistake names the patient and field.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileBacked } from '../store/file-backed';
import { join } from 'node:path';
import { z } from 'zod';
import { isValidNhsNumber, nhsNumberCheckDigit } from '../../protocols/ids/nhs-number';
export interface SandboxPatient {
  nhsNumber: string;
  prefix: string;
  given: string[];
  family: string;
  gender: 'female' | 'male' | 'other' | 'unknown';
  birthDate: string;
  addressLines: string[];
  postcode: string;
  gpOdsCode: string;
  nominatedPharmacy: string | null;
  /** Sensitive record (meta.security R): address, telecom and GP are withheld, as PDS does. */
  restricted?: boolean;
  phone?: string;
}

const seedPatients: SandboxPatient[] = [
  {
    nhsNumber: '9449305552',
    prefix: 'MS',
    given: ['OCTAVIA'],
    family: 'CHISLETT',
    gender: 'female',
    birthDate: '2008-09-20',
    addressLines: ['1 TRINITY STREET', 'HEBDEN BRIDGE'],
    postcode: 'HX7 8AW',
    gpOdsCode: 'A83008',
    nominatedPharmacy: 'FCG71',
  },
  {
    nhsNumber: '5839945242',
    prefix: 'MS',
    given: ['STACEY', 'MARISA'],
    family: 'TWITCHETT',
    gender: 'female',
    birthDate: '1948-04-30',
    addressLines: ['10 HEATHFIELD', 'COBHAM', 'SURREY'],
    postcode: 'KT11 2QY',
    gpOdsCode: 'A83008',
    nominatedPharmacy: 'FA565',
  },
  {
    nhsNumber: '9449304424',
    prefix: 'MR',
    given: ['JOHN'],
    family: 'DOE',
    gender: 'male',
    birthDate: '1968-02-02',
    addressLines: ['4 CASTLE HILL', 'LEEDS'],
    postcode: 'LS1 5DR',
    gpOdsCode: 'A83008',
    nominatedPharmacy: null,
  },
  {
    nhsNumber: '9000000009',
    prefix: 'MRS',
    given: ['JANE'],
    family: 'SMITH',
    gender: 'female',
    birthDate: '2010-10-22',
    addressLines: ['1 TRINITY STREET', 'DEWSBURY'],
    postcode: 'WF13 1HF',
    gpOdsCode: 'B81012',
    nominatedPharmacy: 'FCG71',
  },
  {
    nhsNumber: '9000000017',
    prefix: 'MR',
    given: ['PETER'],
    family: 'SMITH',
    gender: 'male',
    birthDate: '1955-03-14',
    addressLines: ['22 MILL LANE', 'DEWSBURY'],
    postcode: 'WF12 8AA',
    gpOdsCode: 'B81012',
    nominatedPharmacy: null,
  },
  {
    nhsNumber: '9000000025',
    prefix: 'MRS',
    given: ['JANET'],
    family: 'SMYTHE',
    gender: 'female',
    birthDate: '2005-06-16',
    addressLines: ['3 CHURCH VIEW', 'DEWSBURY'],
    postcode: 'WF13 2AB',
    gpOdsCode: 'B81012',
    nominatedPharmacy: null,
    restricted: true,
  },
  {
    nhsNumber: '9434765919',
    prefix: 'MR',
    given: ['ALAN', 'JAMES'],
    family: 'ASHWORTH',
    gender: 'male',
    birthDate: '1972-11-05',
    addressLines: ['7 STATION ROAD', 'SHILDON'],
    postcode: 'DL4 1AB',
    gpOdsCode: 'A83008',
    nominatedPharmacy: 'FA565',
  },
];

/** The seeded index: the hand-written patients above and generated ones, 20 in all. */
export const sandboxPatients = (): SandboxPatient[] => [...seedPatients, ...morePatients(20 - seedPatients.length)];

/** Adds generated patients (valid NHS numbers) so searches have more than a handful to sift. */
function morePatients(count: number): SandboxPatient[] {
  const given = [
    'OLIVIA',
    'AMELIA',
    'ISLA',
    'AVA',
    'MIA',
    'NOAH',
    'OLIVER',
    'GEORGE',
    'ARTHUR',
    'LEO',
    'FREYA',
    'HARRY',
  ];
  const family = ['JONES', 'WILLIAMS', 'BROWN', 'TAYLOR', 'DAVIES', 'EVANS', 'WILSON', 'THOMAS', 'JOHNSON', 'ROBERTS'];
  const out: SandboxPatient[] = [];
  let base = 943_000_000;
  while (out.length < count) {
    const nine = String(base++);
    let sum = 0;
    for (let i = 0; i < 9; i++) sum += Number(nine[i]) * (10 - i);
    const check = 11 - (sum % 11);
    if (check === 10) continue;
    const n = out.length;
    const g = given[n % given.length]!;
    out.push({
      nhsNumber: nine + String(check === 11 ? 0 : check),
      prefix: n % 2 ? 'MR' : 'MS',
      given: [g],
      family: family[n % family.length]!,
      gender: n % 2 ? 'male' : 'female',
      birthDate: `${1940 + ((n * 7) % 80)}-${String(1 + (n % 12)).padStart(2, '0')}-${String(1 + (n % 28)).padStart(2, '0')}`,
      addressLines: [`${n + 3} HIGH STREET`, 'SHILDON'],
      postcode: `DL4 ${1 + (n % 9)}AB`,
      gpOdsCode: n % 3 ? 'A83008' : 'B81012',
      nominatedPharmacy: n % 4 === 0 ? 'FCG71' : null,
    });
  }
  return out;
}

const ODS_CODE = /^[A-Z0-9]{3,8}$/;
const patientSchema = z
  .object({
    nhsNumber: z.string(),
    prefix: z.string(),
    given: z.array(z.string().min(1)).min(1, 'at least one given name'),
    family: z.string().min(1, 'a family name is required'),
    gender: z.enum(['female', 'male', 'other', 'unknown']),
    birthDate: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD')
      .refine((d) => !Number.isNaN(Date.parse(d)) && new Date(d).toISOString().startsWith(d), 'not a real date'),
    addressLines: z.array(z.string()),
    postcode: z.string(),
    gpOdsCode: z.string().regex(ODS_CODE, 'an ODS code: 3 to 8 capital letters and digits'),
    nominatedPharmacy: z.string().regex(ODS_CODE, 'an ODS code: 3 to 8 capital letters and digits').nullable(),
    restricted: z.boolean().optional(),
    phone: z.string().optional(),
  })
  .strict();
const fileSchema = z.object({ patients: z.array(z.unknown()) }).strict();

/** Why an NHS number is not valid, or null when it is. */
export function nhsNumberProblem(n: string): string | null {
  if (!/^\d{10}$/.test(n))
    return `"${n.slice(0, 20)}" is not an NHS number: it must be exactly 10 digits, without spaces`;
  if (isValidNhsNumber(n)) return null;
  const check = nhsNumberCheckDigit(n.slice(0, 9));
  return check === null
    ? `${n} is not a valid NHS number: no NHS number starts with ${n.slice(0, 9)} (modulus 11 gives a check digit of 10)`
    : `${n} is not a valid NHS number: its check digit (the last) should be ${check}, not ${n[9]}`;
}

export class PatientFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file} is not valid:\n  ${problems.join('\n  ')}`);
    this.name = 'PatientFileError';
  }
}

/** Checks the whole file; every problem found, each naming the patient (position, NHS number, name) and the field. */
export function parsePatientsFile(text: string, file = 'patients.json'): SandboxPatient[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new PatientFileError(file, [`not JSON: ${(e as Error).message}`]);
  }
  const top = fileSchema.safeParse(raw);
  if (!top.success) throw new PatientFileError(file, ['expected { "patients": [ … ] } and nothing else']);
  const problems: string[] = [];
  const out: SandboxPatient[] = [];
  const seen = new Map<string, number>();
  top.data.patients.forEach((p, i) => {
    const o = (p && typeof p === 'object' ? p : {}) as Record<string, unknown>;
    const who = `patient ${i + 1}${typeof o.nhsNumber === 'string' ? ` (${o.nhsNumber.slice(0, 20)}${typeof o.family === 'string' ? ` ${o.family.slice(0, 40)}` : ''})` : ''}`;
    const r = patientSchema.safeParse(p);
    if (!r.success) {
      for (const issue of r.error.issues)
        problems.push(`${who}: ${issue.path.join('.') || '(the entry)'}: ${issue.message}`);
      return;
    }
    const nhs = nhsNumberProblem(r.data.nhsNumber);
    if (nhs) {
      problems.push(`${who}: nhsNumber: ${nhs}`);
      return;
    }
    const earlier = seen.get(r.data.nhsNumber);
    if (earlier !== undefined) {
      problems.push(`${who}: nhsNumber: ${r.data.nhsNumber} is already patient ${earlier + 1}'s`);
      return;
    }
    seen.set(r.data.nhsNumber, i);
    out.push(r.data as SandboxPatient);
  });
  if (problems.length) throw new PatientFileError(file, problems);
  return out;
}

/** patients.json in the data directory: seeded once, re-read (and re-checked) whenever it changes. */
export class PatientStore {
  readonly file: string;
  readonly #read: () => SandboxPatient[];
  constructor(dataDir: string) {
    this.file = join(dataDir, 'patients.json');
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    if (!existsSync(this.file))
      writeFileSync(this.file, JSON.stringify({ patients: sandboxPatients() }, null, 2) + '\n');
    this.#read = fileBacked(this.file, (text) => parsePatientsFile(text, this.file));
  }
  /** The patients; throws PatientFileError (every problem listed) when the file is not valid. */
  read(): SandboxPatient[] {
    return this.#read();
  }
}
