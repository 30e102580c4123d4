// The bundled medicines subset: the few dm+d products used in NHS England's public EPS example
// messages, so a fresh install and the sandbox have something to prescribe before a real dm+d
// release is imported. It goes through the same importer as a real release (as dm+d-shaped XML).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Readable } from 'node:stream';
import { z } from 'zod';
import { ScripError } from '../../errors';
import { importDmdFiles, openDmdDatabase } from './import';
import { MedicineIndex } from './search';
import type { DmdFile } from './release-files';
import { ampXml, amppXml, lookupXml, standardLookups, vmpXml, vmppXml, vtmXml, type VmpRec } from './xml-writer';

export const subsetReleaseVersion = 'Scrip bundled subset from public EPS examples — not a full dm+d release';

export const subsetSchema = z.object({
  label: z.string(),
  source: z.string(),
  sourceCommit: z.string(),
  medicines: z.array(
    z.object({
      code: z.string().regex(/^\d{6,18}$/),
      name: z.string().min(1),
      kind: z.enum(['vmp', 'amp']),
      unit: z.object({ code: z.string(), name: z.string() }),
      /** How the unit was chosen: as the example gave it, or from the form in the name where the example's unit is not a dm+d unit of measure for it. */
      unitSource: z.enum(['example', 'name']),
      exampleUnit: z.object({ code: z.string(), name: z.string() }),
      quantities: z.array(z.number()),
    }),
  ),
});
export type MedicineSubset = z.infer<typeof subsetSchema>;

/**
 * Where the bundled subset is: `data/dmd/subset.json` in the app root, found by walking up from this
 * module, which is main/prescribing/ when run from source and dist/electron/ (inside app.asar when
 * packaged) in the CommonJS Electron bundle, whose import.meta.url is the bundle's own file.
 */
export function subsetPath(from = dirname(fileURLToPath(import.meta.url))): string {
  if (process.env.SCRIP_DMD_SUBSET) return process.env.SCRIP_DMD_SUBSET;
  for (let dir = from, i = 0; i < 6; i++, dir = dirname(dir)) {
    const p = join(dir, 'data', 'dmd', 'subset.json');
    if (existsSync(p)) return p;
  }
  throw new ScripError(
    'internal',
    'The bundled medicines list (data/dmd/subset.json) is missing from this installation.',
    { searchedFrom: from },
    'Reinstall Scrip, or import a dm+d release.',
  );
}

export function readSubset(path = subsetPath()): MedicineSubset {
  return subsetSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
}

const formByUnit: Record<string, string> = {
  '428673006': '385055001',
  '428641000': '385049006',
  '3317411000001100': '385203008',
  '258773002': '385023001',
  '258682000': '385099005',
};

function subsetFiles(subset: MedicineSubset): DmdFile[] {
  const vmps: VmpRec[] = [];
  const units = new Map(standardLookups.UNIT_OF_MEASURE!);
  for (const m of subset.medicines) units.set(m.unit.code, m.unit.name);
  // Each product gets one pack per quantity seen in the examples; pack ids are derived from the
  // product code so they are stable (they are Scrip's own, not dm+d's).
  const vmpps = subset.medicines.flatMap((m) =>
    [...new Set(m.quantities)].map((q, i) => ({
      vppid: `${m.code.slice(0, 12)}9${i}0`,
      vpid: m.code,
      name: `${m.name} ${q} ${m.unit.name}`,
      qty: String(q),
      qtyUom: m.unit.code,
    })),
  );
  for (const m of subset.medicines) {
    const discrete = ['428673006', '428641000', '3317411000001100'].includes(m.unit.code);
    vmps.push({
      vpid: m.code,
      name: m.name,
      presStat: '0001',
      dfInd: discrete ? '1' : '2',
      unitDoseUom: discrete ? m.unit.code : undefined,
      formCd: formByUnit[m.unit.code],
      routeCd: m.unit.code === '3317411000001100' ? '18679011000001101' : '26643006',
      cdCat: '0000',
    });
  }
  const lookup = { ...standardLookups, UNIT_OF_MEASURE: [...units.entries()] };
  const text: Array<[DmdFile['kind'], string]> = [
    ['lookup', lookupXml(lookup)],
    ['vtm', vtmXml([])],
    ['vmp', vmpXml(vmps)],
    ['amp', ampXml([])],
    ['vmpp', vmppXml(vmpps)],
    ['ampp', amppXml([])],
  ];
  return text.map(([kind, data]) => ({ kind, name: `f_${kind}2_subset.xml`, open: () => Readable.from([data]) }));
}

/** A MedicineIndex over the bundled subset, in memory unless `dbPath` is given. */
export async function openBundledSubset(
  opts: { dbPath?: string; subset?: MedicineSubset } = {},
): Promise<MedicineIndex> {
  const db = openDmdDatabase(opts.dbPath ?? ':memory:');
  try {
    await importDmdFiles(db, subsetFiles(opts.subset ?? readSubset()), subsetReleaseVersion);
  } catch (e) {
    db.close();
    throw e;
  }
  return new MedicineIndex(db);
}
