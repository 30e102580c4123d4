import { z } from 'zod';
import { defineCommand } from './registry';
import { scopes } from '../api/scopes';
import { ScripError } from '../errors';

const keyInfo = z.object({
  id: z.string(),
  name: z.string(),
  scopes: z.array(z.enum(scopes)),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});

export const apiKeyCreate = defineCommand({
  name: 'api-key.create',
  summary: 'Issue an API key for a local program',
  description: 'The key is shown once and never again; Scrip keeps only its hash.',
  http: { method: 'POST', path: '/api-keys' },
  input: z.object({
    // No control characters: the name reaches the audit log and terminal tables (escape sequences, forged lines).
    name: z
      .string()
      .trim()
      .min(1)
      .max(80)
      .regex(/^[^\p{Cc}\p{Cf}\u2028\u2029]*$/u, 'A key name may not hold control characters')
      .describe('Who the key is for, e.g. "pharmacy-bot"'),
    scopes: z.array(z.enum(scopes)).min(1).default(['read']).describe('What the key may do'),
  }),
  output: z.object({ key: z.string().describe('The secret key: store it now, it is not shown again'), info: keyInfo }),
  needs: { scope: 'admin' },
  run: async (input, ctx) => {
    const created = ctx.services.apiKeys.create(input.name, input.scopes);
    ctx.services.audit.append(ctx.caller.label, 'api-key.create', {
      id: created.info.id,
      name: created.info.name,
      scopes: created.info.scopes,
    });
    return created;
  },
});

export const apiKeyList = defineCommand({
  name: 'api-key.list',
  summary: 'List API keys with their scopes and last use',
  http: { method: 'GET', path: '/api-keys' },
  input: z.object({}),
  output: z.object({
    keys: z.array(keyInfo),
    store: z
      .object({
        available: z.boolean().describe('Keys can be issued and checked now'),
        detail: z.string().describe('Which key store holds the secret that signs keys, or why it cannot be used'),
      })
      .describe('The key store, so a person is told before filling in the form that no key can be issued'),
  }),
  needs: { scope: 'admin' },
  run: async (_i, ctx) => {
    await ctx.services.apiKeys.keychainAnswered();
    const { available, detail } = ctx.services.apiKeys.keychainStatus();
    return { keys: ctx.services.apiKeys.list(), store: { available, detail } };
  },
});

export const apiKeyRevoke = defineCommand({
  name: 'api-key.revoke',
  summary: 'Revoke an API key at once',
  http: { method: 'DELETE', path: '/api-keys/{id}' },
  input: z.object({
    id: z
      .string()
      .regex(/^[0-9a-f]{16}$/)
      .describe('The key id shown by api-key list'),
  }),
  output: keyInfo,
  needs: { scope: 'admin' },
  cli: { positional: ['id'] },
  errors: ['not-found'],
  run: async (input, ctx) => {
    const info = ctx.services.apiKeys.revoke(input.id);
    if (!info) throw new ScripError('not-found', `No API key has the id ${input.id}.`);
    ctx.services.audit.append(ctx.caller.label, 'api-key.revoke', { id: info.id, name: info.name });
    return info;
  },
});

export const apiKeyCommands = [apiKeyCreate, apiKeyList, apiKeyRevoke];
