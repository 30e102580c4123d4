// A synthetic dm+d release with the real file names and element structure and the size of a real
// one (~20k VMPs, ~80k AMPs), so the importer and search are tested and measured on the same shape
// without the licensed TRUD download. Names are built from real drug stems, strengths and forms;
// the codes are made up (they only look like SNOMED ids).
import { buildZip } from './zip';
import {
  ampXml,
  amppXml,
  ingredientXml,
  lookupXml,
  standardLookups,
  vmpXml,
  vmppXml,
  vtmXml,
  type AmpRec,
  type AmppRec,
  type LookupTables,
  type VmpRec,
  type VmppRec,
  type VtmRec,
} from './xml-writer';
import { writeFileSync } from 'node:fs';

const stems = [
  'Abacavir',
  'Acamprosate',
  'Acarbose',
  'Aceclofenac',
  'Acetazolamide',
  'Aciclovir',
  'Adalimumab',
  'Adenosine',
  'Alendronic acid',
  'Alfacalcidol',
  'Allopurinol',
  'Almotriptan',
  'Alogliptin',
  'Alverine',
  'Amantadine',
  'Amiloride',
  'Amiodarone',
  'Amisulpride',
  'Amitriptyline',
  'Amlodipine',
  'Amoxicillin',
  'Anastrozole',
  'Apixaban',
  'Aripiprazole',
  'Aspirin',
  'Atenolol',
  'Atorvastatin',
  'Azathioprine',
  'Azithromycin',
  'Baclofen',
  'Beclometasone',
  'Bendroflumethiazide',
  'Betahistine',
  'Betamethasone',
  'Bicalutamide',
  'Bisoprolol',
  'Budesonide',
  'Bumetanide',
  'Buprenorphine',
  'Candesartan',
  'Captopril',
  'Carbamazepine',
  'Carbimazole',
  'Carvedilol',
  'Cefalexin',
  'Cetirizine',
  'Chloramphenicol',
  'Chlordiazepoxide',
  'Chlorphenamine',
  'Ciprofloxacin',
  'Citalopram',
  'Clarithromycin',
  'Clindamycin',
  'Clobetasol',
  'Clonazepam',
  'Clopidogrel',
  'Clotrimazole',
  'Co-amoxiclav',
  'Co-codamol',
  'Codeine',
  'Colchicine',
  'Dapagliflozin',
  'Desmopressin',
  'Dexamethasone',
  'Diazepam',
  'Diclofenac',
  'Digoxin',
  'Dihydrocodeine',
  'Diltiazem',
  'Dipyridamole',
  'Docusate',
  'Domperidone',
  'Donepezil',
  'Doxazosin',
  'Doxycycline',
  'Duloxetine',
  'Edoxaban',
  'Empagliflozin',
  'Enalapril',
  'Entacapone',
  'Erythromycin',
  'Escitalopram',
  'Esomeprazole',
  'Ezetimibe',
  'Felodipine',
  'Fentanyl',
  'Ferrous sulfate',
  'Finasteride',
  'Flucloxacillin',
  'Fluconazole',
  'Fludrocortisone',
  'Fluoxetine',
  'Folic acid',
  'Furosemide',
  'Gabapentin',
  'Gliclazide',
  'Glimepiride',
  'Haloperidol',
  'Hydrocortisone',
  'Hydroxychloroquine',
  'Hyoscine',
  'Ibuprofen',
  'Indapamide',
  'Irbesartan',
  'Isosorbide mononitrate',
  'Ivabradine',
  'Lamotrigine',
  'Lansoprazole',
  'Letrozole',
  'Levetiracetam',
  'Levothyroxine',
  'Linagliptin',
  'Lisinopril',
  'Lithium carbonate',
  'Loperamide',
  'Loratadine',
  'Lorazepam',
  'Losartan',
  'Mebeverine',
  'Melatonin',
  'Metformin',
  'Methadone',
  'Methotrexate',
  'Metoclopramide',
  'Metoprolol',
  'Metronidazole',
  'Mirtazapine',
  'Montelukast',
  'Morphine',
  'Moxifloxacin',
  'Naproxen',
  'Nifedipine',
  'Nitrofurantoin',
  'Nortriptyline',
  'Nystatin',
  'Olanzapine',
  'Omeprazole',
  'Ondansetron',
  'Oxybutynin',
  'Oxycodone',
  'Pantoprazole',
  'Paracetamol',
  'Paroxetine',
  'Perindopril',
  'Phenoxymethylpenicillin',
  'Phenytoin',
  'Pioglitazone',
  'Pramipexole',
  'Pravastatin',
  'Prednisolone',
  'Pregabalin',
  'Prochlorperazine',
  'Promethazine',
  'Propranolol',
  'Quetiapine',
  'Ramipril',
  'Ranitidine',
  'Risperidone',
  'Rivaroxaban',
  'Ropinirole',
  'Rosuvastatin',
  'Salbutamol',
  'Senna',
  'Sertraline',
  'Sildenafil',
  'Simvastatin',
  'Sitagliptin',
  'Sodium valproate',
  'Solifenacin',
  'Sotalol',
  'Spironolactone',
  'Sumatriptan',
  'Tamoxifen',
  'Tamsulosin',
  'Temazepam',
  'Terbinafine',
  'Tiotropium',
  'Tolterodine',
  'Topiramate',
  'Tramadol',
  'Trazodone',
  'Trimethoprim',
  'Valaciclovir',
  'Venlafaxine',
  'Verapamil',
  'Warfarin',
  'Zolpidem',
  'Zopiclone',
];

interface FormSpec {
  suffix: string;
  formCd: string;
  routeCd: string;
  strength: 'mg' | 'mgml' | 'pct' | 'dose' | 'hour';
  unitDose?: string;
  packUom: string;
  packs: number[];
}
const forms: FormSpec[] = [
  {
    suffix: 'tablets',
    formCd: '385055001',
    routeCd: '26643006',
    strength: 'mg',
    unitDose: '428673006',
    packUom: '428673006',
    packs: [28, 56],
  },
  {
    suffix: 'capsules',
    formCd: '385049006',
    routeCd: '26643006',
    strength: 'mg',
    unitDose: '428641000',
    packUom: '428641000',
    packs: [28, 30],
  },
  {
    suffix: 'modified-release tablets',
    formCd: '385061003',
    routeCd: '26643006',
    strength: 'mg',
    unitDose: '428673006',
    packUom: '428673006',
    packs: [28, 60],
  },
  {
    suffix: 'gastro-resistant capsules',
    formCd: '385087003',
    routeCd: '26643006',
    strength: 'mg',
    unitDose: '428641000',
    packUom: '428641000',
    packs: [28],
  },
  {
    suffix: 'soluble tablets',
    formCd: '385035002',
    routeCd: '26643006',
    strength: 'mg',
    unitDose: '428673006',
    packUom: '428673006',
    packs: [24, 100],
  },
  {
    suffix: 'dispersible tablets',
    formCd: '385057009',
    routeCd: '26643006',
    strength: 'mg',
    unitDose: '428673006',
    packUom: '428673006',
    packs: [28],
  },
  {
    suffix: 'oral solution',
    formCd: '385023001',
    routeCd: '26643006',
    strength: 'mgml',
    packUom: '258773002',
    packs: [100, 150],
  },
  {
    suffix: 'oral suspension sugar free',
    formCd: '385024007',
    routeCd: '26643006',
    strength: 'mgml',
    packUom: '258773002',
    packs: [100],
  },
  { suffix: 'cream', formCd: '385099005', routeCd: '6064005', strength: 'pct', packUom: '258682000', packs: [15, 30] },
  { suffix: 'ointment', formCd: '385101003', routeCd: '6064005', strength: 'pct', packUom: '258682000', packs: [30] },
  { suffix: 'gel', formCd: '385100002', routeCd: '6064005', strength: 'pct', packUom: '258682000', packs: [50] },
  { suffix: 'eye drops', formCd: '385124005', routeCd: '54485002', strength: 'pct', packUom: '258773002', packs: [10] },
  {
    suffix: 'solution for injection ampoules',
    formCd: '385219001',
    routeCd: '47625008',
    strength: 'mgml',
    unitDose: '413516001',
    packUom: '413516001',
    packs: [5, 10],
  },
  {
    suffix: 'suppositories',
    formCd: '385194003',
    routeCd: '37161004',
    strength: 'mg',
    unitDose: '430293001',
    packUom: '430293001',
    packs: [10, 12],
  },
  {
    suffix: 'inhaler',
    formCd: '385203008',
    routeCd: '18679011000001101',
    strength: 'dose',
    unitDose: '3317411000001100',
    packUom: '3317411000001100',
    packs: [200],
  },
  {
    suffix: 'transdermal patches',
    formCd: '385114002',
    routeCd: '45890007',
    strength: 'hour',
    unitDose: '419702001',
    packUom: '419702001',
    packs: [4, 5],
  },
];
const mgStrengths = [
  '0.5',
  '1',
  '2',
  '2.5',
  '5',
  '10',
  '12.5',
  '15',
  '20',
  '25',
  '30',
  '40',
  '50',
  '75',
  '100',
  '125',
  '150',
  '200',
  '250',
  '300',
  '400',
  '500',
  '600',
  '750',
  '1000',
];
const pctStrengths = ['0.025', '0.05', '0.1', '0.5', '1', '2', '2.5', '5', '10'];
const supplierWords = [
  'Accent',
  'Alder',
  'Apex',
  'Aurum',
  'Beacon',
  'Birch',
  'Bramble',
  'Cedar',
  'Crest',
  'Delta',
  'Elm',
  'Fern',
  'Harbour',
  'Heron',
  'Kestrel',
  'Lark',
  'Linden',
  'Maple',
  'Meridian',
  'Northgate',
  'Oak',
  'Orbit',
  'Pennine',
  'Quay',
  'Rowan',
  'Solent',
  'Summit',
  'Thames',
  'Vale',
  'Willow',
];
const brandSyll = [
  'ta',
  'ro',
  'vex',
  'li',
  'mo',
  'zan',
  'pra',
  'nel',
  'sto',
  'qui',
  'dor',
  'fen',
  'cal',
  'mex',
  'tri',
  'lon',
];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

interface SyntheticOptions {
  vmps?: number;
  ampsPerVmp?: number;
  seed?: number;
  releaseDate?: string;
}
export interface SyntheticRelease {
  lookup: LookupTables;
  vtms: VtmRec[];
  vmps: VmpRec[];
  amps: AmpRec[];
  vmpps: VmppRec[];
  ampps: AmppRec[];
  /** Codes of hand-made fixtures every synthetic release contains, for assertions. */
  fixtures: {
    amoxicillin500: string;
    amoxicillin500Amp: string;
    amoxicillin500Pack: string;
    amoxicillin500Ampp: string;
    chloramphenicolDrops: string;
    invalidVmp: string;
    retiredVpid: string;
    morphineCd: string;
    invalidAmp: string;
  };
}

const id = (prefix: number, n: number, ns: string) => `${prefix}${String(n).padStart(7, '0')}${ns}`;

export function generateSyntheticRelease(opts: SyntheticOptions = {}): SyntheticRelease {
  const target = opts.vmps ?? 20_000;
  const ampsPerVmp = opts.ampsPerVmp ?? 4;
  const rand = rng(opts.seed ?? 42);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rand() * a.length)]!;
  const suppliers: Array<[string, string]> = [];
  for (let i = 0; i < 300; i++)
    suppliers.push([
      id(3, i, '1000001105'),
      `${supplierWords[i % supplierWords.length]} ${['Pharma', 'Healthcare', 'Generics', 'Medical', 'Laboratories'][Math.floor(i / 30) % 5]} Ltd${i >= 150 ? ` ${i}` : ''}`,
    ]);
  const lookup: LookupTables = { ...standardLookups, SUPPLIER: suppliers };
  const vtms: VtmRec[] = [];
  const vmps: VmpRec[] = [];
  const amps: AmpRec[] = [];
  const vmpps: VmppRec[] = [];
  const ampps: AmppRec[] = [];
  let nVmp = 0,
    nAmp = 0,
    nVmpp = 0,
    nAmpp = 0;
  const addVmp = (
    r: Omit<VmpRec, 'vpid'> & { vpid?: string },
    packs: number[],
    packUom: string,
    uomName: string,
    ampCount: number,
  ): { vpid: string; amp: string; pack: string; ampp: string } => {
    const vpid = r.vpid ?? id(4, nVmp++, '1000001108');
    vmps.push({ ...r, vpid });
    let firstPack = '',
      firstAmp = '',
      firstAmpp = '';
    const vmppIds: Array<[string, number]> = [];
    for (const q of packs) {
      const vppid = id(5, nVmpp++, '1000001101');
      firstPack ||= vppid;
      vmppIds.push([vppid, q]);
      vmpps.push({ vppid, vpid, name: `${r.name} ${q} ${uomName}`, qty: String(q), qtyUom: packUom });
    }
    for (let a = 0; a < ampCount; a++) {
      const apid = id(6, nAmp++, '1000001102');
      firstAmp ||= apid;
      const [suppCd, supplier] = pick(suppliers);
      const brand = a > 0 && rand() < 0.3;
      const name = brand
        ? `${pick(brandSyll)[0]!.toUpperCase()}${pick(brandSyll).slice(1)}${pick(brandSyll)}${pick(brandSyll)} ${r.name.split(' ').slice(1).join(' ')}`.trim()
        : r.name;
      amps.push({ apid, vpid, name, desc: `${name} (${supplier})`, suppCd });
      for (const [vppid, q] of vmppIds.slice(0, 1 + Math.floor(rand() * vmppIds.length))) {
        const appid = id(7, nAmpp++, '1000001106');
        firstAmpp ||= appid;
        ampps.push({ appid, apid, vppid, name: `${name} (${supplier}) ${q} ${uomName}`, legalCat: '0003' });
      }
    }
    return { vpid, amp: firstAmp, pack: firstPack, ampp: firstAmpp };
  };
  const uomName = (cd: string) => standardLookups.UNIT_OF_MEASURE!.find(([c]) => c === cd)?.[1] ?? cd;

  // Fixtures first: known products the tests look for.
  vtms.push({ vtmid: '27658006', name: 'Amoxicillin' });
  const amox = addVmp(
    {
      name: 'Amoxicillin 500mg capsules',
      vtmid: '27658006',
      presStat: '0001',
      dfInd: '1',
      udfs: '1',
      udfsUom: '428641000',
      unitDoseUom: '428641000',
      formCd: '385049006',
      routeCd: '26643006',
      cdCat: '0000',
      vpi: [{ isid: '372687004', value: '500', uom: '258684004' }],
    },
    [15, 21],
    '428641000',
    'capsule',
    2,
  );
  const chlor = addVmp(
    {
      name: 'Chloramphenicol 0.5% eye drops',
      presStat: '0001',
      dfInd: '2',
      formCd: '385124005',
      routeCd: '54485002',
      vpi: [{ isid: '372777009', value: '5', uom: '258684004', dvalue: '1', duom: '258773002' }],
    },
    [10],
    '258773002',
    'ml',
    1,
  );
  const invalid = addVmp(
    { name: 'Amoxicillin 500mg capsules (old entry)', invalid: true, presStat: '0001', formCd: '385049006' },
    [21],
    '428641000',
    'capsule',
    0,
  );
  const retiredVpid = '323509004';
  addVmp(
    {
      name: 'Amoxicillin 250mg/5ml oral suspension sugar free',
      vpidPrev: retiredVpid,
      presStat: '0001',
      dfInd: '2',
      formCd: '385024007',
      routeCd: '26643006',
      vpi: [{ isid: '372687004', value: '250', uom: '258684004', dvalue: '5', duom: '258773002' }],
    },
    [100],
    '258773002',
    'ml',
    1,
  );
  const morphine = addVmp(
    {
      name: 'Morphine 10mg modified-release tablets',
      presStat: '0001',
      dfInd: '1',
      unitDoseUom: '428673006',
      formCd: '385061003',
      routeCd: '26643006',
      cdCat: '0002',
      vpi: [{ isid: '373529000', value: '10', uom: '258684004' }],
    },
    [60],
    '428673006',
    'tablet',
    2,
  );
  const invalidAmp = id(6, nAmp++, '1000001102');
  amps.push({
    apid: invalidAmp,
    vpid: amox.vpid,
    name: 'Amoxicillin 500mg capsules',
    desc: 'Amoxicillin 500mg capsules (Withdrawn Ltd)',
    suppCd: suppliers[0]![0],
    invalid: true,
  });

  // Bulk: every stem × form × strength combination until the target is reached.
  const combos: Array<[string, FormSpec, string]> = [];
  for (const s of stems)
    for (const f of forms) {
      const strengths = f.strength === 'pct' ? pctStrengths : mgStrengths;
      for (const st of strengths) combos.push([s, f, st]);
    }
  for (let i = combos.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [combos[i], combos[j]] = [combos[j]!, combos[i]!];
  }
  let stemIdx = 0;
  const vtmIds = new Map<string, string>();
  for (const s of stems) {
    const v = id(2, stemIdx++, '1000001109');
    vtmIds.set(s, v);
    vtms.push({ vtmid: v, name: s });
  }
  for (const [stem, f, st] of combos) {
    if (vmps.length >= target) break;
    const strengthText =
      f.strength === 'mg'
        ? `${st}mg`
        : f.strength === 'mgml'
          ? `${st}mg/5ml`
          : f.strength === 'pct'
            ? `${st}%`
            : f.strength === 'dose'
              ? `${st}micrograms/dose`
              : `${st}micrograms/hour`;
    if (stem === 'Amoxicillin' && strengthText === '500mg' && f.suffix === 'capsules') continue;
    const name = `${stem} ${strengthText} ${f.suffix}`;
    const vpi =
      f.strength === 'pct'
        ? [{ isid: '1', value: String(Number(st) * 10), uom: '258684004', dvalue: '1', duom: f.packUom }]
        : f.strength === 'mgml'
          ? [{ isid: '1', value: st, uom: '258684004', dvalue: '5', duom: '258773002' }]
          : [{ isid: '1', value: st, uom: f.strength === 'mg' ? '258684004' : '258685003' }];
    const ampCount = Math.max(0, Math.round(ampsPerVmp * (0.5 + rand())));
    const r = rand();
    addVmp(
      {
        name,
        vtmid: vtmIds.get(stem)!,
        invalid: r < 0.01,
        presStat: r < 0.05 ? '0003' : '0001',
        dfInd: f.unitDose ? '1' : '2',
        unitDoseUom: f.unitDose,
        formCd: f.formCd,
        routeCd: f.routeCd,
        cdCat: ['Morphine', 'Oxycodone', 'Fentanyl', 'Methadone'].includes(stem)
          ? '0002'
          : ['Diazepam', 'Temazepam', 'Lorazepam'].includes(stem)
            ? '0009'
            : '0000',
        vpi,
      },
      f.packs,
      f.packUom,
      uomName(f.packUom),
      ampCount,
    );
  }
  return {
    lookup,
    vtms,
    vmps,
    amps,
    vmpps,
    ampps,
    fixtures: {
      amoxicillin500: amox.vpid,
      amoxicillin500Amp: amox.amp,
      amoxicillin500Pack: amox.pack,
      amoxicillin500Ampp: amox.ampp,
      chloramphenicolDrops: chlor.vpid,
      invalidVmp: invalid.vpid,
      retiredVpid,
      morphineCd: morphine.vpid,
      invalidAmp,
    },
  };
}

/** The XML files of a release, named as NHSBSA names them (f_xxx2_3DDMMYY.xml). */
export function syntheticReleaseFiles(
  rel: SyntheticRelease,
  releaseDate = '2025-11-10',
): Array<{ name: string; data: string }> {
  const [y, m, d] = releaseDate.split('-');
  const stamp = `3${d}${m}${y!.slice(2)}`;
  return [
    { name: `f_lookup2_${stamp}.xml`, data: lookupXml(rel.lookup) },
    { name: `f_ingredient2_${stamp}.xml`, data: ingredientXml([{ isid: '372687004', name: 'Amoxicillin' }]) },
    { name: `f_vtm2_${stamp}.xml`, data: vtmXml(rel.vtms) },
    { name: `f_vmp2_${stamp}.xml`, data: vmpXml(rel.vmps) },
    { name: `f_amp2_${stamp}.xml`, data: ampXml(rel.amps) },
    { name: `f_vmpp2_${stamp}.xml`, data: vmppXml(rel.vmpps) },
    { name: `f_ampp2_${stamp}.xml`, data: amppXml(rel.ampps) },
  ];
}

/** Writes the release as TRUD ships it: XML files at the top of the zip plus a nested GTIN zip. */
export function writeSyntheticReleaseZip(
  path: string,
  rel: SyntheticRelease,
  opts: { nested?: boolean; releaseDate?: string } = {},
): void {
  const files = syntheticReleaseFiles(rel, opts.releaseDate);
  const gtin = buildZip([
    {
      name: 'f_gtin2_0101125.xml',
      data: '<?xml version="1.0" encoding="utf-8" ?>\n<GTIN_DETAILS><AMPPS></AMPPS></GTIN_DETAILS>\n',
    },
  ]);
  const entries: Array<{ name: string; data: Uint8Array | string }> = opts.nested
    ? [
        { name: 'nhsbsa_dmd_inner.zip', data: buildZip(files) },
        { name: 'week452025-r2_3-GTIN.zip', data: gtin },
      ]
    : [...files, { name: 'week452025-r2_3-GTIN.zip', data: gtin }];
  writeFileSync(path, buildZip(entries));
}
