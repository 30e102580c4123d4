// The prescriber details form (prescriber.get/set): form fields ⇄ the settings object Scrip checks,
// and each problem Scrip finds placed on the field it is about, in words. Pure, so unit-tested.
import type { PrescriberSettings } from '../../../main/prescribing/prescriber-settings';
import { PRESCRIPTION_TYPES } from '../../../protocols/eps/validate';

export type { PrescriberSettings };
type Regulator = PrescriberSettings['professionalCode']['system'];
export type DetailsSource = 'settings' | 'directory' | 'none';

export const regulators: Array<{ value: Regulator; label: string; hint: string }> = [
  { value: 'gmc', label: 'General Medical Council (GMC)', hint: 'A GMC number is 7 digits, e.g. 1234567.' },
  { value: 'nmc', label: 'Nursing and Midwifery Council (NMC)', hint: 'An NMC PIN looks like 12A3456B.' },
  { value: 'gphc', label: 'General Pharmaceutical Council (GPhC)', hint: 'A GPhC number is 7 digits.' },
  {
    value: 'hcpc',
    label: 'Health and Care Professions Council (HCPC)',
    hint: 'An HCPC number is 2 letters and digits, e.g. PA123456.',
  },
];

export const prescriptionTypes: Array<{ code: string; label: string }> = Object.entries(PRESCRIPTION_TYPES).map(
  ([code, label]) => ({ code, label }),
);
/** EPS refuses a primary care (01xx) prescription whose organisation names no parent. */
export const needsParent = (prescriptionType: string): boolean => prescriptionType.startsWith('01');

const MIN_ADDRESS_LINES = 3;
const MAX_ADDRESS_LINES = 5;

export interface PrescriberForm {
  regulator: Regulator | '';
  code: string;
  prescriptionType: string;
  telecom: string;
  prefix: string;
  given: string;
  family: string;
  jobRoleCode: string;
  orgOds: string;
  orgName: string;
  orgTypeCode: string;
  orgTypeDisplay: string;
  orgTelecom: string;
  addressLines: string[];
  city: string;
  district: string;
  postcode: string;
  parentOds: string;
  parentName: string;
}
export type FormField = Exclude<keyof PrescriberForm, 'addressLines'> | `address-${number}`;

export const blankForm: PrescriberForm = {
  regulator: '',
  code: '',
  prescriptionType: '0101',
  telecom: '',
  prefix: '',
  given: '',
  family: '',
  jobRoleCode: '',
  orgOds: '',
  orgName: '',
  orgTypeCode: '76',
  orgTypeDisplay: 'GP PRACTICE',
  orgTelecom: '',
  addressLines: ['', '', ''],
  city: '',
  district: '',
  postcode: '',
  parentOds: '',
  parentName: '',
};

export function formFromSettings(s: PrescriberSettings | null): PrescriberForm {
  if (!s) return { ...blankForm, addressLines: [...blankForm.addressLines] };
  const o = s.organisation;
  const lines = [...o.addressLines];
  while (lines.length < MIN_ADDRESS_LINES) lines.push('');
  return {
    regulator: s.professionalCode.system,
    code: s.professionalCode.value,
    prescriptionType: s.prescriptionType,
    telecom: s.telecom,
    prefix: s.name?.prefix ?? '',
    given: (s.name?.given ?? []).join(' '),
    family: s.name?.family ?? '',
    jobRoleCode: s.jobRoleCode ?? '',
    orgOds: o.odsCode ?? '',
    orgName: o.name,
    orgTypeCode: o.typeCode,
    orgTypeDisplay: o.typeDisplay,
    orgTelecom: o.telecom,
    addressLines: lines,
    city: o.city ?? '',
    district: o.district ?? '',
    postcode: o.postcode,
    parentOds: o.partOf?.odsCode ?? '',
    parentName: o.partOf?.name ?? '',
  };
}

/**
 * What is sent to `prescriber.set`: blank optional fields are left out (so Scrip's defaults apply:
 * the card's name, the role's job role and organisation code), required ones are sent as typed for
 * Scrip to judge. Scrip, not the form, decides what is valid.
 */
export function settingsFromForm(f: PrescriberForm): Record<string, unknown> {
  const t = (v: string) => v.trim();
  const opt = (v: string) => (t(v) ? { value: t(v) } : null);
  const name =
    t(f.prefix) || t(f.given) || t(f.family)
      ? {
          ...(t(f.prefix) ? { prefix: t(f.prefix) } : {}),
          given: t(f.given).split(/\s+/).filter(Boolean),
          family: t(f.family),
        }
      : undefined;
  const parent = t(f.parentOds) || t(f.parentName) ? { odsCode: t(f.parentOds), name: t(f.parentName) } : undefined;
  return {
    professionalCode: { system: f.regulator || undefined, value: t(f.code) },
    prescriptionType: f.prescriptionType,
    telecom: t(f.telecom),
    ...(name ? { name } : {}),
    ...(opt(f.jobRoleCode) ? { jobRoleCode: t(f.jobRoleCode) } : {}),
    organisation: {
      ...(opt(f.orgOds) ? { odsCode: t(f.orgOds) } : {}),
      name: t(f.orgName),
      typeCode: t(f.orgTypeCode),
      typeDisplay: t(f.orgTypeDisplay),
      telecom: t(f.orgTelecom),
      addressLines: f.addressLines.map(t).filter(Boolean),
      ...(opt(f.city) ? { city: t(f.city) } : {}),
      ...(opt(f.district) ? { district: t(f.district) } : {}),
      postcode: t(f.postcode),
      ...(parent ? { partOf: parent } : {}),
    },
  };
}

/** What each field is called in a sentence ("Enter …"). */
const nouns: Record<Exclude<FormField, `address-${number}`>, string> = {
  regulator: 'your regulator',
  code: 'your registration number',
  prescriptionType: 'the prescription type',
  telecom: 'your work telephone number',
  prefix: 'your title',
  given: 'your given names',
  family: 'your family name',
  jobRoleCode: 'the job role code',
  orgOds: "the organisation's ODS code",
  orgName: "the organisation's name",
  orgTypeCode: 'the organisation type code',
  orgTypeDisplay: 'the organisation type',
  orgTelecom: "the organisation's telephone number",
  city: 'the town or city',
  district: 'the county or district',
  postcode: 'the postcode',
  parentOds: 'the ODS code of the organisation your practice belongs to',
  parentName: 'the name of the organisation your practice belongs to',
};

/** The form field a problem's path (`organisation.partOf.odsCode` …) is about; null when none is. */
export function fieldOf(path: string): FormField | null {
  const p = path.split('.');
  const [a, b, c] = p;
  switch (a) {
    case 'professionalCode':
      return b === 'value' ? 'code' : 'regulator';
    case 'prescriptionType':
      return 'prescriptionType';
    case 'telecom':
      return 'telecom';
    case 'jobRoleCode':
      return 'jobRoleCode';
    case 'name':
      return b === 'prefix' ? 'prefix' : b === 'given' ? 'given' : 'family';
    case 'organisation':
      switch (b) {
        case 'odsCode':
          return 'orgOds';
        case 'name':
        case undefined:
          return 'orgName';
        case 'typeCode':
          return 'orgTypeCode';
        case 'typeDisplay':
          return 'orgTypeDisplay';
        case 'telecom':
          return 'orgTelecom';
        case 'addressLines':
          return `address-${Math.min(Number(c ?? 0) || 0, MAX_ADDRESS_LINES - 1)}`;
        case 'city':
          return 'city';
        case 'district':
          return 'district';
        case 'postcode':
          return 'postcode';
        case 'partOf':
          return c === 'name' ? 'parentName' : 'parentOds';
        default:
          return null;
      }
    default:
      return null;
  }
}

function valueOf(f: PrescriberForm, field: FormField): string {
  if (field.startsWith('address-')) return f.addressLines[Number(field.slice(8))] ?? '';
  return f[field as Exclude<FormField, `address-${number}`>];
}

/**
 * A problem in a person's words. Scrip's own sentences are kept; zod's generic ones ("Too small:
 * expected string to have >=1 characters") become "Enter …" or "… is at most N characters".
 */
export function problemWords(field: FormField | null, message: string, form: PrescriberForm): string {
  if (!field || !/^(Too small|Too big|Invalid|Expected|Required)/i.test(message)) return message;
  const noun = field.startsWith('address-')
    ? `address line ${Number(field.slice(8)) + 1}`
    : nouns[field as Exclude<FormField, `address-${number}`>];
  if (field === 'regulator') return 'Choose your regulator.';
  if (field === 'prescriptionType') return 'Choose the prescription type.';
  const max = /<=\s*(\d+)/.exec(message)?.[1];
  if (/^Too big/i.test(message) && max)
    return `${noun.charAt(0).toUpperCase()}${noun.slice(1)} can be at most ${max} characters.`;
  if (!valueOf(form, field).trim()) return `Enter ${noun}.`;
  return `Check ${noun}.`;
}

interface PlacedProblem {
  field: FormField | null;
  text: string;
}

/** An invalid-input answer's `details.problems` ([{field, message}]) placed on the form's fields. */
export function placeServerProblems(details: unknown, fallback: string, form: PrescriberForm): PlacedProblem[] {
  const list = (details as { problems?: unknown } | undefined)?.problems;
  if (!Array.isArray(list) || !list.length) return [{ field: null, text: fallback }];
  const placed = list.map((p: { field?: unknown; message?: unknown }) => {
    const field = typeof p.field === 'string' ? fieldOf(p.field) : null;
    return { field, text: problemWords(field, typeof p.message === 'string' ? p.message : fallback, form) };
  });
  // One problem per field (the first), so a field never shows two sentences at once.
  return placed.filter((p, i) => !p.field || placed.findIndex((q) => q.field === p.field) === i);
}

/** Where the details signing uses come from now, in plain words. */
export function sourceWords(source: DetailsSource): { title: string; text: string } {
  switch (source) {
    case 'directory':
      return {
        title: "From the sandbox's directory",
        text: 'The built-in sandbox has a directory of its test users, their professional codes and their organisations, so signing works without entering anything. Details you save here are used instead, for this role.',
      };
    case 'settings':
      return {
        title: 'Saved on this computer',
        text: 'The details below go into every prescription you sign in this role. Change them here if they are wrong.',
      };
    case 'none':
      return {
        title: 'Not set',
        text: "This environment has no directory Scrip can ask for your professional registration and your organisation's details, and EPS needs them on every prescription. Enter them once: they are kept on this computer for this role.",
      };
  }
}
