// Builds data/dmd/subset.json from the dm+d codes, names and quantity units in the public EPS
// example messages (test/fixtures/eps-examples or the directory given). Run:
//   node --import tsx scripts/build-dmd-subset.ts [examplesDir] [outFile]
import { readFileSync, readdirSync, statSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { subsetSchema, type MedicineSubset } from '../main/prescribing/dmd/subset';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const examplesDir = process.argv[2] ?? join(root, 'test/fixtures/eps-examples');
const outFile = process.argv[3] ?? join(root, 'data/dmd/subset.json');

// dm+d units of measure by the form word in a product name; the examples sometimes quantify
// capsules as "tablet" or use a FORM code as the unit, and a prescriber must get the dm+d unit.
const unitByForm: Array<[RegExp, string, string]> = [
  [/capsules?\b/i, '428641000', 'capsule'],
  [/tablets?\b/i, '428673006', 'tablet'],
  [/inhaler|\/dose/i, '3317411000001100', 'dose'],
  [/oral (solution|suspension)|eye drops/i, '258773002', 'ml'],
  [/cream|ointment|gel\b/i, '258682000', 'gram'],
];

interface Seen {
  code: string;
  name: string;
  unitCode: string;
  unitName: string;
  quantities: Set<number>;
}

function* jsonFiles(dir: string): Generator<string> {
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) yield* jsonFiles(p);
    else if (f.endsWith('.json')) yield p;
  }
}

function walk(o: unknown, visit: (r: Record<string, unknown>) => void): void {
  if (Array.isArray(o)) {
    for (const v of o) walk(v, visit);
    return;
  }
  if (o && typeof o === 'object') {
    const r = o as Record<string, unknown>;
    if (r.resourceType === 'MedicationRequest') visit(r);
    for (const v of Object.values(r)) walk(v, visit);
  }
}

const seen = new Map<string, Seen>();
for (const file of jsonFiles(examplesDir)) {
  walk(JSON.parse(readFileSync(file, 'utf8')), (mr) => {
    const coding = (
      mr.medicationCodeableConcept as
        { coding?: Array<{ system?: string; code?: string; display?: string }> } | undefined
    )?.coding?.find((c) => c.system === 'http://snomed.info/sct');
    const q = (mr.dispenseRequest as { quantity?: { value?: number; unit?: string; code?: string } } | undefined)
      ?.quantity;
    if (!coding?.code || !coding.display || !q?.code || !q.unit) return;
    const s = seen.get(coding.code) ?? {
      code: coding.code,
      name: coding.display,
      unitCode: q.code,
      unitName: q.unit,
      quantities: new Set<number>(),
    };
    if (typeof q.value === 'number') s.quantities.add(q.value);
    seen.set(coding.code, s);
  });
}

const commitFile = join(examplesDir, 'SOURCE_COMMIT');
const subset: MedicineSubset = {
  label:
    'Scrip bundled subset from public EPS examples — not a full dm+d release. For the sandbox and tests only; import the NHSBSA dm+d release from TRUD to prescribe.',
  source: 'NHSDigital/electronic-prescription-service-api examples/primary-care (MIT, Crown Copyright NHS England)',
  sourceCommit: existsSync(commitFile) ? readFileSync(commitFile, 'utf8').trim() : 'unknown',
  medicines: [...seen.values()]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((s) => {
      const byName = unitByForm.find(([re]) => re.test(s.name));
      const fromName = byName && byName[1] !== s.unitCode;
      return {
        code: s.code,
        name: s.name,
        // AMP names carry the supplier in brackets; every product in these examples is a VMP.
        kind: /\([^)]+\)\s*$/.test(s.name) ? ('amp' as const) : ('vmp' as const),
        unit: fromName ? { code: byName[1], name: byName[2] } : { code: s.unitCode, name: s.unitName },
        unitSource: fromName ? ('name' as const) : ('example' as const),
        exampleUnit: { code: s.unitCode, name: s.unitName },
        quantities: [...s.quantities].sort((a, b) => a - b),
      };
    }),
};
subsetSchema.parse(subset);
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(outFile, JSON.stringify(subset, null, 2) + '\n');
process.stdout.write(
  `${subset.medicines.length} medicines from ${relative(process.cwd(), examplesDir)} → ${relative(process.cwd(), outFile)}\n`,
);
