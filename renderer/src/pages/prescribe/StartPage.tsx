import { useRef } from 'react';
import { useTransport } from '../../hooks/transport-context';
import { useLive } from '../../hooks/useLive';
import { useEvents } from '../../hooks/useEvents';
import { usePageHeading } from '../../hooks/page-heading';
import { useSession } from '../../hooks/useSession';
import { ErrorSummary } from '../../components/ErrorSummary';
import { padHref } from '../../prescribing/nav';
import { go } from '../../prescribing/go';
import { DiscardDraft } from './DiscardDraft';
import { formatNhsNumber, patientName } from '../../prescribing/rx-words';
import { whenWords } from '../../dates';
import { ownedBy } from '../../prescribing/owner';
import { useAutoFocus } from '../../hooks/useAutoFocus';
import { href, mayUse } from '../../routes';
import { useFormState } from '../../hooks/useFormState';

/** Start a prescription, or carry on with a draft: drafts are saved as they are written. */
export function StartPage() {
  usePageHeading('Prescribe');
  const transport = useTransport();
  const { value: session } = useSession();
  const { value, error, reload } = useLive('prescription.list', () => undefined);
  useEvents((e) => {
    if (e.type === 'prescription.changed') reload();
  });
  const form = useFormState();
  const draftsHeading = useRef<HTMLHeadingElement>(null);
  const startButton = useAutoFocus<HTMLButtonElement>();

  async function start() {
    await form.run(async () => {
      const r = await transport.invoke('prescription.create', { draft: {} });
      go(padHref(r.id, 'patient'));
    });
  }

  // A user resumes their own drafts (and those started before anyone logged in), not a colleague's.
  const me = session?.user?.id ?? null;
  const drafts = ownedBy(value?.prescriptions ?? [], me).filter((r) => r.status === 'draft');
  const loggedIn = session?.state === 'role-selected';
  // What a role cannot do is not offered (a pharmacist's role, an administrator's).
  const cannotPrescribe = loggedIn && !mayUse('prescribe', session?.selectedRole?.activities ?? []);
  return (
    <>
      {form.error ? <ErrorSummary error={form.error} /> : null}
      {session && !loggedIn ? (
        <div className="nhsuk-inset-text" data-testid="login-first">
          <span className="nhsuk-u-visually-hidden">Information: </span>
          <p>
            Log in with your smartcard and choose a role to find patients and sign. You can still write and resume
            drafts. <a href={href('')}>Log in</a>
          </p>
        </div>
      ) : null}
      {cannotPrescribe ? (
        <div className="nhsuk-inset-text" data-testid="cannot-prescribe">
          <span className="nhsuk-u-visually-hidden">Information: </span>
          <p>
            Your role at {session?.selectedRole?.orgName} cannot prescribe, so new prescriptions are not offered here.
            To prescribe, switch to a prescribing role on the <a href={href('')}>Home</a> page.
          </p>
        </div>
      ) : (
        <>
          <p>
            Find the patient, write up to 4 items, check exactly what your card will sign, then sign and send to the
            Electronic Prescription Service.
          </p>
          <button
            ref={startButton}
            data-autofocus
            className="nhsuk-button"
            type="button"
            onClick={() => void start()}
            disabled={form.busy}
          >
            Start a new prescription
          </button>
        </>
      )}
      <h2 tabIndex={-1} ref={draftsHeading}>
        Drafts to resume
      </h2>
      {error ? <ErrorSummary error={error} /> : null}
      {!value ? (
        <p>Loading drafts…</p>
      ) : !drafts.length ? (
        <p>No drafts. Every prescription you start is saved here until it is signed.</p>
      ) : (
        <table className="nhsuk-table" data-testid="drafts">
          <caption className="nhsuk-table__caption nhsuk-u-visually-hidden">Draft prescriptions</caption>
          <thead className="nhsuk-table__head">
            <tr>
              <th scope="col">Patient</th>
              <th scope="col">Items</th>
              <th scope="col">Last saved</th>
              <th scope="col">
                <span className="nhsuk-u-visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody className="nhsuk-table__body">
            {drafts.map((r) => {
              const p = r.draft.patient;
              const who = p ? `${patientName(p)} (${formatNhsNumber(p.nhsNumber)})` : 'No patient yet';
              const items = (r.draft.items ?? []).map((i) => i.medication.display).join('; ') || 'None yet';
              return (
                <tr key={r.id} data-draft={r.id}>
                  <td>{who}</td>
                  <td>{items}</td>
                  <td>{whenWords(r.updatedAt)}</td>
                  <td>
                    <a href={padHref(r.id, p ? (r.draft.patientConfirmed ? 'items' : 'confirm') : 'patient')}>
                      Resume<span className="nhsuk-u-visually-hidden"> draft for {who}</span>
                    </a>
                    <div className="nhsuk-u-margin-top-2">
                      <DiscardDraft
                        compact
                        who={who}
                        discard={() => transport.invoke('prescription.discard', { id: r.id }).then(() => undefined)}
                        onDiscarded={() => {
                          reload();
                          draftsHeading.current?.focus();
                        }}
                      />
                    </div>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </>
  );
}
