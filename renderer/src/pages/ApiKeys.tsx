import { useId, useState, type FormEvent } from 'react';
import type { CommandOutput } from '../transport';
import type { Scope } from '../../../main/api/scopes';
import { useTransport } from '../hooks/transport-context';
import { useCommand } from '../hooks/useCommand';
import { ErrorSummary } from '../components/ErrorSummary';
import { whenWords } from '../dates';
import { SessionHandouts } from '../components/SessionHandouts';
import { useFormState } from '../hooks/useFormState';

const scopeWords: Record<Scope, string> = {
  read: 'Read: see readers, the session and prescriptions',
  ticket: 'Ticket: get your login session (Ticket API), once you allow it',
  login: 'Login: check your passcode, log in, choose a role, log out',
  prescribe: 'Prescribe: write and send prescriptions',
  sign: 'Sign: ask your card to sign',
  dispense: 'Dispense: release and dispense prescriptions',
  admin: 'Admin: everything, including issuing and revoking keys',
};

const when = (iso: string | null) => (iso ? whenWords(iso) : 'Never');

/** Issue keys to local programs, see when each was last used, revoke them. */
export function ApiKeys() {
  const transport = useTransport();
  const { value, error, reload } = useCommand('api-key.list');
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Scope[]>(['read']);
  const [created, setCreated] = useState<CommandOutput<'api-key.create'> | null>(null);
  const form = useFormState();
  const nameId = useId();

  async function create(e: FormEvent) {
    e.preventDefault();
    await form.run(async () => {
      setCreated(await transport.invoke('api-key.create', { name, scopes }));
      setName('');
      reload();
    });
  }

  async function revoke(id: string) {
    await form.run(async () => {
      await transport.invoke('api-key.revoke', { id });
      reload();
    });
  }

  return (
    <>
      <p>
        Programs on this computer use API keys to do what you can do in Scrip. Give each program its own key with only
        the scopes it needs; revoke a key to stop it at once.
      </p>
      {form.error ? <ErrorSummary error={form.error} /> : null}
      {created ? (
        <div className="nhsuk-panel" data-testid="new-key">
          <h2>Key for {created.info.name}</h2>
          <p>Copy this key now. Scrip keeps only a fingerprint of it and cannot show it again.</p>
          <label className="nhsuk-label" htmlFor="new-key-value">
            API key
          </label>
          <input className="nhsuk-input scrip-mono" id="new-key-value" readOnly value={created.key} />
        </div>
      ) : null}
      <h2>Your keys</h2>
      {error ? <ErrorSummary error={error} /> : null}
      {value && value.keys.length ? (
        <table className="nhsuk-table">
          <caption className="nhsuk-table__caption nhsuk-u-visually-hidden">API keys</caption>
          <thead className="nhsuk-table__head">
            <tr>
              <th scope="col">Program</th>
              <th scope="col">Scopes</th>
              <th scope="col">Last used</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span className="nhsuk-u-visually-hidden">Action</span>
              </th>
            </tr>
          </thead>
          <tbody className="nhsuk-table__body">
            {value.keys.map((k) => (
              <tr key={k.id} data-key={k.id}>
                <th scope="row">{k.name}</th>
                <td>{k.scopes.join(', ')}</td>
                <td>{when(k.lastUsedAt)}</td>
                <td>{k.revokedAt ? `Revoked ${when(k.revokedAt)}` : 'Active'}</td>
                <td>
                  {k.revokedAt ? null : (
                    <button
                      className="nhsuk-button nhsuk-button--secondary nhsuk-u-margin-bottom-0"
                      type="button"
                      onClick={() => void revoke(k.id)}
                    >
                      Revoke<span className="nhsuk-u-visually-hidden"> {k.name}</span>
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p>No keys yet.</p>
      )}
      <h2>Issue a key</h2>
      {value && !value.store.available ? (
        <div className="nhsuk-warning-callout" data-testid="no-key-store">
          <h3 className="nhsuk-warning-callout__label">
            <span role="text">
              <span className="nhsuk-u-visually-hidden">Important: </span>No key can be issued on this computer now
            </span>
          </h3>
          <p>
            Scrip keeps the secret that signs API keys only in the OS keychain, and it cannot be used:{' '}
            {value.store.detail}.
          </p>
          <p>
            Start or unlock a keychain for this desktop session (on Linux a Secret Service such as gnome-keyring), then
            come back to this page. On a machine with no keychain, start Scrip with the file store chosen by name:{' '}
            <code>SCRIP_KEYCHAIN=file</code> or <code>scrip agent --headless</code>. Everything else in Scrip works
            without API keys.
          </p>
        </div>
      ) : null}
      {value && !value.store.available ? null : (
        <form onSubmit={create}>
          <div className="nhsuk-form-group">
            <label className="nhsuk-label" htmlFor={nameId}>
              Program name
            </label>
            <div className="nhsuk-hint" id={`${nameId}-hint`}>
              So you know which program has it, for example "practice system bridge".
            </div>
            <input
              className="nhsuk-input nhsuk-input--width-20"
              id={nameId}
              aria-describedby={`${nameId}-hint`}
              value={name}
              onChange={(e) => setName(e.target.value)}
              maxLength={80}
            />
          </div>
          <div className="nhsuk-form-group">
            <fieldset className="nhsuk-fieldset">
              <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">What may it do?</legend>
              <div className="nhsuk-checkboxes">
                {(Object.entries(scopeWords) as Array<[Scope, string]>).map(([s, words]) => (
                  <div className="nhsuk-checkboxes__item" key={s}>
                    <input
                      className="nhsuk-checkboxes__input"
                      id={`scope-${s}`}
                      type="checkbox"
                      checked={scopes.includes(s)}
                      onChange={(e) => setScopes(e.target.checked ? [...scopes, s] : scopes.filter((x) => x !== s))}
                    />
                    <label className="nhsuk-label nhsuk-checkboxes__label" htmlFor={`scope-${s}`}>
                      {words}
                    </label>
                  </div>
                ))}
              </div>
            </fieldset>
          </div>
          <button className="nhsuk-button" type="submit">
            Issue key
          </button>
        </form>
      )}
      <SessionHandouts />
    </>
  );
}
