import { useEffect, useState } from 'react';
import type { DiagnosticsReport } from '../../../main/diagnostics/schema';
import { asCommandError, type CommandError } from '../transport';
import { useTransport } from '../hooks/transport-context';
import { ErrorSummary } from '../components/ErrorSummary';
import { ReadersPanel } from '../components/ReadersPanel';

export function Diagnostics() {
  const transport = useTransport();
  const [report, setReport] = useState<DiagnosticsReport | null>(null);
  const [error, setError] = useState<CommandError | null>(null);
  useEffect(() => {
    transport.invoke<DiagnosticsReport>('diagnostics.report').then(setReport, (e: unknown) => setError(asCommandError(e)));
  }, [transport]);
  return (
    <>
      <ReadersPanel />
      <h2>Checks</h2>
      {error ? <ErrorSummary error={error} /> : null}
      {report ? (
        <>
          <dl className="nhsuk-summary-list">
            {report.checks.map((c) => (
              <div className="nhsuk-summary-list__row" key={c.name}>
                <dt className="nhsuk-summary-list__key">{c.name}</dt>
                <dd className="nhsuk-summary-list__value">{c.ok ? 'OK' : 'Problem'}: {c.detail}</dd>
              </div>
            ))}
          </dl>
          <h2>Report to copy</h2>
          <p>This report holds no passcodes, keys or tokens.</p>
          <label className="nhsuk-label" htmlFor="diagnostics-text">Diagnostics report</label>
          <textarea className="nhsuk-textarea scrip-mono" id="diagnostics-text" rows={12} readOnly value={JSON.stringify(report, null, 2)} />
        </>
      ) : null}
    </>
  );
}
