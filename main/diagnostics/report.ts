// One copyable report of what Scrip sees: the PC/SC service, readers and cards, the configured
// services and whether their TLS is trusted, and versions. No secrets: no PINs, keys or tokens.
import { arch, platform, release, type as osType } from 'node:os';
import { diagnosticsReport, type DiagnosticsReport } from './schema';

export { diagnosticsReport };
import type { DiagnosticCheck, Services } from '../services';

export async function buildDiagnostics(services: Services, extra: DiagnosticCheck[] = []): Promise<DiagnosticsReport> {
  const view = services.readers.list();
  const checks: DiagnosticsReport['checks'] = [
    {
      name: 'Smartcard service (pcscd)',
      ok: view.service === 'running',
      detail: view.service === 'running' ? 'running' : 'not running: start pcscd (sudo systemctl start pcscd)',
    },
    {
      name: 'Card readers',
      ok: view.readers.length > 0,
      detail: view.readers.length ? `${view.readers.length} connected` : 'none connected',
    },
    auditCheck(services),
  ];
  for (const check of extra) {
    try {
      checks.push(...(await check(services)));
    } catch (e) {
      checks.push({ name: 'diagnostic check', ok: false, detail: e instanceof Error ? e.message : String(e) });
    }
  }
  return {
    generatedAt: new Date().toISOString(),
    app: {
      version: services.config.version,
      node: process.versions.node,
      electron: process.versions.electron ?? null,
      platform: platform(),
      os: `${osType()} ${release()}`,
      arch: arch(),
    },
    pcsc: {
      service: view.service,
      readers: view.readers.map((r) => ({
        name: r.name,
        cardPresent: r.present,
        atr: r.atr,
        pinPad: r.pinPad,
        cardType: r.cardType,
        inUseByAnotherProgram: r.inUse,
        pinRetries: r.pinRetries,
      })),
    },
    checks,
  };
}

function auditCheck(services: Services): DiagnosticsReport['checks'][number] {
  const v = services.audit.verify();
  if (v.fault)
    return {
      name: 'Audit log',
      ok: false,
      detail: `entry ${v.fault.seq}: ${v.fault.message} (${v.fault.kind}); run "scrip audit verify"`,
    };
  return {
    name: 'Audit log',
    ok: true,
    detail: `intact: ${v.entries} entries, ${v.sealed} sealed${v.note ? `; ${v.note}` : ''}`,
  };
}
