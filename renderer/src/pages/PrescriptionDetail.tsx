// One sent prescription: its status at EPS and each item's (the tracker), the token, and
// cancelling an item or the whole prescription with an EPS reason, with the service's answer.
import { useCallback, useEffect, useId, useState, type FormEvent } from 'react';
import { CANCEL_REASONS, type CancelReasonCode } from '../../../protocols/eps/status-codes';
import { asCommandError, type CommandError, type CommandOutput } from '../transport';
import { useTransport } from '../hooks/transport-context';
import { useEvents } from '../hooks/useEvents';
import { usePageHeading } from '../hooks/page-heading';
import { ErrorSummary } from '../components/ErrorSummary';
import { ErrorText, ProblemSummary, SummaryRow, type Problem } from '../components/forms';
import { TokenPrint } from '../components/TokenPrint';
import { RefusalPanel } from '../components/RefusalPanel';
import { say } from '../components/say';
import { detailHref } from '../prescribing/nav';
import { statusWords } from '../prescribing/status';
import { formatNhsNumber, patientName } from '../prescribing/rx-words';
import { whenWords } from '../dates';
import { href } from '../routes';
import { go } from '../prescribing/go';
import { useFormState } from '../hooks/useFormState';

// What the commands answer (main/commands/prescription.ts): prescription.get adds the draft's problems.
type Tracked = CommandOutput<'prescription.track'>;
/** One item of a tracked prescription (named apart from the services' own ItemView types). */
type TrackedItem = Tracked['items'][number];
type CancelAnswer = CommandOutput<'prescription.cancel'>['results'][number];

const outcomeTag: Record<CancelAnswer['outcome'], { text: string; tag: string }> = {
  cancelled: { text: 'Cancelled', tag: 'green' },
  marked: { text: 'Marked for cancellation', tag: 'yellow' },
  refused: { text: 'Not cancelled', tag: 'red' },
  failed: { text: 'No answer', tag: 'orange' },
};
const cancellable = (i: TrackedItem) => i.statusCode !== '0005' && i.statusCode !== '0001' && i.statusCode !== '0006';
const time = whenWords;

export function PrescriptionDetail({ id, cancel }: { id: string; cancel: boolean }) {
  const transport = useTransport();
  const [rx, setRx] = useState<Tracked | null>(null);
  const [error, setError] = useState<CommandError | null>(null);
  const tracking = useFormState();
  const [answers, setAnswers] = useState<CancelAnswer[] | null>(null);
  usePageHeading(
    cancel ? `Cancel prescription ${rx?.shortFormId ?? ''}`.trim() : `Prescription ${rx?.shortFormId ?? ''}`.trim(),
    cancel
      ? { href: detailHref(id), text: 'Back to the prescription' }
      : { href: href('prescriptions'), text: 'Back to prescriptions' },
  );

  const load = useCallback(() => {
    transport.invoke('prescription.get', { id }).then(
      (r) => {
        setRx(r);
        setError(null);
      },
      (e: unknown) => setError(asCommandError(e)),
    );
  }, [transport, id]);
  useEffect(load, [load]);
  useEvents((e) => {
    if ((e.type === 'prescription.changed' && e.data.id === id) || e.type === 'connection.restored') load();
  });

  async function track() {
    await tracking.run(async () => {
      const r = await transport.invoke('prescription.track', { id });
      setRx(r);
      say(`Status checked: ${r.tracking?.status ?? statusWords(r.status).text}`);
    });
  }

  if (error) return <ErrorSummary error={error} title="This prescription could not be opened" />;
  if (!rx) return <p>Loading the prescription…</p>;
  // After a cancellation the tracker is asked again, so every item's status is current, not only the cancelled ones.
  if (cancel)
    return (
      <CancelForm
        rx={rx}
        onDone={(a) => {
          setAnswers(a);
          load();
          go(detailHref(id));
          void track();
        }}
      />
    );
  const s = statusWords(rx.status);
  const p = rx.draft.patient;
  const items =
    rx.items ??
    rx.draft.items.map((i): TrackedItem => ({
      lineId: i.lineId,
      medication: i.medication.display,
      statusCode: null,
      status: null,
      dispensedAt: null,
      cancelReason: null,
      cancelAnswerCode: null,
      cancelAnswer: null,
      cancelPending: false,
    }));
  const canCancel = ['accepted', 'partly-cancelled'].includes(rx.status) && items.some(cancellable);
  return (
    <>
      {rx.refusal ? <RefusalPanel id={rx.id} refusal={rx.refusal} /> : null}
      {answers ? <CancelAnswers answers={answers} /> : null}
      {tracking.error ? <ErrorSummary error={tracking.error} title="The tracker could not be asked" /> : null}
      <dl className="nhsuk-summary-list" data-testid="prescription-summary">
        <SummaryRow label="Patient">
          {p ? `${patientName(p)} (${formatNhsNumber(p.nhsNumber)})` : 'No patient'}
        </SummaryRow>
        <SummaryRow label="On this computer">
          <strong className={`nhsuk-tag nhsuk-tag--${s.tag}`} data-testid="local-status" data-status={rx.status}>
            {s.text}
          </strong>
        </SummaryRow>
        <SummaryRow label="At EPS">
          <span data-testid="tracker-status" data-code={rx.tracking?.statusCode ?? ''}>
            {rx.tracking
              ? `${rx.tracking.status}${rx.tracking.owner ? `, ${rx.tracking.owner.name ?? ''} (${rx.tracking.owner.ods})` : ''}`
              : 'Not checked yet'}
          </span>
          {rx.tracking ? (
            <div className="nhsuk-hint nhsuk-u-margin-bottom-0">Checked {time(rx.tracking.checkedAt)}</div>
          ) : null}
        </SummaryRow>
        {rx.signedAt ? <SummaryRow label="Signed">{time(rx.signedAt)}</SummaryRow> : null}
      </dl>
      {rx.shortFormId ? (
        <div className="nhsuk-button-group">
          <button
            type="button"
            className="nhsuk-button nhsuk-button--secondary"
            onClick={() => void track()}
            disabled={tracking.busy}
          >
            {tracking.busy ? 'Checking…' : 'Check status at EPS now'}
          </button>
          {rx.status === 'rejected' ? null : (
            <TokenPrint id={rx.id} shortFormId={rx.shortFormId} nominated={!!p?.nominatedPharmacy} />
          )}
        </div>
      ) : null}
      <table className="nhsuk-table" data-testid="item-statuses">
        <caption className="nhsuk-table__caption">Items</caption>
        <thead className="nhsuk-table__head">
          <tr>
            <th scope="col">Medicine</th>
            <th scope="col">Status at EPS</th>
            <th scope="col">Cancellation</th>
          </tr>
        </thead>
        <tbody className="nhsuk-table__body">
          {items.map((i) => (
            <tr key={i.lineId} data-line={i.lineId} data-item-status={i.statusCode ?? ''}>
              <td>{i.medication}</td>
              <td>
                {i.status ?? 'Not known yet'}
                {i.dispensedAt ? ` (${time(i.dispensedAt)})` : ''}
              </td>
              <td>{i.cancelPending ? 'Sent, waiting for the answer' : (i.cancelAnswer ?? '–')}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {canCancel ? (
        <a className="nhsuk-button nhsuk-button--warning" href={detailHref(rx.id, 'cancel')}>
          Cancel items or the whole prescription
        </a>
      ) : null}
    </>
  );
}

function CancelAnswers({ answers }: { answers: CancelAnswer[] }) {
  const all = answers.every((a) => a.ok);
  return (
    <div className={all ? 'nhsuk-inset-text' : 'nhsuk-warning-callout'} data-testid="cancel-answers" role="status">
      <h2 className={all ? 'nhsuk-heading-s' : 'nhsuk-warning-callout__label'}>EPS's answer to the cancellation</h2>
      <ul className="nhsuk-list">
        {answers.map((a) => (
          <li key={a.lineId} data-cancel-line={a.lineId} data-outcome={a.outcome}>
            <strong>{a.medication ?? a.lineId}</strong>:{' '}
            <strong className={`nhsuk-tag nhsuk-tag--${outcomeTag[a.outcome].tag}`}>
              {outcomeTag[a.outcome].text}
            </strong>{' '}
            {a.message}
            {a.code ? ` (${a.code})` : ''}
          </li>
        ))}
      </ul>
    </div>
  );
}

function CancelForm({ rx, onDone }: { rx: Tracked; onDone: (a: CancelAnswer[]) => void }) {
  const transport = useTransport();
  const id = useId();
  const items = (rx.items ?? []).filter(cancellable);
  const [scope, setScope] = useState<'all' | 'some' | null>(items.length === 1 ? 'all' : null);
  const [lines, setLines] = useState<string[]>([]);
  const [reason, setReason] = useState<CancelReasonCode | null>(null);
  const form = useFormState();
  const [confirming, setConfirming] = useState(false);
  const err = form.problemFor;
  const chosen = scope === 'some' ? items.filter((i) => lines.includes(i.lineId)) : items;

  // A cancellation cannot be undone: the choice is checked on the form, then confirmed in words.
  function check(e: FormEvent) {
    e.preventDefault();
    const found: Problem[] = [];
    if (!scope)
      found.push({ text: 'Select whether to cancel the whole prescription or some items.', field: `${id}-all` });
    else if (scope === 'some' && !lines.length)
      found.push({ text: 'Select the items to cancel.', field: `${id}-line-0` });
    if (!reason) found.push({ text: 'Select the reason for cancelling.', field: `${id}-reason-0001` });
    if (form.check(found)) setConfirming(true);
  }

  async function submit() {
    if (!reason) return; // check() asked for it before confirming
    await form.run(async () => {
      const r = await transport.invoke('prescription.cancel', {
        id: rx.id,
        reason,
        ...(scope === 'some' ? { lineIds: lines } : {}),
      });
      say(r.results.map((a) => `${a.medication ?? 'Item'}: ${outcomeTag[a.outcome].text}`).join('. '));
      onDone(r.results);
    });
  }

  if (confirming) {
    return (
      <>
        {form.error ? <ErrorSummary error={form.error} title="The cancellation was not sent" /> : null}
        <div className="nhsuk-warning-callout" data-testid="cancel-confirm">
          <h2 className="nhsuk-warning-callout__label" tabIndex={-1} ref={(h) => h?.focus()}>
            <span role="text">
              <span className="nhsuk-u-visually-hidden">Important: </span>Cancel{' '}
              {chosen.length === 1 ? 'this item' : `these ${chosen.length} items`}?
            </span>
          </h2>
          <ul className="nhsuk-list nhsuk-list--bullet">
            {chosen.map((i) => (
              <li key={i.lineId}>{i.medication}</li>
            ))}
          </ul>
          <p>
            Reason: {reason ? CANCEL_REASONS[reason] : ''}. A cancellation cannot be undone: to supply it again you
            would write a new prescription.
          </p>
        </div>
        <div className="nhsuk-button-group">
          <button
            className="nhsuk-button nhsuk-button--warning"
            type="button"
            disabled={form.busy}
            onClick={() => void submit()}
          >
            {form.busy
              ? 'Sending the cancellation…'
              : chosen.length === 1
                ? 'Yes, cancel this item'
                : `Yes, cancel these ${chosen.length} items`}
          </button>
          <button
            className="nhsuk-button nhsuk-button--secondary"
            type="button"
            disabled={form.busy}
            onClick={() => setConfirming(false)}
          >
            No, go back
          </button>
        </div>
      </>
    );
  }

  return (
    <>
      {form.error ? <ErrorSummary error={form.error} title="The cancellation was not sent" /> : null}
      <ProblemSummary problems={form.problems} attempt={form.attempt} />
      <p>EPS cancels an item only if the pharmacy has not dispensed it yet. You will see EPS's answer for each item.</p>
      <form onSubmit={check} noValidate>
        <div className={`nhsuk-form-group${err(`${id}-all`) || err(`${id}-line-0`) ? ' nhsuk-form-group--error' : ''}`}>
          <fieldset className="nhsuk-fieldset">
            <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--m">What do you want to cancel?</legend>
            <ErrorText id={`${id}-scope-error`} text={err(`${id}-all`)} />
            <div className="nhsuk-radios nhsuk-radios--conditional">
              <div className="nhsuk-radios__item">
                <input
                  className="nhsuk-radios__input"
                  id={`${id}-all`}
                  type="radio"
                  name="scope"
                  checked={scope === 'all'}
                  onChange={() => setScope('all')}
                />
                <label className="nhsuk-label nhsuk-radios__label" htmlFor={`${id}-all`}>
                  The whole prescription ({items.length === 1 ? '1 item' : `all ${items.length} items`})
                </label>
              </div>
              {items.length > 1 ? (
                <>
                  <div className="nhsuk-radios__item">
                    <input
                      className="nhsuk-radios__input"
                      id={`${id}-some`}
                      type="radio"
                      name="scope"
                      checked={scope === 'some'}
                      onChange={() => setScope('some')}
                      aria-controls={scope === 'some' ? `${id}-some-items` : undefined}
                    />
                    <label className="nhsuk-label nhsuk-radios__label" htmlFor={`${id}-some`}>
                      Some items
                    </label>
                  </div>
                  {scope === 'some' ? (
                    <div className="nhsuk-radios__conditional" id={`${id}-some-items`}>
                      <fieldset className="nhsuk-fieldset">
                        <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">Items to cancel</legend>
                        <ErrorText id={`${id}-lines-error`} text={err(`${id}-line-0`)} />
                        <div className="nhsuk-checkboxes">
                          {items.map((i, n) => (
                            <div className="nhsuk-checkboxes__item" key={i.lineId}>
                              <input
                                className="nhsuk-checkboxes__input"
                                id={`${id}-line-${n}`}
                                type="checkbox"
                                checked={lines.includes(i.lineId)}
                                onChange={(e) =>
                                  setLines(
                                    e.target.checked ? [...lines, i.lineId] : lines.filter((x) => x !== i.lineId),
                                  )
                                }
                              />
                              <label className="nhsuk-label nhsuk-checkboxes__label" htmlFor={`${id}-line-${n}`}>
                                {i.medication}
                              </label>
                            </div>
                          ))}
                        </div>
                      </fieldset>
                    </div>
                  ) : null}
                </>
              ) : null}
            </div>
          </fieldset>
        </div>
        <div className={`nhsuk-form-group${err(`${id}-reason-0001`) ? ' nhsuk-form-group--error' : ''}`}>
          <fieldset className="nhsuk-fieldset">
            <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--m">Why are you cancelling?</legend>
            <ErrorText id={`${id}-reason-error`} text={err(`${id}-reason-0001`)} />
            <div className="nhsuk-radios">
              {(Object.entries(CANCEL_REASONS) as Array<[CancelReasonCode, string]>).map(([code, words]) => (
                <div className="nhsuk-radios__item" key={code}>
                  <input
                    className="nhsuk-radios__input"
                    id={`${id}-reason-${code}`}
                    type="radio"
                    name="reason"
                    checked={reason === code}
                    onChange={() => setReason(code)}
                  />
                  <label className="nhsuk-label nhsuk-radios__label" htmlFor={`${id}-reason-${code}`}>
                    {words}
                  </label>
                </div>
              ))}
            </div>
          </fieldset>
        </div>
        <button className="nhsuk-button nhsuk-button--warning" type="submit" disabled={form.busy}>
          {scope === 'some' ? 'Cancel the selected items' : 'Cancel the prescription'}
        </button>
      </form>
    </>
  );
}
