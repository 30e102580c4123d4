import { usePageHeading } from '../../hooks/page-heading';
import { useTransport } from '../../hooks/transport-context';
import { useAutoFocus } from '../../hooks/useAutoFocus';
import { useDraft } from '../../prescribing/useDraft';
import { padHref } from '../../prescribing/nav';
import { go } from '../../prescribing/go';
import { prescribeAgain } from '../../prescribing/again';
import { patientName } from '../../prescribing/rx-words';
import { PatientDetails } from './PatientDetails';
import { EarlierPrescriptions } from './EarlierPrescriptions';

/**
 * The explicit "this is the patient" step for a draft whose patient is not confirmed yet (a copy,
 * "prescribe again", a resumed draft): the details, then one press to confirm, focused on arrival.
 */
export function ConfirmPatient() {
  const transport = useTransport();
  const { record, change, flush } = useDraft();
  usePageHeading('Is this the right patient?', {
    href: padHref(record!.id, 'patient'),
    text: 'Back to find the patient',
  });
  const yes = useAutoFocus<HTMLButtonElement>();
  const patient = record!.draft.patient;
  if (!patient) {
    return (
      <>
        <p>No patient has been chosen yet.</p>
        <a className="nhsuk-button" href={padHref(record!.id, 'patient')}>
          Find the patient
        </a>
      </>
    );
  }

  async function answer(right: boolean) {
    change((d) => (right ? { ...d, patientConfirmed: true } : { ...d, patient: null, patientConfirmed: false }));
    await flush();
    go(padHref(record!.id, right ? 'items' : 'patient'));
  }

  return (
    <>
      <p>Check these details with the patient, or their records, before you prescribe.</p>
      <PatientDetails patient={patient} />
      <div className="nhsuk-button-group">
        <button ref={yes} data-autofocus className="nhsuk-button" type="button" onClick={() => void answer(true)}>
          Yes, prescribe for {patientName(patient)}
        </button>
        <button className="nhsuk-button nhsuk-button--secondary" type="button" onClick={() => void answer(false)}>
          No, find another patient
        </button>
      </div>
      <EarlierPrescriptions
        nhsNumber={patient.nhsNumber}
        exclude={record!.id}
        onAgain={async (from, mode) => go(await prescribeAgain(transport, from, undefined, mode))}
      />
    </>
  );
}
