import { z } from 'zod';
import { defineCommand } from './registry';
import { ScripError } from '../errors';
import { readDoseShortcut, doseSentence, supplyFor } from '../../protocols/dose/shortcut';

const coded = z.object({ code: z.string(), description: z.string() }).nullable();
const unit = z.object({ code: z.string(), name: z.string() }).nullable();
const pack = z.object({ code: z.string(), name: z.string(), quantity: z.number().nullable(), unitCode: z.string().nullable(), unitName: z.string().nullable() });
const hit = z.object({
  kind: z.enum(['vmp', 'amp']), code: z.string(), vmpCode: z.string(), name: z.string(), form: z.string().nullable(), route: z.string().nullable(),
  strength: z.string().nullable(), unit, packs: z.array(pack), supplier: z.string().nullable(), controlledDrug: coded, prescribingStatus: coded,
});
const release = z.object({ releaseVersion: z.string(), importedAt: z.string(), counts: z.record(z.string(), z.number()), subset: z.boolean() });

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
    kind: z.enum(['vmp', 'amp', 'vmpp', 'ampp']), code: z.string(), name: z.string(), invalid: z.boolean(), replacedBy: z.string().nullable(),
    product: hit.nullable(), pack: pack.nullable(), unit, warnings: z.array(z.string()),
  }),
  needs: { scope: 'read' },
  cli: { positional: ['code'] },
  errors: ['not-found'],
  run: async (input, ctx) => {
    const d = (await ctx.services.medicines.index()).byCode(input.code);
    if (!d) throw new ScripError('not-found', `dm+d has no product with the code ${input.code}.`, undefined, 'Check the code, or search by name.');
    return d;
  },
});

export const medicinesImport = defineCommand({
  name: 'medicines.import',
  summary: 'Import a dm+d XML release zip (as downloaded from TRUD)',
  http: { method: 'POST', path: '/medicines/import' },
  input: z.object({ zip: z.string().min(1).describe('Path to the release zip on this computer') }),
  output: z.object({ releaseVersion: z.string(), importedAt: z.string(), counts: z.record(z.string(), z.number()), ms: z.number() }),
  needs: { scope: 'admin' },
  cli: { positional: ['zip'] },
  run: async (input, ctx) => {
    const summary = await ctx.services.medicines.import(input.zip);
    ctx.services.audit.append(ctx.caller.label, 'medicines.import', { releaseVersion: summary.releaseVersion, counts: summary.counts });
    return summary;
  },
});

export const medicinesDose = defineCommand({
  name: 'medicines.dose',
  summary: 'Read a dose shortcut ("1 tds 5/7", "1-2 qds prn") into the dosage sentence, quantity and days of supply',
  description: 'The grammar and the quantity rule are in protocols/dose/shortcut.ts: exact dose units in the medicine\'s dm+d unit, whole dm+d packs only for metered-dose devices. Without a medicine, only the sentence and the structure are given.',
  http: { method: 'POST', path: '/medicines/dose' },
  input: z.object({
    shortcut: z.string().max(100).describe('What the prescriber typed, e.g. "1 tds 5/7"'),
    code: z.string().regex(/^\d{6,18}$/).optional().describe('The dm+d code of the medicine (VMP or AMP): its unit and pack sizes give the quantity'),
  }),
  output: z.object({
    sentence: z.string().describe('The dosage instructions in words'),
    dose: z.object({ min: z.number(), max: z.number(), unit: z.string().nullable() }).nullable(),
    perDay: z.number().nullable(), asNeeded: z.boolean(), durationDays: z.number().nullable(),
    quantity: z.number().nullable().describe('In the medicine\'s dm+d unit; null when it cannot be counted'),
    unit: z.string().nullable(), supplyDays: z.number().nullable(),
    basis: z.enum(['exact', 'whole-packs', 'one-pack', 'none']), why: z.string(),
  }),
  needs: { scope: 'read' },
  local: 'without-agent',
  cli: { positional: ['shortcut'] },
  errors: ['invalid-input', 'not-found'],
  run: async (input, ctx) => {
    const r = readDoseShortcut(input.shortcut);
    if (!r.ok) throw new ScripError('invalid-input', r.error, undefined, 'Type the dose as, for example, "1 tds 5/7" (one, three times a day, for 5 days).');
    const s = r.shortcut;
    let unit: string | null = null;
    let packs: number[] = [];
    if (input.code) {
      const d = (await ctx.services.medicines.index()).byCode(input.code);
      if (!d) throw new ScripError('not-found', `dm+d has no product with the code ${input.code}.`, undefined, 'Check the code, or search by name.');
      unit = d.unit?.name ?? d.product?.unit?.name ?? null;
      packs = (d.product?.packs ?? []).map((p) => p.quantity).filter((q): q is number => q !== null);
    }
    const supply = unit ? supplyFor(s, unit, packs) : { quantity: null, days: s.durationDays, basis: 'none' as const, why: 'No medicine was given, so there is no unit to count in.' };
    return { sentence: doseSentence(s, unit), dose: s.dose, perDay: s.perDay, asNeeded: s.asNeeded, durationDays: s.durationDays, quantity: supply.quantity, unit, supplyDays: supply.days, basis: supply.basis, why: supply.why };
  },
});

export const medicineCommands = [medicinesSearch, medicinesGet, medicinesImport, medicinesDose];
