// Diagnostics → PKCS#11 modules: each module's library, how token changes are learnt, its slots,
// the token in each and the token's mechanisms (pkcs11.report). Nothing here is secret.
import { useCommand } from '../hooks/useCommand';
import { ErrorSummary } from './ErrorSummary';

export function Pkcs11Panel() {
  const { value, error } = useCommand('pkcs11.report');
  if (error) return <ErrorSummary error={error} />;
  if (!value || !value.modules.length) return null;
  return (
    <section aria-labelledby="pkcs11-heading" data-testid="pkcs11-report">
      <h2 id="pkcs11-heading">PKCS#11 modules</h2>
      {value.modules.map((m) => (
        <div key={m.path}>
          <h3>
            <code>{m.path}</code>
          </h3>
          <p>
            {m.info
              ? `${m.info.manufacturer} ${m.info.library} ${m.info.version} (Cryptoki ${m.info.cryptokiVersion}); token changes: ${m.events}`
              : `Not loaded: ${m.error ?? 'unknown'}`}
            {m.source === 'managed' ? '; set by your administrator' : ''}
          </p>
          <table className="nhsuk-table">
            <caption className="nhsuk-table__caption nhsuk-u-visually-hidden">Slots of {m.path}</caption>
            <thead className="nhsuk-table__head">
              <tr>
                <th scope="col">Slot</th>
                <th scope="col">Token</th>
                <th scope="col">Mechanisms</th>
              </tr>
            </thead>
            <tbody className="nhsuk-table__body">
              {m.slots.map((s) => (
                <tr className="nhsuk-table__row" key={s.id}>
                  <td className="nhsuk-table__cell">{s.description}</td>
                  <td className="nhsuk-table__cell">
                    {s.token
                      ? `${s.token.label || '(no label)'}: ${s.token.manufacturer} ${s.token.model}, serial ${s.token.serial || 'none'}`
                      : 'None'}
                  </td>
                  <td className="nhsuk-table__cell">
                    {s.mechanisms.length ? s.mechanisms.map((x) => x.name).join(', ') : '-'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
    </section>
  );
}
