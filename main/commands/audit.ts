import { z } from 'zod';
import { defineCommand } from './registry';

const entry = z.object({
  seq: z.number().int(),
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  detail: z.record(z.string(), z.unknown()),
  prevHash: z.string(),
  hash: z.string(),
  mac: z.string().nullable().describe('The seal: HMAC under the audit key in the key store; null until sealed'),
});

const faultKinds = [
  'gap',
  'broken-link',
  'changed',
  'bad-seal',
  'unsealed-after-sealed',
  'truncated',
  'head-replaced',
  'anchor-missing',
  'anchor-forged',
] as const;

export const auditList = defineCommand({
  name: 'audit.list',
  summary: 'Read the audit log, newest first',
  http: { method: 'GET', path: '/audit' },
  input: z.object({
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    action: z.string().max(80).optional().describe('Only entries of this action, e.g. "session.ticket"'),
  }),
  output: z.object({ entries: z.array(entry) }),
  needs: { scope: 'admin' },
  run: async (input, ctx) => ({
    entries: ctx.services.audit.list({ limit: input.limit, ...(input.action ? { action: input.action } : {}) }),
  }),
});

export const auditVerify = defineCommand({
  name: 'audit.verify',
  summary: 'Check that no audit entry was removed, changed, re-chained or cut off the end; names the first bad entry',
  http: { method: 'POST', path: '/audit/verification' },
  input: z.object({}),
  output: z.object({
    ok: z.boolean(),
    entries: z.number().int(),
    sealed: z.number().int(),
    unsealed: z.number().int(),
    seals: z
      .enum(['checked', 'not-checked', 'not-keyed'])
      .describe(
        'Whether the seals and the anchored head could be checked (they need the audit key from the key store)',
      ),
    note: z.string().optional(),
    fault: z
      .object({ seq: z.number().int(), kind: z.enum(faultKinds), message: z.string() })
      .optional()
      .describe('The first bad entry and what is wrong with it'),
    brokenAt: z.number().int().optional(),
    reason: z.string().optional(),
  }),
  needs: { scope: 'read' },
  cli: { exitOn: 'ok' },
  run: async (_i, ctx) => ctx.services.audit.verify(),
});

export const auditCommands = [auditList, auditVerify];
