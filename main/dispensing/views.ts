// What dispensing commands answer, declared once: the commands' output schemas are these, and the
// service's return types are inferred from them, so a field the service adds but the schema lacks
// fails the type check instead of silently vanishing on the wire (test/main/commands/view-types.test.ts).
import { z } from 'zod';
import { dispensingStatuses } from './store';

const check = z.object({
  ok: z.boolean(),
  errors: z.array(z.string()),
  signer: z.object({ subject: z.string(), serial: z.string(), validTo: z.string() }).nullable(),
  signedAt: z.string().nullable(),
});
const signature = z.object({
  ok: z
    .boolean()
    .describe("Both Scrip's check and EPS's passed: only then may it be dispensed (Dispensing SCAL 1.6.9)"),
  scrip: check.describe("Scrip's own verification against the environment's CA bundle"),
  service: z.object({ ok: z.boolean(), errors: z.array(z.string()) }).describe("EPS's verdict on release"),
  checkedAt: z.string(),
});
/** A line item of a released prescription. */
const dispensingItemView = z.object({
  lineId: z.string(),
  medication: z.object({ code: z.string(), display: z.string() }),
  quantity: z.object({ value: z.number(), unit: z.string() }).nullable().describe('Prescribed quantity'),
  dosage: z.string().nullable(),
  statusCode: z
    .string()
    .describe(
      'Line item status (medicationdispense-type 0001 fully dispensed, 0002 not dispensed, 0003 partial, 0007 to be dispensed, 0008 with dispenser)',
    ),
  status: z.string(),
  dispensedQuantity: z.number().nullable(),
});
/** A released prescription as the pharmacist sees it. */
export const dispensingView = z.object({
  id: z.string().describe("Scrip's local ID of the released prescription"),
  shortFormId: z.string(),
  status: z.enum(dispensingStatuses),
  prescriptionStatusCode: z.string().describe('EPS-task-business-status as Scrip last knows it'),
  prescriptionStatus: z.string(),
  ods: z.string().describe('The pharmacy it was released to'),
  releasedAt: z.string(),
  updatedAt: z.string(),
  patient: z
    .object({
      nhsNumber: z.string(),
      name: z.string(),
      birthDate: z.string().nullable(),
      gender: z.string().nullable(),
      address: z.string().nullable(),
    })
    .nullable(),
  prescriber: z
    .object({
      name: z.string(),
      userId: z.string().nullable(),
      organisation: z.string(),
      ods: z.string().nullable(),
      telecom: z.string().nullable(),
    })
    .nullable(),
  items: z.array(dispensingItemView),
  signature,
  canDispense: z.boolean(),
  canReturn: z.boolean(),
  canWithdraw: z.boolean(),
  lastNotificationId: z.string().nullable(),
  returnReason: z.string().nullable(),
});
/** What a release brought, and what it means. */
export const releaseResult = z.object({
  released: z.array(dispensingView),
  refused: z.array(dispensingView).describe('Released, but their signature is not valid'),
  message: z.string(),
});

export type DispensingView = z.output<typeof dispensingView>;
export type DispensingItemView = z.output<typeof dispensingItemView>;
export type ReleaseResult = z.output<typeof releaseResult>;
