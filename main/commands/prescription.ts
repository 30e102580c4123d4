// Prescribing commands. `prescription.digest` lets a supplier check their own messages: the base64
// SignedInfo that EPS's $prepare would return for a Bundle, computed by Scrip with no service and no card.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { defineCommand } from './registry';
import { prepareDigest, FragmentError } from '../../protocols/eps/fragments';
import { ScripError } from '../errors';

const hash = (alg: 'sha256' | 'sha1', data: string) => createHash(alg).update(data, 'utf8').digest('base64');

export const prescriptionDigest = defineCommand({
  name: 'prescription.digest',
  summary: 'Compute the digest EPS $prepare would return for a prescription Bundle (no service, no card)',
  description: 'The base64 canonical SignedInfo over the Bundle\'s FragmentsToBeHashed, with the canonical fragments themselves so they can be inspected.',
  http: { method: 'POST', path: '/prescriptions/digest' },
  input: z.object({
    bundle: z.record(z.string(), z.unknown()).describe('A FHIR prescription-order Bundle (the CLI reads it from a JSON file)'),
    timestamp: z.string().datetime({ offset: true }).optional().describe('The signing time, as $prepare returns it (default: now)'),
    algorithm: z.enum(['RS256', 'RS1']).default('RS256'),
  }),
  output: z.object({ digest: z.string(), timestamp: z.string(), algorithm: z.enum(['RS256', 'RS1']), signedInfo: z.string(), fragments: z.string() }),
  needs: { scope: 'read' },
  run: async (input) => {
    const timestamp = input.timestamp ?? new Date().toISOString().replace(/\.\d{3}Z$/, '+00:00');
    try {
      const r = prepareDigest(input.bundle, timestamp, input.algorithm, hash);
      return { digest: r.digest, timestamp, algorithm: input.algorithm, signedInfo: r.signedInfo, fragments: r.fragments };
    } catch (e) {
      if (e instanceof FragmentError) throw new ScripError('invalid-input', e.message, { expression: e.expression ?? null }, 'Correct the Bundle and try again.');
      throw e;
    }
  },
});

const record = z.object({
  id: z.string(), status: z.string(), draft: z.record(z.string(), z.unknown()), ownerUserId: z.string().nullable(), createdAt: z.string(), updatedAt: z.string(),
  shortFormId: z.string().nullable(), longFormId: z.string().nullable(), signedAt: z.string().nullable(), sendAttempts: z.number(),
  lastError: z.string().nullable(), serviceStatus: z.string().nullable(),
});
const view = (r: { bundle?: unknown; serviceResponse?: unknown; requestId?: unknown; nextAttemptAt?: unknown } & Record<string, unknown>) => {
  const { bundle: _b, serviceResponse: _s, requestId: _r, nextAttemptAt: _n, ...rest } = r;
  return rest as z.infer<typeof record>;
};
const id = z.uuid().describe('The prescription\'s local ID');

export const prescriptionCreate = defineCommand({
  name: 'prescription.create',
  summary: 'Start a prescription (a draft, saved at once)',
  http: { method: 'POST', path: '/prescriptions' },
  input: z.object({ draft: z.record(z.string(), z.unknown()).default({}).describe('Draft content (patient, items, treatment type); the CLI reads it from a JSON file') }),
  output: record,
  needs: { scope: 'prescribe' },
  run: async (input, ctx) => view(ctx.services.prescribing.create(input.draft) as unknown as Record<string, unknown>),
});

export const prescriptionUpdate = defineCommand({
  name: 'prescription.update',
  summary: 'Save a draft prescription (every change is saved)',
  http: { method: 'PUT', path: '/prescriptions/{id}' },
  input: z.object({ id, draft: z.record(z.string(), z.unknown()) }),
  output: record,
  needs: { scope: 'prescribe' },
  cli: { positional: ['id'] },
  errors: ['not-found', 'bad-state'],
  run: async (input, ctx) => view(ctx.services.prescribing.update(input.id, input.draft) as unknown as Record<string, unknown>),
});

export const prescriptionGet = defineCommand({
  name: 'prescription.get',
  summary: 'Show one prescription: draft, status, IDs, what the service said',
  http: { method: 'GET', path: '/prescriptions/{id}' },
  input: z.object({ id }),
  output: record.extend({ problems: z.array(z.string()) }),
  needs: { scope: 'read' },
  cli: { positional: ['id'] },
  errors: ['not-found'],
  run: async (input, ctx) => {
    const r = ctx.services.prescribing.get(input.id);
    return { ...view(r as unknown as Record<string, unknown>), problems: r.status === 'draft' ? ctx.services.prescribing.problems(r.draft) : [] };
  },
});

export const prescriptionList = defineCommand({
  name: 'prescription.list',
  summary: 'List prescriptions on this computer, newest first',
  http: { method: 'GET', path: '/prescriptions' },
  input: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }),
  output: z.object({ prescriptions: z.array(record) }),
  needs: { scope: 'read' },
  run: async (input, ctx) => ({ prescriptions: ctx.services.prescriptions.list({ limit: input.limit }).map((r) => view(r as unknown as Record<string, unknown>)) }),
});

export const prescriptionSign = defineCommand({
  name: 'prescription.sign',
  summary: 'Sign prescriptions with your card and queue them for EPS',
  description: 'Checks that EPS\'s $prepare digest equals the one Scrip computes itself before the card signs. The PIN is asked for only when the card requires it (the signing key needs it every time).',
  http: { method: 'POST', path: '/prescriptions/signature' },
  input: z.object({ ids: z.array(id).min(1).max(250), pin: z.string().optional().describe('The card passcode; read from standard input by the CLI') }),
  output: z.object({ results: z.array(z.object({ id: z.string(), ok: z.boolean(), status: z.string(), shortFormId: z.string().nullable(), error: z.object({ code: z.string(), message: z.string(), action: z.string() }).optional() })) }),
  needs: { scope: 'sign', session: true },
  cli: { stdin: ['pin'] },
  run: async (input, ctx) => ({ results: await ctx.services.prescribing.sign(input.ids, input.pin) }),
});

export const prescriptionSend = defineCommand({
  name: 'prescription.send',
  summary: 'Send what is waiting in the outbox now (it is also sent automatically)',
  http: { method: 'POST', path: '/prescriptions/outbox' },
  input: z.object({}),
  output: z.object({ waiting: z.number().int(), accepted: z.number().int(), rejected: z.number().int() }),
  needs: { scope: 'prescribe' },
  run: async (_i, ctx) => {
    await ctx.services.prescribing.send();
    const all = ctx.services.prescriptions.list({ limit: 500 });
    return { waiting: all.filter((r) => r.status === 'signed' || r.status === 'sending').length, accepted: all.filter((r) => r.status === 'accepted').length, rejected: all.filter((r) => r.status === 'rejected').length };
  },
});

export const prescriptionToken = defineCommand({
  name: 'prescription.token',
  summary: 'The printable EPS token (A5 PDF) of a signed prescription',
  http: { method: 'GET', path: '/prescriptions/{id}/token' },
  input: z.object({ id }),
  output: z.object({ filename: z.string(), pdfBase64: z.string() }),
  needs: { scope: 'read', session: true },
  cli: { positional: ['id'] },
  errors: ['not-found', 'bad-state'],
  run: async (input, ctx) => {
    const pdf = await ctx.services.prescribing.token(input.id);
    const r = ctx.services.prescribing.get(input.id);
    return { filename: `token-${r.shortFormId}.pdf`, pdfBase64: Buffer.from(pdf).toString('base64') };
  },
});

export const prescriptionCommands = [prescriptionDigest, prescriptionCreate, prescriptionUpdate, prescriptionGet, prescriptionList, prescriptionSign, prescriptionSend, prescriptionToken];
