import { useId, useState, type FormEvent } from 'react';
import { usePageHeading } from '../../hooks/page-heading';
import { ErrorText, ProblemSummary } from '../../components/forms';
import { useDraft } from '../../prescribing/useDraft';
import { padHref } from '../../prescribing/nav';
import { go } from '../../prescribing/go';
import { PatientDetails } from './PatientDetails';

/** The explicit "this is the patient" step before anything is prescribed. */
export function ConfirmPatient() {
  const { record, change, flush } = useDraft();
  usePageHeading('Is this the right patient?', { href: padHref(record!.id, 'patient'), text: 'Back to find the patient' });
  const [answer, setAnswer] = useState<'yes' | 'no' | null>(record?.draft.patientConfirmed ? 'yes' : null);
  const [problem, setProblem] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  const id = useId();
  const patient = record!.draft.patient;
  if (!patient) {
    return <><p>No patient has been chosen yet.</p><a className="nhsuk-button" href={padHref(record!.id, 'patient')}>Find the patient</a></>;
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!answer) { setProblem('Select yes if this is the patient you are prescribing for.'); setAttempt((a) => a + 1); return; }
    if (answer === 'no') {
      change((d) => ({ ...d, patient: null, patientConfirmed: false }));
      await flush();
      go(padHref(record!.id, 'patient'));
      return;
    }
    change((d) => ({ ...d, patientConfirmed: true }));
    await flush();
    go(padHref(record!.id, record!.draft.items.length ? 'items' : 'treatment'));
  }

  return (
    <>
      <ProblemSummary problems={problem ? [{ text: problem, field: `${id}-yes` }] : []} attempt={attempt} />
      <p>Check these details with the patient, or their records, before you prescribe.</p>
      <PatientDetails patient={patient} />
      <form onSubmit={submit} noValidate>
        <div className={`nhsuk-form-group${problem ? ' nhsuk-form-group--error' : ''}`}>
          <fieldset className="nhsuk-fieldset" aria-describedby={problem ? `${id}-error` : undefined}>
            <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--m">Is this the patient you are prescribing for?</legend>
            <ErrorText id={`${id}-error`} text={problem} />
            <div className="nhsuk-radios">
              <div className="nhsuk-radios__item">
                <input className="nhsuk-radios__input" id={`${id}-yes`} type="radio" name="confirm" checked={answer === 'yes'} onChange={() => { setAnswer('yes'); setProblem(null); }} />
                <label className="nhsuk-label nhsuk-radios__label" htmlFor={`${id}-yes`}>Yes, this is the patient</label>
              </div>
              <div className="nhsuk-radios__item">
                <input className="nhsuk-radios__input" id={`${id}-no`} type="radio" name="confirm" checked={answer === 'no'} onChange={() => { setAnswer('no'); setProblem(null); }} />
                <label className="nhsuk-label nhsuk-radios__label" htmlFor={`${id}-no`}>No, find another patient</label>
              </div>
            </div>
          </fieldset>
        </div>
        <button className="nhsuk-button" type="submit">Continue</button>
      </form>
    </>
  );
}
