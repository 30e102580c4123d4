import { z } from 'zod';
import { defineCommand } from './registry';

const entry = z.object({
  seq: z.number().int(), at: z.string(), actor: z.string(), action: z.string(),
  detail: z.record(z.string(), z.unknown()), prevHash: z.string(), hash: z.string(),
});

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
  run: async (input, ctx) => ({ entries: ctx.services.audit.list({ limit: input.limit, ...(input.action ? { action: input.action } : {}) }) }),
});

export const auditVerify = defineCommand({
  name: 'audit.verify',
  summary: 'Check that no audit entry was removed or changed',
  http: { method: 'POST', path: '/audit/verification' },
  input: z.object({}),
  output: z.object({ ok: z.boolean(), entries: z.number().int(), brokenAt: z.number().int().optional(), reason: z.string().optional() }),
  needs: { scope: 'read' },
  run: async (_i, ctx) => ctx.services.audit.verify(),
});

export const auditCommands = [auditList, auditVerify];
