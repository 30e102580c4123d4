// Prescribing commands. `prescription.digest` lets a supplier check their own messages: the base64
// SignedInfo that EPS's $prepare would return for a Bundle, computed by Scrip with no service and no card.
import { z } from 'zod';
import { defineCommand, type CommandContext } from './registry';
import { cancelReasonCodes } from '../prescribing/cancellation-message';
import { CANCEL_REASONS } from '../../protocols/eps/status-codes';
import { ScripError } from '../errors';
import { prescriptionVerify } from './prescription-verify';
import type { DraftContent } from '../prescribing/model';
import { cancelOutcome, prescriptionItemView, signOutcome } from '../prescribing/views';

export const prescriptionDigest = defineCommand({
  name: 'prescription.digest',
  summary: 'Compute the digest EPS $prepare would return for a prescription Bundle (no service, no card)',
  description:
    "The base64 canonical SignedInfo over the Bundle's FragmentsToBeHashed, with the canonical fragments themselves so they can be inspected.",
  http: { method: 'POST', path: '/prescriptions/digest' },
  input: z.object({
    bundle: z
      .record(z.string(), z.unknown())
      .describe('A FHIR prescription-order Bundle (the CLI reads it from a JSON file)'),
    timestamp: z
      .string()
      .datetime({ offset: true })
      .optional()
      .describe('The signing time, as $prepare returns it (default: now)'),
    algorithm: z.enum(['RS256', 'RS1']).default('RS256'),
  }),
  output: z.object({
    digest: z.string(),
    timestamp: z.string(),
    algorithm: z.enum(['RS256', 'RS1']),
    signedInfo: z.string(),
    fragments: z.string(),
  }),
  needs: { scope: 'read' },
  local: 'always',
  run: async (input) => {
    // The FHIR → HL7 v3 fragments code loads when a digest is asked for, not with the command list.
    const [{ prepareDigest, FragmentError, epsTimestamp }, { nodeHash }] = await Promise.all([
      import('../../protocols/eps/fragments'),
      import('../prescribing/node-hash'),
    ]);
    const timestamp = input.timestamp ?? epsTimestamp(new Date());
    try {
      const r = prepareDigest(input.bundle, timestamp, input.algorithm, nodeHash);
      return {
        digest: r.digest,
        timestamp,
        algorithm: input.algorithm,
        signedInfo: r.signedInfo,
        fragments: r.fragments,
      };
    } catch (e) {
      if (e instanceof FragmentError)
        throw new ScripError(
          'invalid-input',
          e.message,
          { expression: e.expression ?? null },
          'Correct the Bundle and try again.',
        );
      throw e;
    }
  },
});

const tracking = z
  .object({
    statusCode: z
      .string()
      .describe(
        'Prescription status from the tracker (EPS-task-business-status 0001 To be Dispensed … 0007), or "unknown"',
      ),
    status: z.string(),
    owner: z
      .object({ ods: z.string(), name: z.string().optional() })
      .nullable()
      .describe('The dispenser holding it, else the nominated pharmacy'),
    checkedAt: z.string(),
  })
  .nullable();
// The draft as stored: typed as the draft model, checked only to be an object, because a draft saved
// under older, looser rules is shown as it is (main/prescribing/store.ts readDraft), not refused.
const storedDraft = z
  .custom<DraftContent>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), 'a draft is an object')
  .describe('Draft content: patient, items, treatment type (see prescription.create)');
const record = z.object({
  id: z.string(),
  status: z.string(),
  draft: storedDraft,
  ownerUserId: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  shortFormId: z.string().nullable(),
  longFormId: z.string().nullable(),
  signedAt: z.string().nullable(),
  sendAttempts: z.number(),
  lastError: z.string().nullable(),
  serviceStatus: z.string().nullable(),
  tracking: tracking.describe('What the EPS tracker last said (null: not tracked yet)'),
  items: z.array(prescriptionItemView).describe('Each line item with its status at EPS'),
  refusal: z
    .object({
      httpStatus: z.number().int().nullable(),
      issues: z.array(
        z.object({
          code: z.string().nullable().describe('Spine error code, e.g. INVALID_VALUE'),
          display: z.string().nullable(),
          text: z.string().describe("EPS's reason, in its words"),
          field: z.string().nullable().describe('The FHIR path EPS names'),
        }),
      ),
    })
    .nullable()
    .describe('Why EPS refused the prescription, issue by issue (null unless it was refused)'),
});
type Rec = {
  bundle?: unknown;
  serviceResponse?: unknown;
  requestId?: unknown;
  nextAttemptAt?: unknown;
  id: string;
} & Record<string, unknown>;
const view = (r: Rec, items: z.infer<typeof prescriptionItemView>[], refusal: z.infer<typeof record>['refusal']) => {
  const { bundle: _b, serviceResponse: _s, requestId: _r, nextAttemptAt: _n, ...rest } = r;
  return { ...rest, items, refusal } as z.infer<typeof record>;
};
const viewOf = (ctx: CommandContext, r: object) =>
  view(r as Rec, ctx.services.prescribing.items((r as Rec).id), ctx.services.prescribing.refusal((r as Rec).id));
const id = z.uuid().describe("The prescription's local ID");

export const prescriptionCreate = defineCommand({
  name: 'prescription.create',
  summary: 'Start a prescription (a draft, saved at once)',
  http: { method: 'POST', path: '/prescriptions' },
  input: z.object({
    draft: z
      .record(z.string(), z.unknown())
      .default({})
      .describe('Draft content (patient, items, treatment type); the CLI reads it from a JSON file'),
  }),
  output: record,
  needs: { scope: 'prescribe' },
  cli: { aliases: { file: 'draft' } },
  run: async (input, ctx) => viewOf(ctx, ctx.services.prescribing.create(input.draft)),
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
  run: async (input, ctx) => viewOf(ctx, ctx.services.prescribing.update(input.id, input.draft)),
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
    return { ...viewOf(ctx, r), problems: r.status === 'draft' ? await ctx.services.prescribing.check(r.draft) : [] };
  },
});

export const prescriptionList = defineCommand({
  name: 'prescription.list',
  summary: 'List prescriptions on this computer, newest first',
  description: "With `nhsNumber`, only that patient's: the pad shows them beside the patient, to prescribe again.",
  http: { method: 'GET', path: '/prescriptions' },
  input: z.object({
    limit: z.coerce.number().int().min(1).max(500).default(100),
    nhsNumber: z
      .string()
      .regex(/^\d{10}$/, 'An NHS number is 10 digits with no spaces.')
      .optional()
      .describe("Only this patient's prescriptions"),
  }),
  output: z.object({ prescriptions: z.array(record) }),
  needs: { scope: 'read' },
  run: async (input, ctx) => ({
    prescriptions: ctx.services.prescriptions
      .list({ limit: input.limit, ...(input.nhsNumber ? { nhsNumber: input.nhsNumber } : {}) })
      .map((r) => viewOf(ctx, r)),
  }),
});

export const prescriptionPreview = defineCommand({
  name: 'prescription.preview',
  summary: 'Show the canonical text the card will sign for a draft (the FragmentsToBeHashed)',
  description:
    "Built by Scrip from the draft and the selected role's prescriber details, with the prescription IDs it will be signed with (fixed now). Only the signing time, set by EPS when the card signs, is a stand-in here, listed in `placeholders`.",
  http: { method: 'POST', path: '/prescriptions/{id}/preview' },
  input: z.object({ id }),
  output: z.object({ fragments: z.string(), timestamp: z.string(), placeholders: z.array(z.string()) }),
  needs: { scope: 'read', session: true },
  cli: { positional: ['id'] },
  errors: ['not-found', 'bad-state', 'invalid-input'],
  run: async (input, ctx) => ctx.services.prescribing.preview(input.id),
});

export const prescriptionDiscard = defineCommand({
  name: 'prescription.discard',
  summary: 'Throw away a draft (a signed prescription can only be cancelled)',
  http: { method: 'DELETE', path: '/prescriptions/{id}' },
  input: z.object({ id }),
  output: z.object({ id: z.string(), discarded: z.literal(true) }),
  needs: { scope: 'prescribe' },
  cli: { positional: ['id'] },
  errors: ['not-found', 'bad-state'],
  run: async (input, ctx) => {
    ctx.services.prescribing.discard(input.id);
    return { id: input.id, discarded: true as const };
  },
});

export const prescriptionCopy = defineCommand({
  name: 'prescription.copy',
  summary: 'Write a prescription again: a new draft with the same patient and items',
  description:
    'For a prescription EPS refused, or to prescribe the same again. The items get new line IDs; the patient must be confirmed again before signing.',
  http: { method: 'POST', path: '/prescriptions/{id}/copy' },
  input: z.object({ id }),
  output: record,
  needs: { scope: 'prescribe' },
  cli: { positional: ['id'] },
  errors: ['not-found'],
  run: async (input, ctx) => viewOf(ctx, ctx.services.prescribing.copy(input.id)),
});

export const prescriptionReissue = defineCommand({
  name: 'prescription.reissue',
  summary: 'Re-issue a repeat: a new draft from an earlier signed repeat prescription (its template)',
  description:
    'Same items, treatment and review date; new line IDs; the patient must be confirmed again before signing. Refused for anything but a signed repeat prescription, and once its review date has passed.',
  http: { method: 'POST', path: '/prescriptions/{id}/reissue' },
  input: z.object({ id }),
  output: record,
  needs: { scope: 'prescribe' },
  cli: { positional: ['id'] },
  errors: ['not-found', 'bad-state'],
  run: async (input, ctx) => viewOf(ctx, ctx.services.prescribing.reissue(input.id)),
});

export const prescriptionSign = defineCommand({
  name: 'prescription.sign',
  summary: 'Sign prescriptions with your card and queue them for EPS',
  description:
    "Checks that EPS's $prepare digest equals the one Scrip computes itself before the card signs. Several IDs are one batch: all are prepared, then signed in one hold of the card with the PIN given once (the signing key needs a fresh PIN check for every signature; Scrip presents it, the person types it once). One result per ID; a failing item does not stop the others, but a card or PIN failure stops the batch (a wrong PIN is never tried twice) and leaves the rest as drafts.",
  http: { method: 'POST', path: '/prescriptions/signature' },
  input: z.object({
    ids: z.array(id).min(1).max(250),
    pin: z.string().optional().describe('The card passcode; read from standard input by the CLI'),
  }),
  output: z.object({ results: z.array(signOutcome) }),
  needs: { scope: 'sign', session: true, activity: 'prescribing' },
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
    return {
      waiting: all.filter((r) => r.status === 'signed' || r.status === 'sending').length,
      accepted: all.filter((r) => r.status === 'accepted').length,
      rejected: all.filter((r) => r.status === 'rejected').length,
    };
  },
});

export const prescriptionToken = defineCommand({
  name: 'prescription.token',
  summary: 'The printable EPS token (A5 PDF) of a signed prescription',
  http: { method: 'GET', path: '/prescriptions/{id}/token' },
  input: z.object({ id }),
  output: z.object({ filename: z.string(), pdfBase64: z.string() }),
  needs: { scope: 'read', session: true },
  cli: { positional: ['id'], saveAs: { flag: 'pdf', field: 'pdfBase64', what: 'the token PDF' } },
  errors: ['not-found', 'bad-state'],
  run: async (input, ctx) => {
    const pdf = await ctx.services.prescribing.token(input.id);
    const r = ctx.services.prescribing.get(input.id);
    return { filename: `token-${r.shortFormId}.pdf`, pdfBase64: Buffer.from(pdf).toString('base64') };
  },
});

export const prescriptionCancel = defineCommand({
  name: 'prescription.cancel',
  summary: 'Cancel a sent prescription, or some of its items, with an EPS reason',
  description: `One EPS prescription-order-update per item. Reasons: ${Object.entries(CANCEL_REASONS)
    .map(([c, d]) => `${c} ${d}`)
    .join('; ')}. Trying again after a failure sends the same request (X-Request-ID), so nothing is cancelled twice.`,
  http: { method: 'POST', path: '/prescriptions/{id}/cancellation' },
  input: z.object({
    id,
    reason: z.enum(cancelReasonCodes).describe('EPS cancellation reason code'),
    lineIds: z.array(z.uuid()).min(1).max(4).optional().describe('The line items to cancel (default: every item)'),
  }),
  output: cancelOutcome,
  needs: { scope: 'prescribe', session: true },
  cli: { positional: ['id'] },
  errors: ['not-found', 'bad-state', 'invalid-input'],
  run: async (input, ctx) => ctx.services.cancellation.cancel(input.id, input.reason, input.lineIds),
});

export const prescriptionTrack = defineCommand({
  name: 'prescription.track',
  summary: "Ask the EPS tracker for a prescription's status and each item's",
  description: 'Also done every few minutes for your sent prescriptions while you are logged in with a role.',
  http: { method: 'POST', path: '/prescriptions/{id}/tracking' },
  input: z.object({ id }),
  output: record,
  needs: { scope: 'read', session: true },
  cli: { positional: ['id'] },
  errors: ['not-found', 'bad-state', 'service-error', 'service-unreachable'],
  run: async (input, ctx) => viewOf(ctx, await ctx.services.tracking.track(input.id)),
});

export const prescriptionCommands = [
  prescriptionDigest,
  prescriptionVerify,
  prescriptionCreate,
  prescriptionUpdate,
  prescriptionGet,
  prescriptionList,
  prescriptionPreview,
  prescriptionDiscard,
  prescriptionCopy,
  prescriptionReissue,
  prescriptionSign,
  prescriptionSend,
  prescriptionToken,
  prescriptionCancel,
  prescriptionTrack,
];
