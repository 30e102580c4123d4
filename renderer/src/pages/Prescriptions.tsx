import { useState } from 'react';
import { asCommandError, type CommandError } from '../transport';
import { useTransport } from '../hooks/transport-context';
import { useLive } from '../hooks/useLive';
import { ErrorSummary } from '../components/ErrorSummary';
import { useEvents } from '../hooks/useEvents';

interface Rx {
  id: string; status: string; shortFormId: string | null; updatedAt: string; lastError: string | null; sendAttempts: number;
  draft: { patient?: { given?: string[]; family?: string; nhsNumber?: string } | null; items?: Array<{ medication: { display: string } }> };
}

const statusWords: Record<string, { text: string; tag: string }> = {
  draft: { text: 'Draft', tag: 'grey' }, signed: { text: 'Signed, waiting to send', tag: 'yellow' }, sending: { text: 'Sending', tag: 'yellow' },
  accepted: { text: 'Accepted by EPS', tag: 'green' }, rejected: { text: 'Refused by EPS', tag: 'red' }, cancelled: { text: 'Cancelled', tag: 'grey' },
  'partly-cancelled': { text: 'Partly cancelled', tag: 'orange' },
};

/** The prescriptions on this computer, live, with their tokens. */
export function Prescriptions() {
  const transport = useTransport();
  const { value, error, reload } = useLive<{ prescriptions: Rx[] }>('prescription.list', () => undefined);
  const [actionError, setActionError] = useState<CommandError | null>(null);
  // Any change to a prescription: read the list again.
  useLiveReload(reload);

  async function token(id: string) {
    try {
      const t = await transport.invoke<{ filename: string; pdfBase64: string }>('prescription.token', { id });
      const bytes = Uint8Array.from(atob(t.pdfBase64), (c) => c.charCodeAt(0));
      const url = URL.createObjectURL(new Blob([bytes], { type: 'application/pdf' }));
      const a = document.createElement('a');
      a.href = url; a.download = t.filename; a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      setActionError(null);
    } catch (e) { setActionError(asCommandError(e)); }
  }

  if (error) return <ErrorSummary error={error} />;
  if (!value) return <p>Loading prescriptions…</p>;
  return (
    <>
      {actionError ? <ErrorSummary error={actionError} /> : null}
      {!value.prescriptions.length ? <p>No prescriptions on this computer yet.</p> : (
        <table className="nhsuk-table" data-testid="prescriptions">
          <caption className="nhsuk-table__caption nhsuk-u-visually-hidden">Prescriptions</caption>
          <thead className="nhsuk-table__head"><tr><th scope="col">Prescription ID</th><th scope="col">Patient</th><th scope="col">Items</th><th scope="col">Status</th><th scope="col"><span className="nhsuk-u-visually-hidden">Token</span></th></tr></thead>
          <tbody className="nhsuk-table__body">
            {value.prescriptions.map((r) => {
              const s = statusWords[r.status] ?? { text: r.status, tag: 'grey' };
              const p = r.draft.patient;
              return (
                <tr key={r.id} data-prescription={r.id} data-status={r.status}>
                  <th scope="row" className="scrip-mono">{r.shortFormId ?? 'Not signed'}</th>
                  <td>{p ? `${[...(p.given ?? []), p.family].join(' ')} (${p.nhsNumber})` : 'No patient'}</td>
                  <td>{(r.draft.items ?? []).map((i) => i.medication.display).join('; ') || 'None'}</td>
                  <td><strong className={`nhsuk-tag nhsuk-tag--${s.tag}`}>{s.text}</strong>{r.lastError ? <span className="nhsuk-hint"> Last try: {r.lastError}</span> : null}</td>
                  <td>{r.shortFormId ? <button type="button" className="nhsuk-button nhsuk-button--secondary nhsuk-u-margin-bottom-0" onClick={() => void token(r.id)}>Print token<span className="nhsuk-u-visually-hidden"> for {r.shortFormId}</span></button> : null}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </>
  );
}

function useLiveReload(reload: () => void): void {
  useEvents((e) => { if (e.type === 'prescription.changed') reload(); });
}
