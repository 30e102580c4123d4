import { useReaders } from '../hooks/useReaders';
import { ErrorSummary } from './ErrorSummary';

/** Live list of card readers: card present, ATR, PIN pad, card type, PIN tries left. */
export function ReadersPanel() {
  const { value, error } = useReaders();
  if (error) return <ErrorSummary error={error} title="Card readers could not be read" />;
  if (!value) return <p>Checking card readers…</p>;
  if (value.service === 'stopped') {
    return (
      <div className="nhsuk-warning-callout">
        <h2 className="nhsuk-warning-callout__label">
          <span role="text">
            <span className="nhsuk-u-visually-hidden">Important: </span>Smartcard service not running
          </span>
        </h2>
        <p>Scrip cannot see card readers because the smartcard service (pcscd) is not running.</p>
        <p>
          Start it (on Linux: <code>sudo systemctl start pcscd</code>). Scrip reconnects by itself.
        </p>
      </div>
    );
  }
  if (!value.readers.length) {
    return (
      <div className="nhsuk-inset-text">
        <span className="nhsuk-u-visually-hidden">Information: </span>
        <p>No card reader is connected. Connect a reader; it will appear here.</p>
      </div>
    );
  }
  return (
    <table className="nhsuk-table" data-testid="readers">
      <caption className="nhsuk-table__caption">Card readers</caption>
      <thead className="nhsuk-table__head">
        <tr>
          <th scope="col">Reader</th>
          <th scope="col">Card</th>
          <th scope="col">Card type</th>
          <th scope="col">PIN tries left</th>
          <th scope="col">PIN pad</th>
          <th scope="col">ATR</th>
        </tr>
      </thead>
      <tbody className="nhsuk-table__body">
        {value.readers.map((r) => (
          <tr key={r.name} data-reader={r.name} data-card-present={String(r.present)}>
            <th scope="row">{r.name}</th>
            <td>
              {r.present ? (
                <strong className="nhsuk-tag nhsuk-tag--green">Card inserted</strong>
              ) : (
                <strong className="nhsuk-tag nhsuk-tag--grey">No card</strong>
              )}
              {r.inUse ? <span> (in use by another program)</span> : null}
            </td>
            <td>{r.cardType ?? (r.present ? 'Not read yet' : '-')}</td>
            <td>{r.pinRetries ?? '-'}</td>
            <td>{r.pinPad === null ? 'Not known' : r.pinPad ? 'Yes' : 'No'}</td>
            <td className="scrip-mono">{r.atr ?? '-'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
