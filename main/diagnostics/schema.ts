// The diagnostics report's shape. Pure (zod only), so the renderer can import its type.
import { z } from 'zod';

export const diagnosticsReport = z.object({
  generatedAt: z.string(),
  app: z.object({
    version: z.string(),
    node: z.string(),
    electron: z.string().nullable(),
    platform: z.string(),
    os: z.string(),
    arch: z.string(),
  }),
  pcsc: z.object({
    service: z.enum(['running', 'stopped']),
    readers: z.array(
      z.object({
        name: z.string(),
        cardPresent: z.boolean(),
        atr: z.string().nullable(),
        pinPad: z.boolean().nullable(),
        cardType: z.string().nullable(),
        inUseByAnotherProgram: z.boolean(),
        pinRetries: z.number().nullable(),
      }),
    ),
  }),
  checks: z.array(z.object({ name: z.string(), ok: z.boolean(), detail: z.string() })),
});
export type DiagnosticsReport = z.infer<typeof diagnosticsReport>;
