// The pharmacist's commands: release from EPS, see what was released (with the signature verdict),
// record what was handed over, return to Spine, withdraw a dispense record. Scope `dispense`; the
// pharmacy is the selected role's organisation.
import { z } from 'zod';
import { defineCommand } from './registry';
import { RETURN_REASONS, WITHDRAW_REASONS } from '../../protocols/eps/dispensing';
import { dispensingView as prescription, releaseResult } from '../dispensing/views';

const returnReasons = Object.keys(RETURN_REASONS) as [
  keyof typeof RETURN_REASONS,
  ...Array<keyof typeof RETURN_REASONS>,
];
const withdrawReasons = Object.keys(WITHDRAW_REASONS) as [
  keyof typeof WITHDRAW_REASONS,
  ...Array<keyof typeof WITHDRAW_REASONS>,
];

const id = z.uuid().describe("The released prescription's local ID (from dispense.list)");
const recordItem = z.object({
  lineId: z.string().max(64),
  outcome: z.enum(['dispensed', 'partial', 'not-dispensed']),
  quantity: z
    .number()
    .positive()
    .optional()
    .describe('Quantity handed over (default for "dispensed": the prescribed quantity; needed for "partial")'),
});
// The CLI's form of one item (array fields are comma-separated there): "lineId:outcome[:quantity]".
const recordItemText = z
  .string()
  .regex(
    /^[^:,\s]{1,64}:(dispensed|partial|not-dispensed)(:\d{1,6}(\.\d{1,3})?)?$/,
    'Write each item as lineId:dispensed, lineId:partial:quantity or lineId:not-dispensed.',
  );

export const dispenseRelease = defineCommand({
  name: 'dispense.release',
  summary: 'Release (download) prescriptions from EPS to your pharmacy and check their signatures',
  description:
    "With prescriptionId: a patient release of that prescription. Without: a nominated release of up to 25 prescriptions nominated to the selected role's pharmacy. Each is kept on this computer; one with an invalid signature is kept too, marked so it cannot be dispensed.",
  http: { method: 'POST', path: '/dispensing/release' },
  input: z.object({
    prescriptionId: z
      .string()
      .max(40)
      .optional()
      .describe('Short-form prescription ID from the token, e.g. 24F5DA-A83008-7EFE6Z'),
  }),
  output: releaseResult,
  needs: { scope: 'dispense', session: true, activity: 'dispensing' },
  cli: { positional: ['prescriptionId'] },
  errors: [
    'invalid-input',
    'not-found',
    'with-another-dispenser',
    'bad-state',
    'forbidden',
    'service-unreachable',
    'service-error',
  ],
  run: async (input, ctx) => ctx.services.dispensing.release(input.prescriptionId),
});

export const dispenseList = defineCommand({
  name: 'dispense.list',
  summary: 'Prescriptions released to this computer, newest first',
  http: { method: 'GET', path: '/dispensing' },
  input: z.object({}),
  output: z.object({ prescriptions: z.array(prescription) }),
  needs: { scope: 'dispense' },
  run: async (_input, ctx) => ({ prescriptions: ctx.services.dispensing.list() }),
});

export const dispenseGet = defineCommand({
  name: 'dispense.get',
  summary: 'One released prescription: items, patient, prescriber and the signature verdict',
  http: { method: 'GET', path: '/dispensing/{id}' },
  input: z.object({ id }),
  output: prescription,
  needs: { scope: 'dispense' },
  cli: { positional: ['id'] },
  errors: ['not-found'],
  run: async (input, ctx) => ctx.services.dispensing.get(input.id),
});

export const dispenseRecord = defineCommand({
  name: 'dispense.record',
  summary: 'Record what was handed over for each item (a dispense notification to EPS)',
  description:
    "Refused (signature-invalid) when the prescriber's signature is not valid. A retry after EPS could not be reached sends the very same notification (same X-Request-ID).",
  http: { method: 'POST', path: '/dispensing/{id}/dispense' },
  input: z.object({
    id,
    items: z
      .array(z.union([recordItem, recordItemText]))
      .min(1)
      .max(4)
      .describe('One entry per item recorded; on the command line "lineId:outcome[:quantity]" separated by commas'),
  }),
  output: prescription,
  needs: { scope: 'dispense', session: true, activity: 'dispensing' },
  errors: [
    'invalid-input',
    'not-found',
    'signature-invalid',
    'bad-state',
    'forbidden',
    'service-unreachable',
    'service-error',
  ],
  run: async (input, ctx) =>
    ctx.services.dispensing.record(
      input.id,
      input.items.map((i) => {
        if (typeof i !== 'string') return i;
        const [lineId, outcome, quantity] = i.split(':') as [
          string,
          z.infer<typeof recordItem>['outcome'],
          string | undefined,
        ];
        return { lineId, outcome, ...(quantity ? { quantity: Number(quantity) } : {}) };
      }),
    ),
});

export const dispenseReturn = defineCommand({
  name: 'dispense.return',
  summary: 'Return a prescription to Spine undispensed, with the reason',
  description: `Reasons: ${Object.entries(RETURN_REASONS)
    .map(([k, v]) => `${k} ${v}`)
    .join('; ')}.`,
  http: { method: 'POST', path: '/dispensing/{id}/return' },
  input: z.object({ id, reason: z.enum(returnReasons) }),
  output: prescription,
  needs: { scope: 'dispense', session: true, activity: 'dispensing' },
  cli: { positional: ['id'] },
  errors: ['invalid-input', 'not-found', 'bad-state', 'forbidden', 'service-unreachable', 'service-error'],
  run: async (input, ctx) => ctx.services.dispensing.returnToSpine(input.id, input.reason),
});

export const dispenseWithdraw = defineCommand({
  name: 'dispense.withdraw',
  summary: 'Withdraw the latest dispense record of a prescription, with the reason',
  description: `Reasons: ${Object.entries(WITHDRAW_REASONS)
    .map(([k, v]) => `${k} ${v}`)
    .join('; ')}.`,
  http: { method: 'POST', path: '/dispensing/{id}/withdraw' },
  input: z.object({ id, reason: z.enum(withdrawReasons) }),
  output: prescription,
  needs: { scope: 'dispense', session: true, activity: 'dispensing' },
  cli: { positional: ['id'] },
  errors: ['invalid-input', 'not-found', 'bad-state', 'forbidden', 'service-unreachable', 'service-error'],
  run: async (input, ctx) => ctx.services.dispensing.withdraw(input.id, input.reason),
});

export const dispensingCommands = [
  dispenseRelease,
  dispenseList,
  dispenseGet,
  dispenseRecord,
  dispenseReturn,
  dispenseWithdraw,
];
