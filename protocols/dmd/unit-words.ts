// A quantity in dm+d's unit of measure as a person reads it: "30 capsules", "1 capsule",
// "100 ml", "2 suppositories". dm+d names units in the singular ("capsule", "tablet", "ml",
// "pre-filled disposable injection"); symbols and abbreviations never take a plural. Pure.

// Units written as symbols or abbreviations (dm+d's UOM names), which stay as they are.
const INVARIANT = new Set([
  'ml',
  'mg',
  'g',
  'kg',
  'l',
  'microgram',
  'micrograms',
  'mmol',
  'unit dose',
  'cm',
  'mm',
  'iu',
  'nanogram',
]);

/** The plural of dm+d's singular unit name; the last word carries it ("pre-filled syringes"). */
export function pluralUnit(unit: string): string {
  const u = unit.trim();
  if (!u || INVARIANT.has(u.toLowerCase()) || /[^a-z\s-]/i.test(u) || u.length <= 2) return u;
  const m = /^(.*?)(\S+)$/.exec(u)!;
  const [, head, word] = m as unknown as [string, string, string];
  if (/s$/i.test(word)) return u; // already plural, or a word that does not change ("lens" is rare in dm+d)
  if (/[^aeiou]y$/i.test(word)) return `${head}${word.slice(0, -1)}ies`;
  if (/(x|ch|sh)$/i.test(word)) return `${head}${word}es`;
  return `${head}${word}s`;
}

/** "1 capsule", "30 capsules", "0.5 ml", "2.5 tablets". */
export function quantityWithUnit(value: number, unit: string): string {
  return `${value} ${value === 1 ? unit : pluralUnit(unit)}`.trim();
}
