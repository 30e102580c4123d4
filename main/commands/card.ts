// The card in the reader: who it belongs to, its certificates and PIN retries, and PIN management.
import { z } from 'zod';
import { defineCommand } from './registry';
import { pinAttempt } from './pin-attempts';

const reader = z.string().max(200).optional().describe('Reader name; default: the only reader with a card');
const pinInfo = z.object({
  retriesLeft: z.number().int(),
  maxRetries: z.number().int(),
  blocked: z.boolean(),
  verified: z.boolean(),
  source: z
    .enum(['card', 'token-flags'])
    .optional()
    .describe('token-flags: a PKCS#11 token tells only "low", "final try" or "locked"'),
  pinPad: z.boolean().optional().describe("The passcode is typed on the reader's keypad, not in Scrip"),
});
const certSummary = z.object({
  subject: z.string(),
  issuer: z.string(),
  serial: z.string(),
  notBefore: z.string(),
  notAfter: z.string(),
  keyAlgorithm: z.string(),
  fingerprint: z.string().describe('SHA-256, hex with colons'),
});

export const cardStatus = defineCommand({
  name: 'card.status',
  summary: 'Show the card: holder, user ID, certificates and expiry, PIN tries left',
  http: { method: 'GET', path: '/card' },
  input: z.object({ reader }),
  output: z.object({
    reader: z.string(),
    cardType: z.string(),
    atr: z.string(),
    holder: z.object({ userId: z.string(), displayName: z.string().nullable() }),
    certificateExpiry: z.string(),
    certificates: z.object({ auth: certSummary, sign: certSummary.nullable() }),
    pin: pinInfo,
  }),
  needs: { scope: 'read' },
  errors: ['no-card', 'no-readers', 'no-service', 'unsupported-card', 'card-busy', 'card-removed'],
  run: async (input, ctx) => ctx.services.cards.status(input.reader),
});

export const cardVerifyPin = defineCommand({
  name: 'card.verify-pin',
  summary: 'Check the passcode on the card',
  http: { method: 'POST', path: '/card/pin/verification' },
  input: z.object({ reader, pin: z.string().describe('The passcode, 6–8 digits') }),
  output: pinInfo,
  needs: { scope: 'login' },
  cli: { stdin: ['pin'] },
  errors: ['pin-wrong', 'pin-blocked', 'pin-format', 'no-card', 'bad-state'],
  run: async (input, ctx) =>
    pinAttempt(ctx, 'card.verify-pin', input.reader, () =>
      ctx.services.cards.verifyPin({ pin: input.pin, ...(input.reader ? { reader: input.reader } : {}) }),
    ),
});

export const cardChangePin = defineCommand({
  name: 'card.change-pin',
  summary: 'Change the card passcode',
  http: { method: 'POST', path: '/card/pin' },
  input: z.object({ reader, oldPin: z.string(), newPin: z.string() }),
  output: pinInfo,
  needs: { scope: 'admin' },
  cli: { stdin: ['oldPin', 'newPin'] },
  errors: ['pin-wrong', 'pin-blocked', 'pin-format', 'no-card'],
  run: async (input, ctx) => {
    const r = await ctx.services.cards.changePin({
      oldPin: input.oldPin,
      newPin: input.newPin,
      ...(input.reader ? { reader: input.reader } : {}),
    });
    ctx.services.audit.append(ctx.caller.label, 'card.change-pin', { reader: input.reader ?? null });
    return r;
  },
});

export const cardUnblockPin = defineCommand({
  name: 'card.unblock-pin',
  summary: 'Unlock a locked card with its PUK and set a new passcode',
  http: { method: 'POST', path: '/card/pin/unblock' },
  input: z.object({ reader, puk: z.string(), newPin: z.string() }),
  output: pinInfo,
  needs: { scope: 'admin' },
  cli: { stdin: ['puk', 'newPin'] },
  errors: ['pin-wrong', 'pin-blocked', 'pin-format', 'no-card'],
  run: async (input, ctx) => {
    const r = await ctx.services.cards.unblockPin({
      puk: input.puk,
      newPin: input.newPin,
      ...(input.reader ? { reader: input.reader } : {}),
    });
    ctx.services.audit.append(ctx.caller.label, 'card.unblock-pin', { reader: input.reader ?? null });
    return r;
  },
});

export const cardCommands = [cardStatus, cardVerifyPin, cardChangePin, cardUnblockPin];
