import { useCommand } from '../hooks/useCommand';
import { ErrorSummary } from '../components/ErrorSummary';
import { ReadersPanel } from '../components/ReadersPanel';
import { Pkcs11Panel } from '../components/Pkcs11Panel';

export function Diagnostics() {
  const { value: report, error, reload } = useCommand('diagnostics.report');
  return (
    <>
      <ReadersPanel />
      <Pkcs11Panel />
      <h2>Checks</h2>
      {error ? <ErrorSummary error={error} /> : null}
      {report ? (
        <>
          <dl className="nhsuk-summary-list">
            {report.checks.map((c) => (
              <div className="nhsuk-summary-list__row" key={c.name}>
                <dt className="nhsuk-summary-list__key">{c.name}</dt>
                <dd className="nhsuk-summary-list__value">
                  {c.ok ? 'OK' : 'Problem'}: {c.detail}
                </dd>
              </div>
            ))}
          </dl>
          <button className="nhsuk-button nhsuk-button--secondary" type="button" onClick={reload}>
            Check again
          </button>
          <h2>Report to copy</h2>
          <p>This report holds no passcodes, keys or tokens.</p>
          <label className="nhsuk-label" htmlFor="diagnostics-text">
            Diagnostics report
          </label>
          <textarea
            className="nhsuk-textarea scrip-mono"
            id="diagnostics-text"
            rows={12}
            readOnly
            value={JSON.stringify(report, null, 2)}
          />
        </>
      ) : null}
    </>
  );
}
