import { z } from 'zod';
import { defineCommand } from './registry';
import { ScripError } from '../errors';

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

export const medicineCommands = [medicinesSearch, medicinesGet, medicinesImport];
