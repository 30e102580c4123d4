import { useEffect, useId, useState, type FormEvent } from 'react';
import { asCommandError, type CommandError } from '../../transport';
import { useTransport } from '../../hooks/transport-context';
import { usePageHeading } from '../../hooks/page-heading';
import { useSession } from '../../hooks/useSession';
import { ErrorSummary } from '../../components/ErrorSummary';
import { Details, ProblemSummary, SummaryRow, type Problem } from '../../components/forms';
import { PasscodeField, PASSCODE_FORMAT } from '../../components/PasscodeField';
import { useCardPinPad } from '../../hooks/useCardPinPad';
import { say } from '../../components/say';
import { useDraft } from '../../prescribing/useDraft';
import { padHref, prescriberHref } from '../../prescribing/nav';
import { go } from '../../prescribing/go';
import { formatDate, placeholderParts, treatmentWords } from '../../prescribing/rx-words';
import { jobRoleTitle } from '../../words';
import { PatientDetails } from './PatientDetails';
import { ItemSummary } from './ItemSummary';
import { href } from '../../routes';
import { useFormState } from '../../hooks/useFormState';

interface Preview {
  fragments: string;
  timestamp: string;
  placeholders: string[];
}

/** Signing fails this way when the role has no prescriber details (saved settings or a directory). */
const missingDetails = (e: CommandError | null): boolean => e?.body.details?.missing === 'prescriber-details';

/** Exactly what will be signed, then the card: passcode, sign, send. */
export function ReviewPage() {
  const transport = useTransport();
  const { record, flush } = useDraft();
  usePageHeading('Check the prescription before you sign', {
    href: padHref(record!.id, 'items'),
    text: 'Back to the items',
  });
  const { value: session } = useSession();
  const [pin, setPin] = useState('');
  // Signing's state: the passcode's problem, signing under way, an error that stopped it.
  const form = useFormState();
  const pinPad = useCardPinPad();
  const [preview, setPreview] = useState<Preview | { unavailable: CommandError } | null>(null);
  const id = useId();
  const d = record!.draft;

  useEffect(() => {
    // The canonical text the card signs (HL7 v3 fragments), as Scrip computes it itself.
    transport
      .invoke('prescription.preview', { id: record!.id })
      .then(setPreview, (e: unknown) => setPreview({ unavailable: asCommandError(e) }));
  }, [transport, record?.id, record?.updatedAt]);

  // Signing needs the prescriber's and organisation's details for the role (Settings, or the sandbox's directory).
  const [details, setDetails] = useState<'settings' | 'directory' | 'none' | null>(null);
  const roleId = session?.selectedRole?.id;
  useEffect(() => {
    if (!roleId) return;
    transport.invoke('prescriber.get', {}).then(
      (r) => setDetails(r.source),
      () => setDetails(null),
    );
  }, [transport, roleId]);

  const role = session?.selectedRole;
  const problems: Problem[] = record!.problems.map((text) => ({ text }));

  const pinField = `${id}-pin`;

  async function sign(e: FormEvent) {
    e.preventDefault();
    const pinWrong = !pinPad && !PASSCODE_FORMAT.test(pin);
    if (!form.check(pinWrong ? [{ text: 'Enter your card passcode: 6 to 8 digits.', field: pinField }] : [])) return;
    await form.run(async () => {
      try {
        await flush();
        const r = await transport.invoke(
          'prescription.sign',
          pinPad ? { ids: [record!.id] } : { ids: [record!.id], pin },
        );
        const mine = r.results[0];
        if (mine?.ok) {
          say(`Signed. Prescription ID ${mine.shortFormId}. Sending to EPS.`);
          go(padHref(record!.id, 'sent'));
          return;
        }
        const err = mine?.error ?? {
          code: 'internal',
          message: 'The prescription was not signed.',
          action: 'Try again.',
        };
        throw asCommandError({ ...err, retriable: false });
      } catch (err) {
        // A wrong passcode is a problem with the passcode field; anything else is why it was not signed.
        const ce = asCommandError(err);
        if (ce.body.code !== 'pin-wrong' && ce.body.code !== 'pin-format') throw ce;
        form.check([{ text: `${ce.body.message} ${ce.body.action}`, field: pinField }]);
      }
    });
    setPin('');
  }

  return (
    <>
      {form.error ? (
        <ErrorSummary error={form.error} title="The prescription was not signed">
          {missingDetails(form.error) ? (
            <p>
              <a href={prescriberHref(record!.id)} data-testid="sign-error-prescriber-link">
                Enter your prescriber details
              </a>
              , then come back: this prescription is saved.
            </p>
          ) : null}
        </ErrorSummary>
      ) : null}
      <ProblemSummary
        problems={problems.length ? problems : form.problems}
        attempt={form.attempt}
        title={problems.length ? 'Fix these before you sign' : 'There is a problem'}
      />
      <h2>Patient</h2>
      {d.patient ? <PatientDetails patient={d.patient} change={padHref(record!.id, 'confirm')} /> : <p>No patient.</p>}
      <h2>Prescription</h2>
      <dl className="nhsuk-summary-list" data-testid="review-prescription">
        <SummaryRow label="Prescriber">
          {session?.user
            ? `${session.user.name}${role ? `, ${jobRoleTitle(role.jobRoleName)} at ${role.orgName} (${role.orgCode})` : ''}`
            : 'Log in to sign'}
        </SummaryRow>
        <SummaryRow
          label="Treatment type"
          action={{ href: padHref(record!.id, 'treatment'), text: 'Change', hidden: 'treatment type' }}
        >
          {treatmentWords[d.treatmentType].label}
          {d.treatmentType === 'repeat-dispensing' && d.repeats
            ? `: ${d.repeats.issues} issues, every ${d.repeats.intervalDays} days`
            : ''}
        </SummaryRow>
        {d.treatmentType !== 'acute' ? (
          <SummaryRow label="Review date">{d.reviewDate ? formatDate(d.reviewDate) : 'None given'}</SummaryRow>
        ) : null}
        {d.patientInformation.trim() ? (
          <SummaryRow label="Information for the patient">{d.patientInformation}</SummaryRow>
        ) : null}
        <SummaryRow
          label="Dispensing"
          action={{ href: padHref(record!.id, 'treatment'), text: 'Change', hidden: 'where it is dispensed' }}
        >
          {d.patient?.nominatedPharmacy
            ? `Nominated pharmacy ${d.patient.nominatedPharmacy.name ?? ''} (${d.patient.nominatedPharmacy.odsCode})`
            : 'No nomination: print a token for the patient'}
        </SummaryRow>
      </dl>
      {d.items.map((it, i) => (
        <section key={it.lineId} aria-labelledby={`${id}-item-${i}`}>
          <h3 id={`${id}-item-${i}`}>
            Item {i + 1}: {it.medication.display}{' '}
            <a className="nhsuk-body-s" href={padHref(record!.id, 'item', it.lineId)}>
              Change<span className="nhsuk-u-visually-hidden"> item {i + 1}</span>
            </a>
          </h3>
          <ItemSummary item={it} treatment={d.treatmentType} />
        </section>
      ))}
      <Details summary="What your card will sign (the exact text)" testId="signed-text">
        {!preview ? (
          <p>Working it out…</p>
        ) : 'unavailable' in preview ? (
          <div data-testid="signed-text-unavailable">
            <p>Scrip cannot show the text yet: {preview.unavailable.body.message}</p>
            {missingDetails(preview.unavailable) ? (
              <p>
                <a href={prescriberHref(record!.id)}>Enter your prescriber details</a>: they are part of what your card
                signs.
              </p>
            ) : (
              <p>
                When you sign, Scrip builds the text itself and stops if the service asks the card to sign anything
                different.
              </p>
            )}
          </div>
        ) : (
          <>
            <p>
              These are the HL7 v3 fragments, canonicalised (exclusive C14N), whose digest your card signs. Scrip built
              them itself from this prescription and your prescriber details; if the service asks the card to sign
              anything else, signing stops.
            </p>
            {preview.placeholders.length ? (
              <div data-testid="signed-text-placeholders">
                <p>
                  {preview.placeholders.length === 1
                    ? 'One value is only a stand-in here: it is set when you sign, so it will differ in what your card signs.'
                    : `${preview.placeholders.length} values are only stand-ins here: they are set when you sign, so they will differ in what your card signs.`}
                </p>
                <ul>
                  {preview.placeholders.map((p) => {
                    const { what, value, note } = placeholderParts(p);
                    return (
                      <li key={p}>
                        The {what}
                        {value ? (
                          <>
                            {' '}
                            (shown as <span className="scrip-mono">{value}</span>)
                          </>
                        ) : null}
                        {note ? `: ${note}` : ''}.
                      </li>
                    );
                  })}
                </ul>
                <p>Everything else is exactly what your card signs.</p>
              </div>
            ) : null}
            <pre className="scrip-signed-text" tabIndex={0} aria-label="Canonical text to be signed">
              {preview.fragments}
            </pre>
          </>
        )}
      </Details>
      {session?.state !== 'role-selected' ? (
        <div className="nhsuk-warning-callout">
          <h2 className="nhsuk-warning-callout__label">
            <span role="text">
              <span className="nhsuk-u-visually-hidden">Important: </span>Log in to sign
            </span>
          </h2>
          <p>
            Insert your smartcard and log in, then come back: this prescription is saved. <a href={href('')}>Log in</a>
          </p>
        </div>
      ) : null}
      {details === 'none' ? (
        <div className="nhsuk-warning-callout" data-testid="prescriber-details-missing">
          <h2 className="nhsuk-warning-callout__label">
            <span role="text">
              <span className="nhsuk-u-visually-hidden">Important: </span>Your prescriber details are not set
            </span>
          </h2>
          <p>
            EPS needs your professional code and your organisation's details on every prescription.{' '}
            <a href={prescriberHref(record!.id)}>Enter your prescriber details</a>, then come back: this prescription is
            saved.
          </p>
        </div>
      ) : null}
      <form onSubmit={sign} noValidate>
        {/* Passcode last, focused on arrival: type it and press Enter to sign. */}
        <PasscodeField
          id={`${id}-pin`}
          value={pin}
          onChange={setPin}
          error={form.problemFor(pinField)}
          pinPad={pinPad}
          autoFocus={session?.state === 'role-selected'}
        />
        <div className="nhsuk-button-group">
          <button
            className="nhsuk-button"
            type="submit"
            disabled={form.busy || problems.length > 0 || session?.state !== 'role-selected'}
          >
            {form.busy ? (pinPad ? 'Type your passcode on the reader…' : 'Signing…') : 'Sign and send'}
          </button>
          <a className="nhsuk-button nhsuk-button--secondary" href={href('prescriptions')}>
            Sign later, with others
          </a>
        </div>
      </form>
    </>
  );
}
