// What prescribing commands answer, declared once: the commands' output schemas use these, and the
// services' return types are inferred from them, so a field a service adds but the schema lacks
// fails the type check instead of silently vanishing on the wire (test/main/commands/view-types.test.ts).
import { z } from 'zod';

/** A line item of a prescription with what EPS last said about it. */
export const prescriptionItemView = z.object({
  lineId: z.string(),
  medication: z.string(),
  statusCode: z
    .string()
    .nullable()
    .describe(
      'Line item status from EPS (medicationdispense-type: 0001 fully dispensed … 0005 cancelled, 0007 to be dispensed, 0008 with dispenser); null until known',
    ),
  status: z.string().nullable().describe('The same in words'),
  dispensedAt: z.string().nullable(),
  cancelReason: z.string().nullable(),
  cancelAnswerCode: z.string().nullable().describe("EPS's answer to the last cancellation (R-0001 …)"),
  cancelAnswer: z.string().nullable().describe('What that answer means, for the prescriber'),
  cancelPending: z
    .boolean()
    .describe('A cancellation was sent and not answered; cancelling again resends the same request'),
});
/** EPS's answer to the cancellation of one line item, in a prescriber's words. */
const cancelItemResult = z.object({
  lineId: z.string(),
  medication: z.string().nullable(),
  ok: z.boolean().describe('true when the item is cancelled (or already was)'),
  code: z
    .string()
    .nullable()
    .describe(
      "EPS's answer code: R-0001 cancelled, R-0002/R-0003 with a dispenser (marked for cancellation), R-0004 already dispensed, R-0005 expired, R-0006 already cancelled, R-0008 not found …; null when EPS did not answer",
    ),
  outcome: z.enum(['cancelled', 'marked', 'refused', 'failed']),
  message: z.string().describe("What happened, in a prescriber's words"),
  serviceText: z.string().nullable(),
  itemStatus: z.string().nullable(),
  dispenser: z.string().nullable().describe('The pharmacy holding the item, when EPS says (R-0002/R-0003)'),
});

/** What cancelling answers: the prescription's status afterwards and each item's result. */
export const cancelOutcome = z.object({ id: z.string(), status: z.string(), results: z.array(cancelItemResult) });

/** One prescription's result of signing: committed to the outbox, or why not. */
export const signOutcome = z.object({
  id: z.string(),
  ok: z.boolean(),
  status: z.string(),
  shortFormId: z.string().nullable(),
  error: z.object({ code: z.string(), message: z.string(), action: z.string() }).optional(),
});

export type PrescriptionItemView = z.output<typeof prescriptionItemView>;
export type CancelItemResult = z.output<typeof cancelItemResult>;
export type CancelOutcome = z.output<typeof cancelOutcome>;
export type SignOutcome = z.output<typeof signOutcome>;
