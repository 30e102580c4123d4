import { useState, type FormEvent } from 'react';
import { asCommandError, type CommandError } from '../transport';
import { useTransport } from '../hooks/transport-context';
import type { SessionView } from '../hooks/useSession';
import { activityWords, jobRoleWords } from '../words';

/** Choose or switch role, without taking the card out. */
export function RolePicker({ session, onError }: { session: SessionView; onError: (e: CommandError | null) => void }) {
  const transport = useTransport();
  const [choice, setChoice] = useState(session.selectedRole?.id ?? '');
  const [busy, setBusy] = useState(false);
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!choice) return;
    setBusy(true);
    try {
      await transport.invoke('role.use', { role: choice });
      onError(null);
    } catch (err) {
      onError(asCommandError(err));
    } finally {
      setBusy(false);
    }
  }
  const selected = session.selectedRole;
  return (
    <form onSubmit={submit}>
      {selected ? (
        <p data-testid="selected-role">
          Working as <strong>{jobRoleWords(selected.jobRoleName)}</strong> at <strong>{selected.orgName}</strong> (
          {selected.orgCode}).
        </p>
      ) : (
        <p>Choose the role you are working in today.</p>
      )}
      <div className="nhsuk-form-group">
        <fieldset className="nhsuk-fieldset">
          <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">
            {selected ? 'Switch role' : 'Your roles'}
          </legend>
          <div className="nhsuk-radios">
            {session.roles.map((r) => (
              <div className="nhsuk-radios__item" key={r.id}>
                <input
                  className="nhsuk-radios__input"
                  id={`role-${r.id}`}
                  name="role"
                  type="radio"
                  value={r.id}
                  checked={choice === r.id}
                  onChange={() => setChoice(r.id)}
                />
                <label className="nhsuk-label nhsuk-radios__label" htmlFor={`role-${r.id}`}>
                  {jobRoleWords(r.jobRoleName)} at {r.orgName} ({r.orgCode})
                  <span className="nhsuk-hint nhsuk-radios__hint">
                    Role profile {r.id}
                    {r.activities.length ? `. Can: ${r.activities.map(activityWords).join('; ')}` : ''}
                  </span>
                </label>
              </div>
            ))}
          </div>
        </fieldset>
      </div>
      <button className="nhsuk-button" type="submit" disabled={busy || !choice || choice === selected?.id}>
        {selected ? 'Switch role' : 'Use this role'}
      </button>
    </form>
  );
}
