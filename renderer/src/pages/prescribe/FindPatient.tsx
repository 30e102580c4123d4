import { useId, useState, type FormEvent } from 'react';
import { explainNhsNumber } from '../../../../protocols/ids/nhs-number';
import { asCommandError } from '../../transport';
import { useTransport } from '../../hooks/transport-context';
import { useFormState } from '../../hooks/useFormState';
import { usePageHeading } from '../../hooks/page-heading';
import { ErrorSummary } from '../../components/ErrorSummary';
import { ErrorText, ProblemSummary, describedBy } from '../../components/forms';
import { useDraft } from '../../prescribing/useDraft';
import { padHref } from '../../prescribing/nav';
import { go } from '../../prescribing/go';
import { liveNhsNumberProblem, patientName, type PatientSnapshot } from '../../prescribing/rx-words';
import { useAutoFocus } from '../../hooks/useAutoFocus';
import { say } from '../../components/say';
import { prescribeAgain, type AgainMode } from '../../prescribing/again';
import { PatientDetails } from './PatientDetails';
import { EarlierPrescriptions } from './EarlierPrescriptions';
import { href } from '../../routes';

export function FindPatient() {
  usePageHeading('Find the patient', { href: href('prescribe'), text: 'Back to prescriptions you are writing' });
  const transport = useTransport();
  const { record, change, flush, discard } = useDraft();
  // The patient found, shown here to be confirmed with one press ("Prescribe for …").
  const [found, setFound] = useState<PatientSnapshot | null>(null);
  const nhsField = useAutoFocus<HTMLInputElement>(!found);
  const chooseButton = useAutoFocus<HTMLButtonElement>(!!found, found?.nhsNumber);
  const [nhs, setNhs] = useState(record?.draft.patient?.nhsNumber ?? '');
  const form = useFormState();
  const fid = useId();
  const field = `${fid}-nhs`;

  // The problem a submit found, until the number is changed; meanwhile the check as it is typed.
  const problem = form.problemFor(field) ?? liveNhsNumberProblem(nhs);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const why = explainNhsNumber(nhs);
    if (!form.check(why ? [{ text: why, field }] : [])) return;
    await form.run(async () => {
      try {
        const patient = await transport.invoke('patients.get', { nhsNumber: nhs.replace(/\s+/g, '') });
        setFound(patient);
        say(`Found ${patientName(patient)}. Check the details, then prescribe for this patient.`);
      } catch (err) {
        // No such patient is a problem with the number entered, not a failure of the service.
        if (asCommandError(err).body.code !== 'not-found') throw err;
        const text = `No patient with NHS number ${nhs.trim()} was found. Check the number, or search by name and date of birth.`;
        form.check([{ text, field }]);
      }
    });
  }

  async function choose() {
    if (!found) return;
    change((d) => ({ ...d, patient: found, patientConfirmed: true }));
    await flush();
    go(padHref(record!.id, 'items'));
  }

  async function again(fromId: string, mode: AgainMode) {
    const to = await prescribeAgain(transport, fromId, found ?? undefined, mode);
    // This draft was only started to find the patient: nothing is lost by removing it.
    // If it cannot be removed, it stays in the drafts list, empty, where the prescriber can discard it.
    if (!record!.draft.items.length) await discard().catch(() => undefined);
    go(to);
  }

  if (found) {
    return (
      <>
        <p>Check these details with the patient, or their records, before you prescribe.</p>
        <PatientDetails patient={found} />
        <div className="nhsuk-button-group">
          <button
            ref={chooseButton}
            data-autofocus
            className="nhsuk-button"
            type="button"
            onClick={() => void choose()}
          >
            Prescribe for {patientName(found)}
          </button>
          <button
            className="nhsuk-button nhsuk-button--secondary"
            type="button"
            onClick={() => {
              setFound(null);
              setNhs('');
            }}
          >
            Not this patient
          </button>
        </div>
        <EarlierPrescriptions nhsNumber={found.nhsNumber} onAgain={again} />
      </>
    );
  }

  return (
    <>
      {form.error ? <ErrorSummary error={form.error} title="The patient could not be looked up" /> : null}
      <ProblemSummary problems={form.problems} attempt={form.attempt} />
      <form onSubmit={submit} noValidate>
        <div className={`nhsuk-form-group${problem ? ' nhsuk-form-group--error' : ''}`}>
          <label className="nhsuk-label nhsuk-label--s" htmlFor={field}>
            NHS number
          </label>
          <div className="nhsuk-hint" id={`${fid}-hint`}>
            10 digits, for example 485 777 3456. Checked as you type.
          </div>
          <ErrorText id={`${fid}-error`} text={problem} />
          <input
            ref={nhsField}
            data-autofocus
            className={`nhsuk-input nhsuk-input--width-10${problem ? ' nhsuk-input--error' : ''}`}
            id={field}
            name="nhsNumber"
            inputMode="numeric"
            autoComplete="off"
            spellCheck={false}
            value={nhs}
            onChange={(e) => {
              setNhs(e.target.value);
              form.clearProblems();
            }}
            aria-describedby={describedBy(`${fid}-hint`, problem && `${fid}-error`)}
          />
        </div>
        <button className="nhsuk-button" type="submit" disabled={form.busy}>
          {form.busy ? 'Looking up…' : 'Find patient'}
        </button>
      </form>
      <p>
        <a href={padHref(record!.id, 'patient-search')}>Search by name and date of birth instead</a>
      </p>
    </>
  );
}
