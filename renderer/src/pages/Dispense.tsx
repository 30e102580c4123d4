// The pharmacist's area: release prescriptions from EPS (one by its ID, or all nominated to the
// pharmacy), see each with Scrip's and EPS's verdict on the prescriber's signature, record what was
// handed over per item, return a prescription to Spine, withdraw the last dispense record. An
// invalid signature blocks dispensing; the details stay viewable (Dispensing SCAL 1.6.9).
import { useCallback, useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { DispensingView, ReleaseResult, ItemOutcome } from '../../../main/dispensing/dispensing-service';
import { RETURN_REASONS, WITHDRAW_REASONS } from '../../../protocols/eps/dispensing';
import { asCommandError, type CommandError, type CommandInput } from '../transport';
import { useTransport } from '../hooks/transport-context';
import { useEvents } from '../hooks/useEvents';
import { useHash } from '../hooks/useHash';
import { useSession } from '../hooks/useSession';
import { usePageHeading } from '../hooks/page-heading';
import { useFormState } from '../hooks/useFormState';
import { ErrorSummary } from '../components/ErrorSummary';
import { ErrorText, ProblemSummary, SummaryRow, describedBy, type Problem } from '../components/forms';
import { say } from '../components/say';
import { quantityWithUnit } from '../../../protocols/dmd/unit-words';
import { whenWords } from '../dates';
import { formatNhsNumber } from '../prescribing/rx-words';
import { isValidShortFormId } from '../../../protocols/ids/prescription-id';
import { CheckSignature } from './CheckSignature';
import { href, mayUse } from '../routes';
import { checkSignatureHref, dispenseHref, dispenseRoute } from '../prescribing/nav';

const time = whenWords;

const statusTag: Record<DispensingView['status'], { text: string; tag: string }> = {
  'with-pharmacy': { text: 'To dispense', tag: 'blue' },
  'partly-dispensed': { text: 'Partly dispensed', tag: 'yellow' },
  dispensed: { text: 'Dispensed', tag: 'green' },
  'not-dispensed': { text: 'Not dispensed', tag: 'grey' },
  returned: { text: 'Returned to Spine', tag: 'grey' },
  'signature-invalid': { text: 'Do not dispense', tag: 'red' },
};

export function Dispense() {
  const route = dispenseRoute(useHash());
  return route.page === 'detail' ? (
    <DispenseDetail id={route.id} />
  ) : route.page === 'check' ? (
    <CheckSignature />
  ) : (
    <DispenseList />
  );
}

function SignatureTag({ rx }: { rx: DispensingView }) {
  return rx.signature.ok ? (
    <strong className="nhsuk-tag nhsuk-tag--green" data-signature="valid">
      Signature valid
    </strong>
  ) : (
    <strong className="nhsuk-tag nhsuk-tag--red" data-signature="invalid">
      Signature not valid
    </strong>
  );
}

function DispenseList() {
  usePageHeading('Dispense');
  const transport = useTransport();
  const id = useId();
  const { value: session } = useSession();
  const [list, setList] = useState<DispensingView[] | null>(null);
  const [listError, setListError] = useState<CommandError | null>(null);
  const [rxId, setRxId] = useState('');
  const form = useFormState();
  const [result, setResult] = useState<ReleaseResult | null>(null);
  const resultRef = useRef<HTMLHeadingElement>(null);

  const load = useCallback(() => {
    transport.invoke('dispense.list', {}).then(
      (r) => {
        setList(r.prescriptions);
        setListError(null);
      },
      (e: unknown) => setListError(asCommandError(e)),
    );
  }, [transport]);
  useEffect(load, [load]);
  useEvents((e) => {
    if (e.type === 'dispensing.changed' || e.type === 'connection.restored') load();
  });
  useEffect(() => {
    if (result) resultRef.current?.focus();
  }, [result]);

  const role = session?.state === 'role-selected' ? session.selectedRole : null;
  const pharmacy = role ? `${role.orgName} (${role.orgCode})` : null;

  async function release(prescriptionId?: string) {
    setResult(null);
    await form.run(async () => {
      const r = await transport.invoke('dispense.release', prescriptionId ? { prescriptionId } : {});
      setResult(r);
      say(r.message);
      setRxId('');
      load();
    });
  }

  function releaseOne(e: FormEvent) {
    e.preventDefault();
    const v = rxId.trim().toUpperCase();
    const found: Problem[] = [];
    if (!v) found.push({ text: 'Enter the prescription ID from the token.', field: `${id}-rx` });
    else if (!isValidShortFormId(v))
      found.push({
        text: 'Enter the prescription ID as it is on the token: 18 characters in three groups, like 24F5DA-A83008-7EFE6Z. The last is a check character, so a mistyped character shows here.',
        field: `${id}-rx`,
      });
    if (form.check(found)) void release(v);
  }

  const fieldError = form.problemFor(`${id}-rx`);
  return (
    <>
      {form.error ? <ErrorSummary error={form.error} title="Nothing was released" /> : null}
      <ProblemSummary problems={form.problems} attempt={form.attempt} />
      {result ? (
        <section
          aria-labelledby={`${id}-result`}
          data-testid="release-result"
          className={result.refused.length ? 'nhsuk-warning-callout' : 'nhsuk-inset-text'}
        >
          <h2
            id={`${id}-result`}
            tabIndex={-1}
            ref={resultRef}
            className={result.refused.length ? 'nhsuk-warning-callout__label' : undefined}
          >
            {result.refused.length ? (
              <>
                <span role="text">
                  <span className="nhsuk-u-visually-hidden">Important: </span>Released, with signature problems
                </span>
              </>
            ) : (
              'Released'
            )}
          </h2>
          <p>{result.message}</p>
          {[...result.released, ...result.refused].length ? (
            <ul className="nhsuk-list">
              {[...result.released, ...result.refused].map((r) => (
                <li key={r.id}>
                  <a href={dispenseHref(r.id)}>{r.shortFormId}</a>
                  {r.patient ? ` for ${r.patient.name}` : ''}:{' '}
                  {r.signature.ok ? 'signature valid' : 'signature not valid — do not dispense'}
                </li>
              ))}
            </ul>
          ) : null}
        </section>
      ) : null}
      {!role ? (
        <div className="nhsuk-inset-text">
          <span className="nhsuk-u-visually-hidden">Information: </span>
          <p>
            To release prescriptions, log in with your smartcard and choose your pharmacy role on the{' '}
            <a href={href('')}>Home</a> page.
          </p>
        </div>
      ) : !mayUse('dispense', role.activities ?? []) ? (
        <div className="nhsuk-inset-text" data-testid="cannot-dispense">
          <span className="nhsuk-u-visually-hidden">Information: </span>
          <p>
            Your role at {role.orgName} is not a pharmacy role, so it cannot release or dispense prescriptions. To
            dispense, switch to a pharmacy role on the <a href={href('')}>Home</a> page.
          </p>
        </div>
      ) : (
        <>
          <form onSubmit={releaseOne} noValidate>
            <div className={`nhsuk-form-group${fieldError ? ' nhsuk-form-group--error' : ''}`}>
              <h2 className="nhsuk-label-wrapper">
                <label className="nhsuk-label nhsuk-label--m" htmlFor={`${id}-rx`}>
                  Release a prescription by its ID
                </label>
              </h2>
              <div className="nhsuk-hint" id={`${id}-rx-hint`}>
                The 18-character ID on the patient's token, for example 24F5DA-A83008-7EFE6Z
              </div>
              <ErrorText id={`${id}-rx-error`} text={fieldError} />
              <input
                className={`nhsuk-input nhsuk-input--width-20 scrip-mono${fieldError ? ' nhsuk-input--error' : ''}`}
                id={`${id}-rx`}
                name="prescriptionId"
                type="text"
                spellCheck={false}
                autoComplete="off"
                value={rxId}
                onChange={(e) => setRxId(e.target.value)}
                aria-describedby={describedBy(`${id}-rx-hint`, fieldError && `${id}-rx-error`)}
              />
            </div>
            <div className="nhsuk-button-group">
              <button className="nhsuk-button" type="submit" disabled={form.busy}>
                {form.busy ? 'Releasing…' : 'Release this prescription'}
              </button>
              <button
                className="nhsuk-button nhsuk-button--secondary"
                type="button"
                disabled={form.busy}
                onClick={() => {
                  form.clearProblems();
                  void release();
                }}
              >
                Release all nominated to {pharmacy}
              </button>
            </div>
          </form>
        </>
      )}
      <p>
        <a href={checkSignatureHref}>Check a signature</a>: see each check EPS makes on a signed prescription (FHIR or
        HL7 v3), with no card.
      </p>
      <h2>Released to this computer</h2>
      {listError ? <ErrorSummary error={listError} title="The list could not be read" /> : null}
      {!list ? (
        <p>Loading…</p>
      ) : !list.length ? (
        <p>No prescriptions have been released to this computer yet.</p>
      ) : (
        <table className="nhsuk-table" data-testid="released">
          <caption className="nhsuk-table__caption nhsuk-u-visually-hidden">
            Released prescriptions, most recently changed first
          </caption>
          <thead className="nhsuk-table__head">
            <tr>
              <th scope="col">Prescription ID</th>
              <th scope="col">Patient</th>
              <th scope="col">Items</th>
              <th scope="col">Signature</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody className="nhsuk-table__body">
            {list.map((r) => (
              <tr key={r.id} data-released={r.shortFormId} data-status={r.status}>
                <th scope="row">
                  <a className="scrip-mono" href={dispenseHref(r.id)}>
                    {r.shortFormId}
                  </a>
                </th>
                <td>{r.patient ? `${r.patient.name} (${formatNhsNumber(r.patient.nhsNumber)})` : 'Not readable'}</td>
                <td>{r.items.map((i) => i.medication.display).join('; ')}</td>
                <td>
                  <SignatureTag rx={r} />
                </td>
                <td>
                  <strong className={`nhsuk-tag nhsuk-tag--${statusTag[r.status].tag}`}>
                    {statusTag[r.status].text}
                  </strong>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function DispenseDetail({ id }: { id: string }) {
  const transport = useTransport();
  const [rx, setRx] = useState<DispensingView | null>(null);
  const [error, setError] = useState<CommandError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const doneRef = useRef<HTMLDivElement>(null);
  usePageHeading(`Prescription ${rx?.shortFormId ?? ''}`.trim(), { href: dispenseHref(), text: 'Back to Dispense' });

  const load = useCallback(() => {
    transport.invoke('dispense.get', { id }).then(
      (r) => {
        setRx(r);
        setError(null);
      },
      (e: unknown) => setError(asCommandError(e)),
    );
  }, [transport, id]);
  useEffect(load, [load]);
  useEvents((e) => {
    if ((e.type === 'dispensing.changed' && e.data.id === id) || e.type === 'connection.restored') load();
  });
  useEffect(() => {
    if (done) doneRef.current?.focus();
  }, [done]);
  const finished = (r: DispensingView, text: string) => {
    setRx(r);
    setDone(text);
    say(text);
  };

  if (error) return <ErrorSummary error={error} title="This prescription could not be opened" />;
  if (!rx) return <p>Loading the prescription…</p>;
  const sig = rx.signature;
  const errors = [...sig.service.errors.map((e) => `EPS: ${e}`), ...sig.scrip.errors.map((e) => `Scrip: ${e}`)];
  return (
    <>
      {done ? (
        <div className="nhsuk-inset-text" data-testid="dispense-done" tabIndex={-1} ref={doneRef}>
          <p>{done}</p>
        </div>
      ) : null}
      {sig.ok ? (
        <div className="nhsuk-inset-text" data-testid="signature-verdict" data-ok="true">
          <p>
            <SignatureTag rx={rx} /> The prescriber's signature was checked by Scrip and by EPS.
          </p>
          {sig.scrip.signer ? (
            <p className="nhsuk-body-s nhsuk-u-margin-bottom-0">
              Signed by {sig.scrip.signer.subject}
              {sig.scrip.signedAt ? ` on ${time(sig.scrip.signedAt)}` : ''}; certificate {sig.scrip.signer.serial}.
            </p>
          ) : null}
        </div>
      ) : (
        <div className="nhsuk-warning-callout" data-testid="signature-verdict" data-ok="false">
          <h2 className="nhsuk-warning-callout__label">
            <span role="text">
              <span className="nhsuk-u-visually-hidden">Important: </span>Do not dispense: the signature is not valid
            </span>
          </h2>
          <p>
            The prescriber's signature on this prescription could not be verified, so it must not be dispensed. Its
            details are shown below so you can contact the prescriber.
          </p>
          <ul>
            {errors.map((e) => (
              <li key={e}>{e}</li>
            ))}
          </ul>
          <p>
            {rx.canReturn
              ? 'Return it to Spine with the reason "Invalid digital signature".'
              : 'EPS has already returned it to Spine.'}
          </p>
        </div>
      )}
      <dl className="nhsuk-summary-list" data-testid="dispense-summary">
        <SummaryRow label="Status">
          <strong className={`nhsuk-tag nhsuk-tag--${statusTag[rx.status].tag}`} data-status={rx.status}>
            {statusTag[rx.status].text}
          </strong>{' '}
          <span className="nhsuk-hint nhsuk-u-margin-bottom-0">At EPS: {rx.prescriptionStatus}</span>
        </SummaryRow>
        <SummaryRow label="Patient">
          {rx.patient ? (
            <>
              {rx.patient.name}
              <br />
              NHS number {formatNhsNumber(rx.patient.nhsNumber)}
              {rx.patient.birthDate ? (
                <>
                  <br />
                  Born {rx.patient.birthDate}
                </>
              ) : null}
              {rx.patient.address ? (
                <>
                  <br />
                  {rx.patient.address}
                </>
              ) : null}
            </>
          ) : (
            'Not readable'
          )}
        </SummaryRow>
        <SummaryRow label="Prescriber">
          {rx.prescriber ? (
            <>
              {rx.prescriber.name}
              <br />
              {rx.prescriber.organisation}
              {rx.prescriber.ods ? ` (${rx.prescriber.ods})` : ''}
              {rx.prescriber.telecom ? (
                <>
                  <br />
                  Telephone {rx.prescriber.telecom}
                </>
              ) : null}
            </>
          ) : (
            'Not readable'
          )}
        </SummaryRow>
        <SummaryRow label="Released">
          {time(rx.releasedAt)} to {rx.ods}
        </SummaryRow>
        {rx.returnReason ? (
          <SummaryRow label="Returned">
            {RETURN_REASONS[rx.returnReason as keyof typeof RETURN_REASONS] ?? rx.returnReason}
          </SummaryRow>
        ) : null}
      </dl>
      <table className="nhsuk-table" data-testid="dispense-items">
        <caption className="nhsuk-table__caption">Items</caption>
        <thead className="nhsuk-table__head">
          <tr>
            <th scope="col">Medicine</th>
            <th scope="col">Quantity</th>
            <th scope="col">Dosage</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody className="nhsuk-table__body">
          {rx.items.map((i) => (
            <tr key={i.lineId} data-line={i.lineId} data-item-status={i.statusCode}>
              <td>{i.medication.display}</td>
              <td>{i.quantity ? quantityWithUnit(i.quantity.value, i.quantity.unit) : '–'}</td>
              <td>{i.dosage ?? '–'}</td>
              <td>
                {i.status}
                {i.dispensedQuantity !== null ? ` (${i.dispensedQuantity} handed over)` : ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {rx.canDispense ? <RecordForm rx={rx} onDone={finished} /> : null}
      {rx.canReturn ? <ReasonForm rx={rx} kind="return" onDone={finished} /> : null}
      {rx.canWithdraw ? <ReasonForm rx={rx} kind="withdraw" onDone={finished} /> : null}
    </>
  );
}

const open = (code: string) => !['0001', '0002', '0005', '0006'].includes(code);
const outcomeWords: Record<ItemOutcome, string> = {
  dispensed: 'Dispensed in full',
  partial: 'Partly dispensed',
  'not-dispensed': 'Not dispensed',
};

function RecordForm({ rx, onDone }: { rx: DispensingView; onDone: (r: DispensingView, text: string) => void }) {
  const transport = useTransport();
  const id = useId();
  const items = rx.items.filter((i) => open(i.statusCode));
  const [outcomes, setOutcomes] = useState<Record<string, ItemOutcome>>({});
  const [quantities, setQuantities] = useState<Record<string, string>>({});
  const form = useFormState();
  const err = form.problemFor;

  async function submit(e: FormEvent) {
    e.preventDefault();
    const found: Problem[] = [];
    const chosen = items.filter((i) => outcomes[i.lineId]);
    if (!chosen.length) found.push({ text: 'Choose what happened to at least one item.', field: `${id}-0-dispensed` });
    items.forEach((i, n) => {
      if (outcomes[i.lineId] !== 'partial') return;
      const q = Number(quantities[i.lineId] ?? '');
      if (!(q > 0))
        found.push({ text: `${i.medication.display}: enter how much was handed over.`, field: `${id}-${n}-qty` });
      else if (i.quantity && q >= i.quantity.value)
        found.push({
          text: `${i.medication.display}: a partial supply is less than the ${i.quantity.value} prescribed; choose "Dispensed in full".`,
          field: `${id}-${n}-qty`,
        });
    });
    if (!form.check(found)) return;
    await form.run(async () => {
      const r = await transport.invoke('dispense.record', {
        id: rx.id,
        items: chosen.flatMap((i) => {
          const outcome = outcomes[i.lineId];
          return outcome
            ? [
                {
                  lineId: i.lineId,
                  outcome,
                  ...(outcome === 'partial' ? { quantity: Number(quantities[i.lineId]) } : {}),
                },
              ]
            : [];
        }),
      });
      onDone(r, `Recorded and sent to EPS: ${statusTag[r.status].text.toLowerCase()}.`);
    });
  }

  return (
    <section aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>Record dispensing</h2>
      {form.error ? <ErrorSummary error={form.error} title="Dispensing was not recorded" /> : null}
      <ProblemSummary problems={form.problems} attempt={form.attempt} />
      <form onSubmit={submit} noValidate data-testid="record-form">
        {items.map((i, n) => {
          const qErr = err(`${id}-${n}-qty`);
          const oErr = n === 0 ? err(`${id}-0-dispensed`) : null;
          return (
            <div className={`nhsuk-form-group${qErr || oErr ? ' nhsuk-form-group--error' : ''}`} key={i.lineId}>
              <fieldset
                className="nhsuk-fieldset"
                aria-describedby={describedBy(`${id}-${n}-hint`, oErr && `${id}-0-error`)}
              >
                <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">{i.medication.display}</legend>
                <div className="nhsuk-hint" id={`${id}-${n}-hint`}>
                  Prescribed: {i.quantity ? quantityWithUnit(i.quantity.value, i.quantity.unit) : 'quantity not given'}
                  {i.dosage ? `. ${i.dosage}` : ''}
                </div>
                <ErrorText id={`${id}-0-error`} text={oErr} />
                <div className="nhsuk-radios nhsuk-radios--conditional">
                  {(Object.keys(outcomeWords) as ItemOutcome[]).map((o) => (
                    <div key={o}>
                      <div className="nhsuk-radios__item">
                        <input
                          className="nhsuk-radios__input"
                          id={`${id}-${n}-${o}`}
                          type="radio"
                          name={`${id}-${n}`}
                          checked={outcomes[i.lineId] === o}
                          onChange={() => setOutcomes({ ...outcomes, [i.lineId]: o })}
                          aria-controls={
                            o === 'partial' && outcomes[i.lineId] === 'partial' ? `${id}-${n}-partial` : undefined
                          }
                        />
                        <label className="nhsuk-label nhsuk-radios__label" htmlFor={`${id}-${n}-${o}`}>
                          {outcomeWords[o]}
                        </label>
                      </div>
                      {o === 'partial' && outcomes[i.lineId] === 'partial' ? (
                        <div className="nhsuk-radios__conditional" id={`${id}-${n}-partial`}>
                          <div className={`nhsuk-form-group${qErr ? ' nhsuk-form-group--error' : ''}`}>
                            <label className="nhsuk-label" htmlFor={`${id}-${n}-qty`}>
                              Quantity handed over{i.quantity?.unit ? ` (${i.quantity.unit})` : ''}
                            </label>
                            <ErrorText id={`${id}-${n}-qty-error`} text={qErr} />
                            <input
                              className={`nhsuk-input nhsuk-input--width-5${qErr ? ' nhsuk-input--error' : ''}`}
                              id={`${id}-${n}-qty`}
                              type="text"
                              inputMode="decimal"
                              value={quantities[i.lineId] ?? ''}
                              onChange={(e) => setQuantities({ ...quantities, [i.lineId]: e.target.value })}
                              aria-describedby={describedBy(qErr && `${id}-${n}-qty-error`)}
                            />
                          </div>
                        </div>
                      ) : null}
                    </div>
                  ))}
                </div>
              </fieldset>
            </div>
          );
        })}
        <button className="nhsuk-button" type="submit" disabled={form.busy}>
          {form.busy ? 'Sending to EPS…' : 'Record and send to EPS'}
        </button>
      </form>
    </section>
  );
}

/** A return or a withdrawal reason code (the form offers only those of its kind). */
type ReasonCode = CommandInput<'dispense.return'>['reason'] | CommandInput<'dispense.withdraw'>['reason'];

function ReasonForm({
  rx,
  kind,
  onDone,
}: {
  rx: DispensingView;
  kind: 'return' | 'withdraw';
  onDone: (r: DispensingView, text: string) => void;
}) {
  const transport = useTransport();
  const id = useId();
  const reasons: Partial<Record<ReasonCode, string>> = kind === 'return' ? RETURN_REASONS : WITHDRAW_REASONS;
  const [reason, setReason] = useState<ReasonCode | null>(kind === 'return' && !rx.signature.ok ? '0005' : null);
  const form = useFormState();
  const first = `${id}-reason-${Object.keys(reasons)[0]!}`;
  const text =
    kind === 'return'
      ? {
          h: 'Return to Spine',
          intro: 'Hand the prescription back undispensed, so the patient can take it to another pharmacy.',
          legend: 'Why are you returning it?',
          button: 'Return to Spine',
          done: 'Returned to Spine.',
          failed: 'The prescription was not returned',
        }
      : {
          h: 'Withdraw the last dispense record',
          intro: 'Undo the last record you sent to EPS, for example to correct a quantity; then record again.',
          legend: 'Why are you withdrawing it?',
          button: 'Withdraw the record',
          done: 'The last dispense record was withdrawn.',
          failed: 'The record was not withdrawn',
        };

  async function submit(e: FormEvent) {
    e.preventDefault();
    const found = reason ? [] : [{ text: `Select the reason (${text.legend.toLowerCase()}).`, field: first }];
    if (!form.check(found) || !reason) return;
    await form.run(async () =>
      onDone(
        await transport.invoke(kind === 'return' ? 'dispense.return' : 'dispense.withdraw', { id: rx.id, reason }),
        text.done,
      ),
    );
  }

  const rErr = form.problems[0]?.text ?? null;
  return (
    <section aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>{text.h}</h2>
      {form.error ? <ErrorSummary error={form.error} title={text.failed} /> : null}
      <ProblemSummary problems={form.problems} attempt={form.attempt} />
      <p>{text.intro}</p>
      <form onSubmit={submit} noValidate data-testid={`${kind}-form`}>
        <div className={`nhsuk-form-group${rErr ? ' nhsuk-form-group--error' : ''}`}>
          <fieldset className="nhsuk-fieldset" aria-describedby={describedBy(rErr && `${id}-error`)}>
            <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">{text.legend}</legend>
            <ErrorText id={`${id}-error`} text={rErr} />
            <div className="nhsuk-radios nhsuk-radios--small">
              {(Object.entries(reasons) as Array<[ReasonCode, string]>).map(([code, words]) => (
                <div className="nhsuk-radios__item" key={code}>
                  <input
                    className="nhsuk-radios__input"
                    id={`${id}-reason-${code}`}
                    type="radio"
                    name={`${id}-reason`}
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
          {form.busy ? 'Sending…' : text.button}
        </button>
      </form>
    </section>
  );
}
