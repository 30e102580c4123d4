import { z } from 'zod';
import { defineCommand } from './registry';
import { diagnosticsReport, buildDiagnostics } from '../diagnostics/report';
import type { DiagnosticCheck } from '../services';

/** Can API keys be made and checked here: the key store in use (OS keychain or the headless file), and keys still in the old hash form. */
const apiKeyCheck: DiagnosticCheck = async (services) => {
  const kc = services.apiKeys.keychainStatus();
  const legacy = services.apiKeys.legacyCount();
  return [
    {
      name: 'Key store (API keys)',
      ok: kc.available,
      detail:
        kc.detail +
        (legacy
          ? `; ${legacy} older key${legacy === 1 ? ' is' : 's are'} stored as plain SHA-256 until next used`
          : ''),
    },
  ];
};

export const diagnosticsGet = defineCommand({
  name: 'diagnostics.report',
  summary: 'Report what Scrip sees: pcscd, readers, cards, certificates, services, keychain, versions (no secrets)',
  http: { method: 'GET', path: '/diagnostics' },
  input: z.object({}),
  output: diagnosticsReport,
  needs: { scope: 'read' },
  cli: { path: ['diagnostics'] },
  run: async (_i, ctx) => buildDiagnostics(ctx.services, [...ctx.services.diagnosticChecks, apiKeyCheck]),
});

export const diagnosticsCommands = [diagnosticsGet];
