// Dose shortcuts as prescribers type them ("1 tds 5/7", "2 bd 7d", "1-2 qds prn", "5ml tds 5/7"):
// read into a structured dose, written out as the dosage sentence, and turned into a quantity and
// days of supply from the medicine's dm+d unit and pack sizes. Pure: the pad, the `dose.read`
// command and the tests share it.
//
// Grammar (case and spaces between parts do not matter; parts in this order):
//
//   shortcut  = [dose] [frequency] [timing] ["prn"] [duration]        at least one part
//   dose      = amount ["-" amount] [unit]          "1", "2", "0.5", "1-2", "5ml", "2.5 ml", "2 puffs"
//   amount    = digits ["." digits]
//   unit      = ml | mg | g | mcg | microgram(s) | puff(s) | drop(s) | spray(s) | tab(s) | tablet(s)
//             | cap(s) | capsule(s) | sachet(s) | dose(s)     (no unit: the medicine's dm+d unit)
//   frequency = od | om | on | bd | tds | tid | qds | qid | q<N>h (every N hours, N divides 24)
//             | <N>x (N times a day)
//   timing    = mane (in the morning, once a day) | nocte (at night, once a day)
//               ("om" is od + mane, "on" is od + nocte)
//   "prn"     = when required; with a frequency, that frequency is the most a day ("up to")
//   duration  = <N>/7 | <N>d | <N> days (days) · <N>/52 | <N>w | <N> weeks (weeks × 7)
//             | <N>/12 | <N>m (months × 28, as prescriptions count months)
//
// Quantity (supplyFor): Scrip works out exact dose units — largest dose × times a day × days — in
// the medicine's dm+d unit of measure, which is what an EPS quantity is. It does not round up to
// whole packs: dm+d lists each product's pack sizes (VMPP quantities) but sets no rule that a
// prescription be for whole packs, and dispensers may split packs of tablets and capsules and
// measure liquids. The exception is a metered dose ("dose", "puff", "spray", "actuation"): an
// inhaler or nasal spray cannot be split, so the quantity is rounded up to whole dm+d packs. With
// no duration ("prn", "mane") there is no course to count: no quantity is worked out, except for a
// metered-dose device, where it is one smallest pack. A dose in a unit other than the medicine's
// (500 mg of a tablet) cannot be counted either: the sentence is written, the quantity is left to
// the prescriber, and `why` says so.

import { pluralUnit } from '../dmd/unit-words';

export interface DoseShortcut {
  /** Smallest and largest dose ("1-2" → 1 and 2); null when no dose was typed. */
  dose: { min: number; max: number; unit: string | null } | null;
  /** Times a day (the most, when "prn"); null when not said. */
  perDay: number | null;
  /** Every N hours, when said that way (q4h), for the sentence. */
  everyHours: number | null;
  timing: 'morning' | 'night' | null;
  asNeeded: boolean;
  durationDays: number | null;
}

type DoseRead = { ok: true; shortcut: DoseShortcut } | { ok: false; error: string };

const FREQUENCIES: Record<string, { perDay: number; timing?: 'morning' | 'night' }> = {
  od: { perDay: 1 },
  om: { perDay: 1, timing: 'morning' },
  on: { perDay: 1, timing: 'night' },
  bd: { perDay: 2 },
  tds: { perDay: 3 },
  tid: { perDay: 3 },
  qds: { perDay: 4 },
  qid: { perDay: 4 },
};
const UNITS: Record<string, string> = {
  ml: 'ml',
  mg: 'mg',
  g: 'g',
  mcg: 'microgram',
  microgram: 'microgram',
  micrograms: 'microgram',
  puff: 'puff',
  puffs: 'puff',
  drop: 'drop',
  drops: 'drop',
  spray: 'spray',
  sprays: 'spray',
  tab: 'tablet',
  tabs: 'tablet',
  tablet: 'tablet',
  tablets: 'tablet',
  cap: 'capsule',
  caps: 'capsule',
  capsule: 'capsule',
  capsules: 'capsule',
  sachet: 'sachet',
  sachets: 'sachet',
  dose: 'dose',
  doses: 'dose',
};
const EXAMPLE = 'for example "1 tds 5/7", "2 bd 7d" or "1-2 qds prn"';

/** Reads a dose shortcut; an error says which part was not understood. */
export function readDoseShortcut(typed: string): DoseRead {
  // Split "5ml" into "5 ml", "1-2" stays whole, "5/7" stays whole.
  const tokens = typed
    .toLowerCase()
    .trim()
    .replace(/\b(\d+(?:\.\d+)?)([a-wyz][a-z]*)\b/g, '$1 $2')
    .replace(/\s*-\s*/g, '-')
    .split(/\s+/)
    .filter(Boolean);
  if (!tokens.length) return { ok: false, error: `Type a dose shortcut, ${EXAMPLE}.` };
  const s: DoseShortcut = {
    dose: null,
    perDay: null,
    everyHours: null,
    timing: null,
    asNeeded: false,
    durationDays: null,
  };
  let i = 0;
  const t = () => tokens[i];

  const dose = /^(\d+(?:\.\d+)?)(?:-(\d+(?:\.\d+)?))?$/.exec(t() ?? '');
  // A number followed by a duration word is a duration, not a dose ("7 days").
  if (dose && !/^(d|days?|w|weeks?|m|months?)$/.test(tokens[i + 1] ?? '')) {
    const min = Number(dose[1]),
      max = Number(dose[2] ?? dose[1]);
    if (!(min > 0) || max < min)
      return {
        ok: false,
        error: `"${t()}" is not a dose: a dose is more than zero, and a range goes from the smaller to the larger, as in "1-2".`,
      };
    i++;
    let unit: string | null = null;
    if (t() && UNITS[t()!]) {
      unit = UNITS[t()!]!;
      i++;
    }
    s.dose = { min, max, unit };
  }

  const freq = t() ? FREQUENCIES[t()!] : undefined;
  const every = /^q(\d+)h$/.exec(t() ?? '');
  const times = /^(\d+)x$/.exec(t() ?? '');
  if (freq) {
    s.perDay = freq.perDay;
    s.timing = freq.timing ?? null;
    i++;
  } else if (every) {
    const h = Number(every[1]);
    if (!h || 24 % h !== 0)
      return { ok: false, error: `"${t()}": every so many hours must divide the day (q4h, q6h, q8h, q12h).` };
    s.perDay = 24 / h;
    s.everyHours = h;
    i++;
  } else if (times) {
    const n = Number(times[1]);
    if (n < 1 || n > 24) return { ok: false, error: `"${t()}": times a day is from 1 to 24.` };
    s.perDay = n;
    i++;
  }

  if (t() === 'mane' || t() === 'nocte') {
    if (s.perDay !== null && s.perDay !== 1)
      return { ok: false, error: `"${t()}" means once a day, which does not go with ${s.perDay} times a day.` };
    s.timing = t() === 'mane' ? 'morning' : 'night';
    s.perDay = 1;
    i++;
  }
  if (t() === 'prn') {
    s.asNeeded = true;
    i++;
  }

  if (t()) {
    const joined = tokens.slice(i).join(' ');
    const m = /^(?:for )?(\d+)(?:\/(7|52|12)| ?(d|days?|w|weeks?|m|months?))$/.exec(joined);
    if (!m)
      return {
        ok: false,
        error: `"${joined}" was not understood. A shortcut is a dose, how often, then for how long: ${EXAMPLE}.`,
      };
    const n = Number(m[1]);
    const per = m[2] ?? m[3]!;
    const days = per === '7' || per.startsWith('d') ? n : per === '52' || per.startsWith('w') ? n * 7 : n * 28;
    if (days < 1 || days > 366)
      return { ok: false, error: `"${joined}" is ${days} days: a course is from 1 to 366 days.` };
    s.durationDays = days;
    i = tokens.length;
  }
  if (!s.dose && s.perDay === null && !s.asNeeded && s.durationDays === null)
    return { ok: false, error: `"${typed.trim()}" was not understood: ${EXAMPLE}.` };
  return { ok: true, shortcut: s };
}

const WORDS = ['', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'];
const SYMBOL_UNITS = new Set(['ml', 'mg', 'g', 'microgram']);
const plural = (unit: string, n: number): string => (n > 1 ? pluralUnit(unit) : unit);

function amountWords(n: number, countable: boolean): string {
  if (countable && n === 0.5) return 'half a';
  return countable && Number.isInteger(n) && n <= 10 ? WORDS[n]! : String(n);
}

/**
 * The dosage sentence: "One capsule three times a day for 5 days", "One or two tablets up to four
 * times a day when required", "5 ml three times a day for 5 days", "At night". `unitName` is the
 * medicine's dm+d unit (singular), used when the shortcut names none.
 */
export function doseSentence(s: DoseShortcut, unitName: string | null): string {
  const parts: string[] = [];
  if (s.dose) {
    const unit = s.dose.unit ?? unitName?.toLowerCase() ?? '';
    const countable = !SYMBOL_UNITS.has(unit);
    const amount =
      s.dose.min === s.dose.max
        ? amountWords(s.dose.min, countable)
        : `${amountWords(s.dose.min, countable)} or ${amountWords(s.dose.max, countable)}`;
    parts.push(`${amount}${unit ? ` ${plural(unit, s.dose.max)}` : ''}`);
  }
  if (s.perDay !== null && !s.timing) {
    const upTo = s.asNeeded ? 'up to ' : '';
    if (s.everyHours) parts.push(`${upTo}every ${s.everyHours} hours`);
    else
      parts.push(
        `${upTo}${s.perDay === 1 ? 'once a day' : s.perDay === 2 ? 'twice a day' : `${WORDS[s.perDay] ?? s.perDay} times a day`}`,
      );
  }
  if (s.timing) parts.push(s.timing === 'morning' ? 'in the morning' : 'at night');
  if (s.asNeeded) parts.push('when required');
  if (s.durationDays) parts.push(`for ${s.durationDays} day${s.durationDays === 1 ? '' : 's'}`);
  const text = parts.join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export interface Supply {
  /** In the medicine's dm+d unit; null when it cannot be counted (see `why`). */
  quantity: number | null;
  /** Days of supply: the course's length; null when the shortcut gives none. */
  days: number | null;
  basis: 'exact' | 'whole-packs' | 'one-pack' | 'none';
  /** Why, in a prescriber's words: how it was worked out, or why it was not. */
  why: string;
}

const METERED = /^(dose|puff|spray|actuation)s?$/;

/** Quantity and days of supply for a medicine whose dm+d unit is `unitName` and packs hold `packSizes` of it (the rule is in the header). */
export function supplyFor(s: DoseShortcut, unitName: string, packSizes: readonly number[]): Supply {
  const unit = unitName.toLowerCase();
  const packs = [...new Set(packSizes.filter((p) => p > 0))].sort((a, b) => a - b);
  const metered = METERED.test(unit);
  const days = s.durationDays;
  const doseUnit = s.dose?.unit ?? null;
  const sameUnit =
    doseUnit === null ||
    doseUnit === unit ||
    (metered && (doseUnit === 'puff' || doseUnit === 'spray' || doseUnit === 'dose'));
  if (s.dose && !sameUnit)
    return {
      quantity: null,
      days,
      basis: 'none',
      why: `The dose is in ${plural(doseUnit!, 2)} and this medicine is counted in ${plural(unit, 2)}: enter the quantity yourself.`,
    };
  if (!s.dose || s.perDay === null || days === null) {
    if (metered && packs.length)
      return {
        quantity: packs[0]!,
        days,
        basis: 'one-pack',
        why: `One pack of ${packs[0]} ${plural(unit, packs[0]!)}: a device cannot be split, and the shortcut gives no course to count.`,
      };
    const missing = !s.dose ? 'a dose' : s.perDay === null ? 'how often' : 'for how long';
    return {
      quantity: null,
      days,
      basis: 'none',
      why: `The shortcut gives no ${missing}, so there is no course to count: enter the quantity.`,
    };
  }
  const exact = Math.round(s.dose.max * s.perDay * days * 100) / 100;
  if (metered && packs.length) {
    const pack = packs.find((p) => p >= exact) ?? packs[packs.length - 1]!;
    const n = Math.ceil(exact / pack);
    return {
      quantity: n * pack,
      days,
      basis: 'whole-packs',
      why: `${exact} ${plural(unit, exact)} rounded up to ${n} whole pack${n === 1 ? '' : 's'} of ${pack}: a device cannot be split.`,
    };
  }
  const range = s.dose.min !== s.dose.max ? ` (the larger dose, ${s.dose.max})` : '';
  return {
    quantity: exact,
    days,
    basis: 'exact',
    why: `${s.dose.max} × ${s.perDay} a day × ${days} days = ${exact} ${plural(unit, exact)}${range}.`,
  };
}
