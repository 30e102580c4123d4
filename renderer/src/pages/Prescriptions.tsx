import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { asCommandError, type CommandOutput } from '../transport';
import { useTransport } from '../hooks/transport-context';
import { useLive } from '../hooks/useLive';
import { useEvents } from '../hooks/useEvents';
import { useHash } from '../hooks/useHash';
import { useSession } from '../hooks/useSession';
import { usePageHeading } from '../hooks/page-heading';
import { ErrorSummary } from '../components/ErrorSummary';
import { SessionNotices } from '../components/SessionNotices';
import { ProblemSummary } from '../components/forms';
import { PasscodeField, PASSCODE_FORMAT } from '../components/PasscodeField';
import { useCardPinPad } from '../hooks/useCardPinPad';
import { TokenPrint } from '../components/TokenPrint';
import { say } from '../components/say';
import { listRoute, detailHref, padHref } from '../prescribing/nav';
import { statusWords } from '../prescribing/status';
import { formatNhsNumber, patientName } from '../prescribing/rx-words';
import { PrescriptionDetail } from './PrescriptionDetail';
import { DiscardDraft } from './prescribe/DiscardDraft';
import { whenWords } from '../dates';
import { ownedBy } from '../prescribing/owner';
import { href } from '../routes';
import { useFormState } from '../hooks/useFormState';

// What the prescription commands answer (main/commands/prescription.ts).
type Rx = CommandOutput<'prescription.list'>['prescriptions'][number];
type SignResult = CommandOutput<'prescription.sign'>['results'][number];

export function Prescriptions() {
  const route = listRoute(useHash());
  if (route.page !== 'list') return <PrescriptionDetail id={route.id} cancel={route.page === 'cancel'} />;
  return <PrescriptionList />;
}

const who = (r: Rx) =>
  r.draft.patient ? `${patientName(r.draft.patient)} (${formatNhsNumber(r.draft.patient.nhsNumber)})` : 'No patient';

/** The prescriptions on this computer, live; select ready ones and sign them in one go. */
function PrescriptionList() {
  usePageHeading('Prescriptions');
  const transport = useTransport();
  const { value: session } = useSession();
  const { value, error, reload } = useLive('prescription.list', () => undefined);
  const [problems, setProblems] = useState<Record<string, string[]>>({});
  const [selected, setSelected] = useState<string[]>([]);
  const [pin, setPin] = useState('');
  const [results, setResults] = useState<Array<SignResult & { who: string }> | null>(null);
  // Signing's state: the passcode's problem, the batch running, an error that stopped it.
  const form = useFormState();
  const pinPad = useCardPinPad();
  const id = useId();
  const resultsRef = useRef<HTMLHeadingElement>(null);
  const listHeading = useRef<HTMLHeadingElement>(null);
  // "Your prescriptions" are the logged-in user's (and drafts nobody owns yet); others' on request.
  const [everyone, setEveryone] = useState(false);
  const me = session?.user?.id ?? null;
  const all = value?.prescriptions ?? [];
  const shown = ownedBy(all, me, everyone);
  const others = all.length - shown.length;

  // The per-item results take focus when they arrive, so they are read out at once.
  useEffect(() => {
    if (results) resultsRef.current?.focus();
  }, [results]);

  // Any change to a prescription: read the list again (a burst of changes reads it once).
  const pending = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEvents((e) => {
    if (e.type !== 'prescription.changed') return;
    if (pending.current) clearTimeout(pending.current);
    pending.current = setTimeout(reload, 150);
  });

  // Whether each draft is ready to sign: the service's own checks.
  const drafts = shown.filter((r) => r.status === 'draft');
  const draftKey = drafts.map((r) => `${r.id}@${r.updatedAt}`).join(',');
  useEffect(() => {
    let live = true;
    Promise.all(
      drafts.map((r) =>
        transport.invoke('prescription.get', { id: r.id }).then(
          (g) => [r.id, g.problems] as const,
          () => [r.id, ['Could not be checked.']] as const,
        ),
      ),
    ).then((pairs) => {
      if (live) setProblems(Object.fromEntries(pairs));
    });
    return () => {
      live = false;
    };
  }, [transport, draftKey]);

  const ready = (r: Rx) => r.status === 'draft' && problems[r.id]?.length === 0;
  const selectable = drafts.filter(ready).map((r) => r.id);
  const chosen = selected.filter((s) => selectable.includes(s));

  const pinField = `${id}-pin`;

  async function signSelected(e: FormEvent) {
    e.preventDefault();
    if (!chosen.length) {
      form.clearProblems();
      form.fail(
        asCommandError({
          code: 'invalid-input',
          message: 'Select at least one prescription that is ready to sign.',
          action: 'Tick the prescriptions you want to sign.',
          retriable: false,
        }),
      );
      return;
    }
    const pinWrong = !pinPad && !PASSCODE_FORMAT.test(pin);
    if (!form.check(pinWrong ? [{ text: 'Enter your card passcode: 6 to 8 digits.', field: pinField }] : [])) return;
    if (pinPad) say("Type your card passcode on the reader's keypad when it asks.");
    const names = new Map(all.map((r) => [r.id, who(r)]));
    await form.run(async () => {
      try {
        // A keypad reader takes the passcode itself: none is sent.
        const r = await transport.invoke('prescription.sign', pinPad ? { ids: chosen } : { ids: chosen, pin });
        // Any not reached (the batch stops when the card is gone or locked) are listed as not signed.
        const reached = new Set(r.results.map((x) => x.id));
        const all = [
          ...r.results,
          ...chosen
            .filter((c) => !reached.has(c))
            .map((c): SignResult => ({
              id: c,
              ok: false,
              status: 'draft',
              shortFormId: null,
              error: {
                code: 'not-reached',
                message: 'Not signed: signing stopped before this one.',
                action: 'Select it and sign again.',
              },
            })),
        ];
        setResults(all.map((x) => ({ ...x, who: names.get(x.id) ?? x.id })));
        setSelected([]);
        const ok = all.filter((x) => x.ok).length;
        say(`Signed ${ok} of ${all.length}.`);
        reload();
      } catch (err) {
        // A wrong passcode is a problem with the passcode field; anything else stopped the batch.
        const ce = asCommandError(err);
        if (ce.body.code !== 'pin-wrong') throw ce;
        form.check([{ text: `${ce.body.message} ${ce.body.action}`, field: pinField }]);
      }
    });
    setPin('');
  }

  async function sendNow() {
    try {
      await transport.invoke('prescription.send', {});
      reload();
    } catch (e) {
      form.fail(e);
    }
  }

  if (error) return <ErrorSummary error={error} />;
  if (!value) return <p>Loading prescriptions…</p>;
  const waiting = shown.some((r) => r.status === 'signed' || r.status === 'sending');
  return (
    <>
      <SessionNotices />
      {form.error ? <ErrorSummary error={form.error} /> : null}
      <ProblemSummary problems={form.problems} attempt={form.attempt} />
      {results ? (
        <section aria-labelledby={`${id}-results`} data-testid="sign-results">
          <h2 id={`${id}-results`} tabIndex={-1} ref={resultsRef}>
            Signed {results.filter((x) => x.ok).length} of {results.length}
          </h2>
          <table className="nhsuk-table">
            <caption className="nhsuk-table__caption nhsuk-u-visually-hidden">Result for each prescription</caption>
            <thead className="nhsuk-table__head">
              <tr>
                <th scope="col">Patient</th>
                <th scope="col">Result</th>
              </tr>
            </thead>
            <tbody className="nhsuk-table__body">
              {results.map((x) => (
                <tr key={x.id} data-result={x.id} data-ok={String(x.ok)}>
                  <td>{x.who}</td>
                  <td>
                    {x.ok ? (
                      <>
                        Signed: <span className="scrip-mono">{x.shortFormId}</span>, sending to EPS
                      </>
                    ) : (
                      <>
                        <strong>Not signed.</strong> {x.error?.message} {x.error?.action}
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
      {me && (others > 0 || everyone) ? (
        <p data-testid="owner-filter">
          {everyone ? (
            <>
              Showing every prescription on this computer.{' '}
              <button type="button" className="scrip-link-button" onClick={() => setEveryone(false)}>
                Show only yours
              </button>
            </>
          ) : (
            <>
              Showing yours. {others === 1 ? '1 prescription' : `${others} prescriptions`} on this computer{' '}
              {others === 1 ? 'was' : 'were'} written by someone else.{' '}
              <button type="button" className="scrip-link-button" onClick={() => setEveryone(true)}>
                Show them too
              </button>
            </>
          )}
        </p>
      ) : null}
      {!shown.length ? (
        <p>
          No prescriptions {me && !everyone ? 'of yours' : 'on this computer'} yet.{' '}
          <a href={href('prescribe')}>Write one</a>.
        </p>
      ) : (
        <form onSubmit={signSelected} noValidate>
          <h2 tabIndex={-1} ref={listHeading}>
            Your prescriptions
          </h2>
          <table className="nhsuk-table" data-testid="prescriptions">
            <caption className="nhsuk-table__caption nhsuk-u-visually-hidden">Prescriptions, newest first</caption>
            <thead className="nhsuk-table__head">
              <tr>
                <th scope="col">
                  <span className="nhsuk-u-visually-hidden">Select</span>
                </th>
                <th scope="col">Prescription ID</th>
                <th scope="col">Date</th>
                <th scope="col">Patient</th>
                <th scope="col">Items</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="nhsuk-u-visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody className="nhsuk-table__body">
              {shown.map((r) => {
                const s = statusWords(r.status);
                const items = (r.draft.items ?? []).map((i) => i.medication.display).join('; ') || 'None';
                const p = problems[r.id];
                return (
                  <tr key={r.id} data-prescription={r.id} data-status={r.status}>
                    <td>
                      {ready(r) ? (
                        <div className="nhsuk-checkboxes nhsuk-checkboxes--small">
                          <div className="nhsuk-checkboxes__item">
                            <input
                              className="nhsuk-checkboxes__input"
                              id={`${id}-sel-${r.id}`}
                              type="checkbox"
                              checked={selected.includes(r.id)}
                              onChange={(e) =>
                                setSelected(e.target.checked ? [...selected, r.id] : selected.filter((x) => x !== r.id))
                              }
                            />
                            <label className="nhsuk-label nhsuk-checkboxes__label" htmlFor={`${id}-sel-${r.id}`}>
                              <span className="nhsuk-u-visually-hidden">
                                Select to sign: {who(r)}, {items}
                              </span>
                            </label>
                          </div>
                        </div>
                      ) : null}
                    </td>
                    <th scope="row" className="scrip-mono scrip-id">
                      {r.shortFormId ?? 'Not signed'}
                    </th>
                    <td>
                      {whenWords(r.signedAt ?? r.updatedAt)}
                      {r.signedAt ? null : <span className="nhsuk-u-visually-hidden"> (last saved)</span>}
                    </td>
                    <td>{who(r)}</td>
                    <td>{items}</td>
                    <td>
                      <strong className={`nhsuk-tag nhsuk-tag--${s.tag}`}>
                        {r.status === 'draft' && p?.length === 0 ? 'Ready to sign' : s.text}
                      </strong>
                      {r.status === 'draft' && p?.length ? (
                        <span className="nhsuk-hint nhsuk-u-margin-bottom-0"> {p.join(' ')}</span>
                      ) : null}
                      {r.lastError ? (
                        <span className="nhsuk-hint nhsuk-u-margin-bottom-0"> Last try: {r.lastError}</span>
                      ) : null}
                    </td>
                    <td>
                      {r.status === 'draft' ? (
                        <a href={padHref(r.id, ready(r) ? 'review' : 'items')}>
                          {ready(r) ? 'Review' : 'Finish'}
                          <span className="nhsuk-u-visually-hidden"> prescription for {who(r)}</span>
                        </a>
                      ) : (
                        <a href={detailHref(r.id)}>
                          Track<span className="nhsuk-u-visually-hidden"> {r.shortFormId}</span>
                        </a>
                      )}
                      {r.status === 'draft' ? (
                        <div className="nhsuk-u-margin-top-2">
                          <DiscardDraft
                            compact
                            who={who(r)}
                            discard={() => transport.invoke('prescription.discard', { id: r.id }).then(() => undefined)}
                            onDiscarded={() => {
                              setSelected((s) => s.filter((x) => x !== r.id));
                              reload();
                              listHeading.current?.focus();
                            }}
                          />
                        </div>
                      ) : null}
                      {r.shortFormId && r.status !== 'rejected' ? (
                        <div className="nhsuk-u-margin-top-2">
                          <TokenPrint
                            id={r.id}
                            shortFormId={r.shortFormId}
                            nominated={!!r.draft.patient?.nominatedPharmacy}
                          />
                        </div>
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {selectable.length ? (
            <fieldset className="nhsuk-fieldset" aria-describedby={`${id}-batch-hint`}>
              <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--m">
                Sign the selected prescriptions
              </legend>
              <div className="nhsuk-hint" id={`${id}-batch-hint`}>
                {chosen.length} of {selectable.length} ready prescription{selectable.length === 1 ? '' : 's'} selected.
                Your card signs each one; Scrip then sends them to EPS.
              </div>
              <p>
                <button
                  type="button"
                  className="scrip-link-button"
                  onClick={() => setSelected(chosen.length === selectable.length ? [] : selectable)}
                >
                  {chosen.length === selectable.length ? 'Clear the selection' : 'Select all ready prescriptions'}
                </button>
              </p>
              {session?.state !== 'role-selected' ? (
                <p>
                  <strong>Log in with your smartcard to sign.</strong> <a href={href('')}>Log in</a>
                </p>
              ) : null}
              <PasscodeField
                id={pinField}
                value={pin}
                onChange={setPin}
                error={form.problemFor(pinField)}
                pinPad={pinPad}
              />
              <button className="nhsuk-button" type="submit" disabled={form.busy || session?.state !== 'role-selected'}>
                {form.busy
                  ? pinPad
                    ? 'Type your passcode on the reader…'
                    : 'Signing…'
                  : `Sign ${chosen.length || ''} selected`.replace('  ', ' ')}
              </button>
            </fieldset>
          ) : null}
        </form>
      )}
      {waiting ? (
        <button type="button" className="nhsuk-button nhsuk-button--secondary" onClick={() => void sendNow()}>
          Send waiting prescriptions now
        </button>
      ) : null}
    </>
  );
}
