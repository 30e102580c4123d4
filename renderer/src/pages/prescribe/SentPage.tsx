import { usePageHeading } from '../../hooks/page-heading';
import { TokenPrint } from '../../components/TokenPrint';
import { RefusalPanel } from '../../components/RefusalPanel';
import { useDraft } from '../../prescribing/useDraft';
import { detailHref } from '../../prescribing/nav';
import { statusWords } from '../../prescribing/status';
import { patientName } from '../../prescribing/rx-words';
import { useTransport } from '../../hooks/transport-context';
import { ErrorSummary } from '../../components/ErrorSummary';
import { prescribeAgain } from '../../prescribing/again';
import { go } from '../../prescribing/go';
import { href } from '../../routes';
import { useFormState } from '../../hooks/useFormState';

/** After signing: the live status from the outbox and EPS, and the token. */
export function SentPage() {
  const { record } = useDraft();
  const r = record!;
  usePageHeading(r.status === 'rejected' ? 'Prescription refused by EPS' : 'Prescription signed');
  const s = statusWords(r.status);
  const transport = useTransport();
  const form = useFormState();
  async function again() {
    await form.run(async () => {
      go(await prescribeAgain(transport, r.id));
    });
  }
  return (
    <>
      <div className={r.status === 'rejected' ? 'nhsuk-card' : 'nhsuk-panel'} data-testid="sent-panel">
        <h2 className="nhsuk-panel__title">Prescription ID</h2>
        <div className="nhsuk-panel__body">
          <strong className="scrip-mono" data-testid="short-form-id">
            {r.shortFormId ?? 'Not signed yet'}
          </strong>
        </div>
      </div>
      <p>
        Status:{' '}
        <strong className={`nhsuk-tag nhsuk-tag--${s.tag}`} data-testid="sent-status" data-status={r.status}>
          {s.text}
        </strong>
      </p>
      <div aria-live="polite" className="nhsuk-body-s">
        {s.explain}
        {r.lastError ? ` Last try: ${r.lastError}` : ''}
      </div>
      <p>
        For {r.draft.patient ? patientName(r.draft.patient) : 'the patient'}:{' '}
        {r.draft.items.map((i) => i.medication.display).join('; ')}.
      </p>
      {r.refusal ? <RefusalPanel id={r.id} refusal={r.refusal} /> : null}
      {r.shortFormId && r.status !== 'rejected' ? (
        <p>
          <TokenPrint id={r.id} shortFormId={r.shortFormId} nominated={!!r.draft.patient?.nominatedPharmacy} />
        </p>
      ) : null}
      {form.error ? <ErrorSummary error={form.error} title="The prescription could not be copied" /> : null}
      {r.status !== 'rejected' ? (
        <p>
          <button
            type="button"
            className="nhsuk-button nhsuk-button--secondary"
            disabled={form.busy}
            onClick={() => void again()}
          >
            Prescribe again
          </button>
        </p>
      ) : null}
      <ul className="nhsuk-list">
        <li>
          <a href={detailHref(r.id)}>Track this prescription</a>
        </li>
        <li>
          <a href={href('prescribe')}>Write another prescription</a>
        </li>
        <li>
          <a href={href('prescriptions')}>All prescriptions</a>
        </li>
      </ul>
    </>
  );
}
