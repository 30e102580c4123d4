import { useState } from 'react';
import { useTransport } from '../hooks/transport-context';
import { useCommand } from '../hooks/useCommand';
import { useEvents } from '../hooks/useEvents';
import { ErrorSummary } from './ErrorSummary';
import { whenWords } from '../dates';
import { useFormState } from '../hooks/useFormState';

interface Asked {
  keyId: string;
  to: string;
  at: string;
}

/**
 * Who has my session: programs asking for it now (allow or not), the programs allowed (withdraw),
 * and every hand-out, newest first (kept in the audit log, so it outlives a restart).
 */
export function SessionHandouts() {
  const transport = useTransport();
  const handouts = useCommand('session.handouts');
  const approvals = useCommand('ticket.approvals');
  const [asked, setAsked] = useState<Asked[]>([]);
  const form = useFormState();
  useEvents((e) => {
    if (e.type === 'session.ticket') handouts.reload();
    if (e.type === 'session.ticket-asked') setAsked((a) => [...a.filter((x) => x.keyId !== e.data.keyId), e.data]);
  });
  async function act(name: 'ticket.approve' | 'ticket.revoke', keyId: string) {
    await form.run(async () => {
      await transport.invoke(name, { keyId });
      setAsked((a) => a.filter((x) => x.keyId !== keyId));
      approvals.reload();
    });
  }
  const allowed = approvals.value?.approvals ?? [];
  return (
    <section aria-labelledby="handouts-title" data-testid="session-handouts">
      <h2 id="handouts-title">Who has my session</h2>
      {form.error ? <ErrorSummary error={form.error} /> : null}
      {asked.map((a) => (
        <div className="nhsuk-warning-callout" key={a.keyId} data-asked={a.keyId}>
          <h3 className="nhsuk-warning-callout__label">{a.to} asks for your session</h3>
          <p>It could then act as you at the national services until you log out or take your card out.</p>
          <button
            className="nhsuk-button nhsuk-u-margin-right-3"
            type="button"
            onClick={() => void act('ticket.approve', a.keyId)}
          >
            Allow {a.to}
          </button>
          <button
            className="nhsuk-button nhsuk-button--secondary"
            type="button"
            onClick={() => setAsked((x) => x.filter((y) => y.keyId !== a.keyId))}
          >
            Not now
          </button>
        </div>
      ))}
      <h3>Programs you have allowed</h3>
      {allowed.length ? (
        <ul className="nhsuk-list">
          {allowed.map((a) => (
            <li key={a.keyId} data-allowed={a.keyId}>
              Key {a.keyId}, allowed {whenWords(a.approvedAt)}{' '}
              <button
                className="nhsuk-button nhsuk-button--secondary nhsuk-u-margin-bottom-0"
                type="button"
                onClick={() => void act('ticket.revoke', a.keyId)}
              >
                Withdraw<span className="nhsuk-u-visually-hidden"> key {a.keyId}</span>
              </button>
            </li>
          ))}
        </ul>
      ) : (
        <p>None.</p>
      )}
      <h3>Hand-outs</h3>
      {handouts.value?.handouts.length ? (
        <table className="nhsuk-table">
          <caption className="nhsuk-table__caption nhsuk-u-visually-hidden">Hand-outs of your session</caption>
          <thead className="nhsuk-table__head">
            <tr>
              <th scope="col">When</th>
              <th scope="col">To</th>
              <th scope="col">Role</th>
            </tr>
          </thead>
          <tbody className="nhsuk-table__body">
            {handouts.value.handouts.map((h, i) => (
              <tr key={`${h.at}-${i}`}>
                <td>{whenWords(h.at)}</td>
                <td>{h.to}</td>
                <td>{h.roleProfileId ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p>Your session has not been handed to any program.</p>
      )}
    </section>
  );
}
