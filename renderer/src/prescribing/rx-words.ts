// The prescription pad's words: what codes mean to a prescriber, numbers in words for controlled
// drugs, and which field a problem from `prescription.get` belongs to. Pure, so unit-tested.
import type { DraftContent, DraftItem, PatientSnapshot } from '../../../main/prescribing/model';
import { explainNhsNumber } from '../../../protocols/ids/nhs-number';
import { todayIso } from '../dates';

export type { DraftContent, DraftItem, PatientSnapshot };
export type TreatmentType = DraftContent['treatmentType'];
export type Endorsement = DraftItem['endorsements'][number];
export type CdSchedule = NonNullable<DraftItem['controlledDrug']>['schedule'];

export const treatmentWords: Record<TreatmentType, { label: string; hint: string }> = {
  acute: { label: 'Acute', hint: 'A one-off course of treatment.' },
  'repeat-prescribing': {
    label: 'Repeat prescribing',
    hint: 'Ongoing treatment: each repeat is issued by the prescriber.',
  },
  'repeat-dispensing': {
    label: 'Repeat dispensing',
    hint: 'Ongoing treatment: the pharmacy dispenses each issue at the set interval without a new prescription.',
  },
};

export const endorsementWords: Record<Endorsement, string> = {
  ACBS: 'ACBS: borderline substance approved by the Advisory Committee',
  AF: 'AF: appliance or food for a specified condition',
  CC: 'CC: contraceptive',
  FS: 'FS: free supply of sexual health treatment',
  SLS: 'SLS: selected list scheme',
};

export const scheduleWords: Record<CdSchedule, string> = {
  CD1: 'Schedule 1',
  CD2: 'Schedule 2',
  CD3: 'Schedule 3',
  'CD4-1': 'Schedule 4 (part 1)',
  'CD4-2': 'Schedule 4 (part 2)',
  CD5: 'Schedule 5',
};

/**
 * The schedule a dm+d controlled drug category (CONTROL_DRUG_CATEGORY code) suggests, or null for
 * "no controlled drug status". 0001 CD1; 0002–0003 CD2; 0004–0007 CD3; 0008 CD4 part 1; 0009 CD4
 * part 2; 0010 CD5 (dmd-pds-token-ui.md §2). The prescriber can change it.
 */
export function scheduleFromDmd(category: string | null | undefined): CdSchedule | null {
  const n = Number(category ?? '0');
  if (!Number.isInteger(n) || n <= 0) return null;
  if (n === 1) return 'CD1';
  if (n <= 3) return 'CD2';
  if (n <= 7) return 'CD3';
  if (n === 8) return 'CD4-1';
  if (n === 9) return 'CD4-2';
  if (n === 10) return 'CD5';
  return null;
}

/** Schedules 2 and 3 need the quantity in words and figures on the prescription. */
export const needsWords = (s: CdSchedule | null | undefined): boolean => s === 'CD2' || s === 'CD3';

const ones = [
  'zero',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'ten',
  'eleven',
  'twelve',
  'thirteen',
  'fourteen',
  'fifteen',
  'sixteen',
  'seventeen',
  'eighteen',
  'nineteen',
];
const tens = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];

function under1000(n: number): string {
  const h = Math.floor(n / 100),
    r = n % 100;
  const rest = r < 20 ? ones[r]! : `${tens[Math.floor(r / 10)]}${r % 10 ? ` ${ones[r % 10]}` : ''}`;
  if (!h) return rest;
  return r ? `${ones[h]} hundred and ${rest}` : `${ones[h]} hundred`;
}

/** 28 → 'twenty eight', 2.5 → 'two point five', 1500 → 'one thousand five hundred'; null if not a number up to 999,999. */
export function numberInWords(v: number): string | null {
  if (!Number.isFinite(v) || v < 0 || v >= 1_000_000) return null;
  const whole = Math.floor(v);
  const th = Math.floor(whole / 1000),
    r = whole % 1000;
  let words = th
    ? `${under1000(th)} thousand${r ? (r < 100 ? ` and ${under1000(r)}` : ` ${under1000(r)}`) : ''}`
    : under1000(r);
  const frac = v.toFixed(2).split('.')[1]!.replace(/0+$/, '');
  if (frac) words += ` point ${[...frac].map((d) => ones[Number(d)]).join(' ')}`;
  return words;
}

/** '9449305552' → '944 930 5552', as NHS numbers are shown. */
export function formatNhsNumber(n: string): string {
  const d = n.replace(/\s+/g, '');
  return d.length === 10 ? `${d.slice(0, 3)} ${d.slice(3, 6)} ${d.slice(6)}` : n;
}

/** '2008-09-20' → '20 September 2008'. */
export function formatDate(iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
  if (!m) return iso;
  const months = [
    'January',
    'February',
    'March',
    'April',
    'May',
    'June',
    'July',
    'August',
    'September',
    'October',
    'November',
    'December',
  ];
  return `${Number(m[3])} ${months[Number(m[2]) - 1]} ${m[1]}`;
}

/** Age in whole years on `today` (YYYY-MM-DD). */
export function ageOn(birthDate: string, today: string): number | null {
  const b = /^(\d{4})-(\d{2})-(\d{2})$/.exec(birthDate),
    t = /^(\d{4})-(\d{2})-(\d{2})/.exec(today);
  if (!b || !t) return null;
  let age = Number(t[1]) - Number(b[1]);
  if (t[2]! + t[3]! < b[2]! + b[3]!) age--;
  return age;
}

export function patientName(p: Pick<PatientSnapshot, 'prefix' | 'given' | 'family'>): string {
  const title = p.prefix ? p.prefix.charAt(0) + p.prefix.slice(1).toLowerCase() : '';
  const cap = (s: string) =>
    s
      .split(/([ -])/)
      .map((w) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase())
      .join('');
  return [title, ...p.given.map(cap), p.family.toUpperCase()].filter(Boolean).join(' ');
}

/** Day, month and year as typed → 'YYYY-MM-DD', or why not, in words ("the date of birth" must be past, a review date future). */
export function parseDateParts(
  day: string,
  month: string,
  year: string,
  what: { name: string; when: 'past' | 'future' } = { name: 'date of birth', when: 'past' },
): { date: string } | { error: string } {
  const [d, m, y] = [day.trim(), month.trim(), year.trim()];
  const The = `The ${what.name}`;
  if (!d && !m && !y) return { error: `Enter the ${what.name}.` };
  if (!d) return { error: `${The} must include a day.` };
  if (!m) return { error: `${The} must include a month.` };
  if (!y) return { error: `${The} must include a year.` };
  if (!/^\d{1,2}$/.test(d) || !/^\d{1,2}$/.test(m) || !/^\d{4}$/.test(y))
    return { error: `${The} must be a real date, for example 27 3 ${what.when === 'past' ? '1960' : '2027'}.` };
  const date = `${y}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`;
  const check = new Date(`${date}T00:00:00Z`);
  if (Number.isNaN(check.getTime()) || check.toISOString().slice(0, 10) !== date)
    return { error: `${The} must be a real date.` };
  const today = todayIso();
  if (what.when === 'past' && date > today) return { error: `${The} must be in the past.` };
  if (what.when === 'future' && date <= today) return { error: `${The} must be in the future.` };
  return { date };
}

/** The fields of the item editor that a problem can point at. */
export type ItemField = 'medicine' | 'quantity' | 'dosage' | 'cd-words';

interface Placed {
  text: string;
  where: 'patient' | 'items' | 'treatment' | { item: number; field: ItemField };
}

/**
 * Places each sentence of `prescription.get`'s `problems` on the page and field it concerns, so an
 * error summary can link to the field. The texts are the service's own (main/prescribing).
 */
export function placeProblems(problems: string[]): Placed[] {
  return problems.map((text) => {
    const item = /^Item (\d+) /.exec(text);
    if (item) {
      const n = Number(item[1]) - 1;
      const field: ItemField = /quantity in words/.test(text)
        ? 'cd-words'
        : /quantity/.test(text)
          ? 'quantity'
          : /dosage/.test(text)
            ? 'dosage'
            : 'medicine';
      return { text, where: { item: n, field } };
    }
    if (/patient/i.test(text)) return { text, where: 'patient' };
    if (/[Rr]epeat/.test(text)) return { text, where: 'treatment' };
    return { text, where: 'items' };
  });
}

/** The dosage sentence the structured fields say, to offer as the free text (the prescriber edits it). */
export function dosageSentence(d: DraftItem['dosage'], unitName: string | null): string {
  if (!d.doseValue || !d.frequencyPerDay) return '';
  const unit = d.doseUnit || unitName || '';
  const dose = `${numberInWords(d.doseValue) ?? d.doseValue}${unit ? ` ${unit}${d.doseValue > 1 && !unit.endsWith('s') && /^[a-z]+$/.test(unit) ? 's' : ''}` : ''}`;
  const times =
    d.frequencyPerDay === 1
      ? 'once a day'
      : d.frequencyPerDay === 2
        ? 'twice a day'
        : `${numberInWords(d.frequencyPerDay)} times a day`;
  const how = d.route?.display ? ` (${d.route.display.toLowerCase()})` : '';
  const days = d.durationDays ? ` for ${d.durationDays} day${d.durationDays === 1 ? '' : 's'}` : '';
  const text = `${dose} ${times}${how}${days}`;
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** What to say while someone types an NHS number: nothing until it could be complete, then the modulus 11 check. */
export function liveNhsNumberProblem(typed: string): string | null {
  const digits = typed.replace(/\s+/g, '');
  if (!digits) return null;
  if (!/^\d+$/.test(digits) || digits.length >= 10) return explainNhsNumber(digits);
  return null;
}

/**
 * A stand-in named by prescription.preview ("signing time 2026-11-30T16:00:00+00:00 (EPS sets it …)")
 * → what it is, the value shown in its place (the first word with a digit) and any note.
 */
export function placeholderParts(p: string): { what: string; value: string; note: string } {
  const m = /^(.+?) (\S*\d\S*)(?: \((.*)\))?$/.exec(p.trim());
  return m ? { what: m[1]!, value: m[2]!, note: m[3] ?? '' } : { what: p.trim(), value: '', note: '' };
}
