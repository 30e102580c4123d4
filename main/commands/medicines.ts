import { z } from 'zod';
import { defineCommand, type CommandContext } from './registry';
import { ScripError } from '../errors';
import { readDoseShortcut, doseSentence, supplyFor } from '../../protocols/dose/shortcut';
import { favouriteCodes, readFormulary, recentCodes, setFavourite } from '../prescribing/shortlist';

const coded = z.object({ code: z.string(), description: z.string() }).nullable();
const unit = z.object({ code: z.string(), name: z.string() }).nullable();
const pack = z.object({
  code: z.string(),
  name: z.string(),
  quantity: z.number().nullable(),
  unitCode: z.string().nullable(),
  unitName: z.string().nullable(),
});
const hit = z.object({
  kind: z.enum(['vmp', 'amp']),
  code: z.string(),
  vmpCode: z.string(),
  name: z.string(),
  form: z.string().nullable(),
  route: z.string().nullable(),
  strength: z.string().nullable(),
  unit,
  packs: z.array(pack),
  supplier: z.string().nullable(),
  controlledDrug: coded,
  prescribingStatus: coded,
});
const release = z.object({
  releaseVersion: z.string(),
  importedAt: z.string(),
  counts: z.record(z.string(), z.number()),
  subset: z.boolean(),
});

export const medicinesSearch = defineCommand({
  name: 'medicines.search',
  summary: 'Find medicines in dm+d by name (prefix and word search)',
  http: { method: 'GET', path: '/medicines' },
  input: z.object({
    q: z.string().trim().min(1).max(200).describe('Name or part of it, e.g. "amox 500"'),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    kind: z.enum(['vmp', 'amp', 'all']).default('all'),
  }),
  output: z.object({ results: z.array(hit), release }),
  needs: { scope: 'read' },
  local: 'without-agent',
  cli: { positional: ['q'] },
  run: async (input, ctx) => {
    const index = await ctx.services.medicines.index();
    return { results: index.search(input.q, { limit: input.limit, kind: input.kind }), release: index.releaseInfo() };
  },
});

export const medicinesGet = defineCommand({
  name: 'medicines.get',
  summary: 'Look up a dm+d code (VMP, AMP, VMPP or AMPP), with its unit and any warning',
  http: { method: 'GET', path: '/medicines/{code}' },
  input: z.object({ code: z.string().regex(/^\d{6,18}$/) }),
  output: z.object({
    kind: z.enum(['vmp', 'amp', 'vmpp', 'ampp']),
    code: z.string(),
    name: z.string(),
    invalid: z.boolean(),
    replacedBy: z.string().nullable(),
    product: hit.nullable(),
    pack: pack.nullable(),
    unit,
    warnings: z.array(z.string()),
  }),
  needs: { scope: 'read' },
  cli: { positional: ['code'] },
  errors: ['not-found'],
  run: async (input, ctx) => {
    const d = (await ctx.services.medicines.index()).byCode(input.code);
    if (!d)
      throw new ScripError(
        'not-found',
        `dm+d has no product with the code ${input.code}.`,
        undefined,
        'Check the code, or search by name.',
      );
    return d;
  },
});

export const medicinesImport = defineCommand({
  name: 'medicines.import',
  summary: 'Import a dm+d XML release zip (as downloaded from TRUD)',
  http: { method: 'POST', path: '/medicines/import' },
  input: z.object({ zip: z.string().min(1).describe('Path to the release zip on this computer') }),
  output: z.object({
    releaseVersion: z.string(),
    importedAt: z.string(),
    counts: z.record(z.string(), z.number()),
    ms: z.number(),
  }),
  needs: { scope: 'admin' },
  cli: { positional: ['zip'] },
  run: async (input, ctx) => {
    const summary = await ctx.services.medicines.import(input.zip);
    ctx.services.audit.append(ctx.caller.label, 'medicines.import', {
      releaseVersion: summary.releaseVersion,
      counts: summary.counts,
    });
    return summary;
  },
});

export const medicinesDose = defineCommand({
  name: 'medicines.dose',
  summary: 'Read a dose shortcut ("1 tds 5/7", "1-2 qds prn") into the dosage sentence, quantity and days of supply',
  description:
    "The grammar and the quantity rule are in protocols/dose/shortcut.ts: exact dose units in the medicine's dm+d unit, whole dm+d packs only for metered-dose devices. Without a medicine, only the sentence and the structure are given.",
  http: { method: 'POST', path: '/medicines/dose' },
  input: z.object({
    shortcut: z.string().max(100).describe('What the prescriber typed, e.g. "1 tds 5/7"'),
    code: z
      .string()
      .regex(/^\d{6,18}$/)
      .optional()
      .describe('The dm+d code of the medicine (VMP or AMP): its unit and pack sizes give the quantity'),
  }),
  output: z.object({
    sentence: z.string().describe('The dosage instructions in words'),
    dose: z.object({ min: z.number(), max: z.number(), unit: z.string().nullable() }).nullable(),
    perDay: z.number().nullable(),
    asNeeded: z.boolean(),
    durationDays: z.number().nullable(),
    quantity: z.number().nullable().describe("In the medicine's dm+d unit; null when it cannot be counted"),
    unit: z.string().nullable(),
    supplyDays: z.number().nullable(),
    basis: z.enum(['exact', 'whole-packs', 'one-pack', 'none']),
    why: z.string(),
  }),
  needs: { scope: 'read' },
  local: 'without-agent',
  cli: { positional: ['shortcut'] },
  errors: ['invalid-input', 'not-found'],
  run: async (input, ctx) => {
    const r = readDoseShortcut(input.shortcut);
    if (!r.ok)
      throw new ScripError(
        'invalid-input',
        r.error,
        undefined,
        'Type the dose as, for example, "1 tds 5/7" (one, three times a day, for 5 days).',
      );
    const s = r.shortcut;
    let unit: string | null = null;
    let packs: number[] = [];
    if (input.code) {
      const d = (await ctx.services.medicines.index()).byCode(input.code);
      if (!d)
        throw new ScripError(
          'not-found',
          `dm+d has no product with the code ${input.code}.`,
          undefined,
          'Check the code, or search by name.',
        );
      unit = d.unit?.name ?? d.product?.unit?.name ?? null;
      packs = (d.product?.packs ?? []).map((p) => p.quantity).filter((q): q is number => q !== null);
    }
    const supply = unit
      ? supplyFor(s, unit, packs)
      : {
          quantity: null,
          days: s.durationDays,
          basis: 'none' as const,
          why: 'No medicine was given, so there is no unit to count in.',
        };
    return {
      sentence: doseSentence(s, unit),
      dose: s.dose,
      perDay: s.perDay,
      asNeeded: s.asNeeded,
      durationDays: s.durationDays,
      quantity: supply.quantity,
      unit,
      supplyDays: supply.days,
      basis: supply.basis,
      why: supply.why,
    };
  },
});

const userOf = (ctx: CommandContext) => ctx.services.identity.view().user?.id ?? 'local';

export const medicinesShortlist = defineCommand({
  name: 'medicines.shortlist',
  summary: 'The medicines offered before anything is typed: your favourites, your recent ones, the practice formulary',
  description:
    'Favourites are kept per user on this computer (medicines.favourite); recent ones come from your own prescriptions; the formulary is <data dir>/formulary.json, managed by the organisation ({ "name": …, "medicines": [{ "code": …, "note": … }] }). Codes dm+d does not know are left out and named in `problems`.',
  http: { method: 'GET', path: '/medicines/shortlist' },
  input: z.object({}),
  output: z.object({
    favourites: z.array(hit),
    recent: z.array(hit),
    formulary: z
      .object({ name: z.string(), medicines: z.array(hit.extend({ note: z.string().nullable() })) })
      .nullable(),
    problems: z.array(z.string()),
  }),
  needs: { scope: 'read' },
  run: async (_input, ctx) => {
    const user = userOf(ctx);
    const index = await ctx.services.medicines.index();
    const problems: string[] = [];
    const hitOf = (code: string, where: string) => {
      const h = index.byCode(code)?.product ?? null;
      if (!h) problems.push(`${where}: dm+d has no product with the code ${code}.`);
      return h;
    };
    const favourites = favouriteCodes(ctx.services.preferences, user)
      .map((c) => hitOf(c, 'Favourites'))
      .filter((h) => h !== null);
    const recent = recentCodes(ctx.services.prescriptions.list({ ownerUserId: user, limit: 50 }))
      .map((c) => hitOf(c, 'Recent'))
      .filter((h) => h !== null);
    const f = readFormulary(ctx.services.config.dataDir);
    if (f.problem) problems.push(f.problem);
    const formulary = f.formulary
      ? {
          name: f.formulary.name,
          medicines: f.formulary.medicines.flatMap((m) => {
            const h = hitOf(m.code, f.formulary!.name);
            return h ? [{ ...h, note: m.note ?? null }] : [];
          }),
        }
      : null;
    return { favourites, recent, formulary, problems };
  },
});

export const medicinesFavourite = defineCommand({
  name: 'medicines.favourite',
  summary: 'Add a medicine to your favourites, or take it off (kept per user on this computer)',
  http: { method: 'PUT', path: '/medicines/favourites/{code}' },
  input: z.object({
    code: z.string().regex(/^\d{6,18}$/),
    favourite: z.boolean().default(true).describe('false takes it off'),
  }),
  output: z.object({ favourites: z.array(z.string()).describe("Your favourites' dm+d codes, newest first") }),
  needs: { scope: 'prescribe' },
  cli: { positional: ['code'] },
  errors: ['not-found'],
  run: async (input, ctx) => {
    if (input.favourite && !(await ctx.services.medicines.index()).byCode(input.code))
      throw new ScripError(
        'not-found',
        `dm+d has no product with the code ${input.code}.`,
        undefined,
        'Check the code, or search by name.',
      );
    return { favourites: setFavourite(ctx.services.preferences, userOf(ctx), input.code, input.favourite) };
  },
});

// The shortlist comes before medicines.get: routes match in this order, and /medicines/shortlist would otherwise read as a code.
export const medicineCommands = [
  medicinesSearch,
  medicinesShortlist,
  medicinesGet,
  medicinesImport,
  medicinesDose,
  medicinesFavourite,
];
