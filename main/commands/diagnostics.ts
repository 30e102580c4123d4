import { z } from 'zod';
import { defineCommand } from './registry';
import { diagnosticsReport, buildDiagnostics } from '../diagnostics/report';

export const diagnosticsGet = defineCommand({
  name: 'diagnostics.report',
  summary: 'Report what Scrip sees: pcscd, readers, cards, certificates, services, versions (no secrets)',
  http: { method: 'GET', path: '/diagnostics' },
  input: z.object({}),
  output: diagnosticsReport,
  needs: { scope: 'read' },
  cli: { path: ['diagnostics'] },
  run: async (_i, ctx) => buildDiagnostics(ctx.services, ctx.services.diagnosticChecks),
});

export const diagnosticsCommands = [diagnosticsGet];
