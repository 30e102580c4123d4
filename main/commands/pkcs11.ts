// PKCS#11 modules: which ones Scrip uses (Settings), and what they show (Diagnostics).
import { z } from 'zod';
import { defineCommand } from './registry';
import { moduleConfig } from '../card/pkcs11-tokens';

const cards = moduleConfig.shape.cards;
const modulesView = z.object({
  modules: z.array(
    z.object({
      path: z.string(),
      cards,
      source: z.enum(['user', 'managed']).describe('managed: set by the administrator, not changeable here'),
      loaded: z.boolean(),
      library: z.string().nullable(),
      error: z.string().nullable(),
      tokens: z.number().int(),
      events: z.string().describe('How token insertion and removal are learnt'),
    }),
  ),
  found: z.array(z.string()).describe('Module files found in the usual places'),
  managedFile: z.string(),
  managedError: z.string().nullable(),
});

export const pkcs11Modules = defineCommand({
  name: 'pkcs11.modules',
  summary: 'List the PKCS#11 modules in use and the module files found on this computer',
  http: { method: 'GET', path: '/pkcs11/modules' },
  input: z.object({}),
  output: modulesView,
  needs: { scope: 'read' },
  run: async (_i, ctx) => ctx.services.pkcs11.view(),
});

export const pkcs11SetModules = defineCommand({
  name: 'pkcs11.set-modules',
  summary: 'Choose the PKCS#11 modules (card middleware) Scrip uses; each is loaded first to check it',
  http: { method: 'PUT', path: '/pkcs11/modules' },
  input: z.object({ modules: z.array(moduleConfig).max(16) }),
  output: modulesView,
  needs: { scope: 'admin' },
  errors: ['invalid-input'],
  run: async (input, ctx) => {
    const r = await ctx.services.pkcs11.save(input.modules);
    ctx.services.audit.append(ctx.caller.label, 'pkcs11.set-modules', { modules: input.modules.map((m) => m.path) });
    return r;
  },
});

const mechanism = z.object({
  type: z.number().int(),
  name: z.string(),
  minKeySize: z.number().int(),
  maxKeySize: z.number().int(),
  flags: z.number().int(),
});
export const pkcs11Report = defineCommand({
  name: 'pkcs11.report',
  summary: 'Report each PKCS#11 module: library, slots, tokens and their mechanisms',
  http: { method: 'GET', path: '/pkcs11/report' },
  input: z.object({}),
  output: z.object({
    modules: z.array(
      z.object({
        path: z.string(),
        source: z.enum(['user', 'managed']),
        error: z.string().nullable(),
        events: z.string(),
        info: z
          .object({ library: z.string(), manufacturer: z.string(), version: z.string(), cryptokiVersion: z.string() })
          .nullable(),
        slots: z.array(
          z.object({
            id: z.string(),
            description: z.string(),
            manufacturer: z.string(),
            flags: z.number().int(),
            token: z
              .object({
                label: z.string(),
                manufacturer: z.string(),
                model: z.string(),
                serial: z.string(),
                flags: z.number().int(),
                minPinLength: z.number().int(),
                maxPinLength: z.number().int(),
              })
              .nullable(),
            mechanisms: z.array(mechanism),
          }),
        ),
      }),
    ),
  }),
  needs: { scope: 'read' },
  run: async (_i, ctx) => ({ modules: await ctx.services.pkcs11.tokens.report() }),
});

export const pkcs11Commands = [pkcs11Modules, pkcs11SetModules, pkcs11Report];
