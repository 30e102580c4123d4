// Prescriber details for the selected role (prescriber.get/set): where signing takes the prescriber's
// and organisation's details from now, and the form to enter or change them. Outside the sandbox
// nothing can be signed until they are saved.
import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { asCommandError, type CommandError, type CommandOutput } from '../transport';
import { useTransport } from '../hooks/transport-context';
import { usePageHeading } from '../hooks/page-heading';
import { useSession } from '../hooks/useSession';
import { ErrorSummary } from '../components/ErrorSummary';
import { ProblemSummary, ErrorText, SummaryRow, describedBy } from '../components/forms';
import { say } from '../components/say';
import { padHref } from '../prescribing/nav';
import { jobRoleTitle } from '../words';
import {
  formFromSettings,
  needsParent,
  placeServerProblems,
  prescriptionTypes,
  regulators,
  settingsFromForm,
  sourceWords,
  type FormField,
  type PrescriberForm,
  type PrescriberSettings,
} from '../prescribing/prescriber-form';
import { href } from '../routes';
import { useFormState } from '../hooks/useFormState';

type Got = CommandOutput<'prescriber.get'>;
type Role = { id: string; orgCode: string; orgName: string; jobRoleName: string; jobRoleCode: string | null };

export function PrescriberDetails({ back }: { back: string | null }) {
  usePageHeading(
    'Prescriber details',
    back
      ? { href: padHref(back, 'review'), text: 'Back to the prescription' }
      : { href: href('settings'), text: 'Back to Settings' },
  );
  const transport = useTransport();
  const { value: session } = useSession();
  const role = session?.state === 'role-selected' ? session.selectedRole : null;
  const [got, setGot] = useState<Got | null>(null);
  const [loadError, setLoadError] = useState<CommandError | null>(null);
  const [editing, setEditing] = useState(false);
  const [saved, setSaved] = useState(false);
  const changeRef = useRef<HTMLButtonElement>(null);
  const savedRef = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    if (!role?.id) {
      setGot(null);
      return;
    }
    let live = true;
    transport.invoke('prescriber.get', {}).then(
      (r) => {
        if (live) {
          setGot(r);
          setLoadError(null);
        }
      },
      (e: unknown) => {
        if (live) setLoadError(asCommandError(e));
      },
    );
    return () => {
      live = false;
    };
  }, [transport, role?.id]);

  useEffect(() => {
    if (saved) savedRef.current?.focus();
  }, [saved]);

  if (!session) return <p>Loading…</p>;
  if (!role) {
    return (
      <div className="nhsuk-inset-text" data-testid="prescriber-login-first">
        <span className="nhsuk-u-visually-hidden">Information: </span>
        <p>
          Prescriber details belong to a role: your professional registration, and the organisation you prescribe for.
          Log in with your smartcard and choose your role, then come back here. <a href={href('')}>Log in</a>
        </p>
      </div>
    );
  }
  if (loadError) return <ErrorSummary error={loadError} />;
  if (!got) return <p>Reading your prescriber details…</p>;

  const words = sourceWords(got.source);
  const showForm = editing || got.source === 'none';
  return (
    <>
      {saved ? (
        <div
          className="nhsuk-notification-banner nhsuk-notification-banner--success"
          role="region"
          aria-labelledby="prescriber-saved-title"
          data-testid="prescriber-saved"
        >
          <div className="nhsuk-notification-banner__header">
            <h2 className="nhsuk-notification-banner__title" id="prescriber-saved-title">
              Success
            </h2>
          </div>
          <div className="nhsuk-notification-banner__content">
            <h3 className="nhsuk-notification-banner__heading" tabIndex={-1} ref={savedRef}>
              Your prescriber details are saved
            </h3>
            <p>
              They go into every prescription you sign as {jobRoleTitle(role.jobRoleName)} at {role.orgName}.
              {back ? (
                <>
                  {' '}
                  <a href={padHref(back, 'review')}>Go back to the prescription</a> to sign it.
                </>
              ) : null}
            </p>
          </div>
        </div>
      ) : null}
      <p>
        For your role as <strong>{jobRoleTitle(role.jobRoleName)}</strong> at{' '}
        <strong>
          {role.orgName} ({role.orgCode})
        </strong>
        . EPS needs your professional registration and your organisation's name, address and telephone number on every
        prescription: they are part of what your card signs.
      </p>
      <section
        className="nhsuk-inset-text"
        data-testid="prescriber-source"
        data-source={got.source}
        aria-labelledby="prescriber-source-title"
      >
        <h2 className="nhsuk-heading-s" id="prescriber-source-title">
          Where these details come from now: {words.title}
        </h2>
        <p>{words.text}</p>
      </section>
      {got.settings && !showForm ? (
        <SavedDetails s={got.settings} role={role} userName={session.user?.name ?? null} />
      ) : null}
      {showForm ? (
        <DetailsForm
          initial={formFromSettings(got.settings)}
          role={role}
          userName={session.user?.name ?? null}
          cancellable={got.source !== 'none'}
          onCancel={() => {
            setEditing(false);
            setTimeout(() => changeRef.current?.focus(), 0);
          }}
          onSaved={(settings) => {
            setGot({ ...got, settings, source: 'settings' });
            setEditing(false);
            setSaved(true);
            say('Prescriber details saved for this role.');
          }}
        />
      ) : (
        <button
          className="nhsuk-button"
          type="button"
          ref={changeRef}
          onClick={() => {
            setSaved(false);
            setEditing(true);
          }}
        >
          {got.settings ? 'Change the details' : 'Enter your own details for this role'}
        </button>
      )}
    </>
  );
}

function SavedDetails({ s, role, userName }: { s: PrescriberSettings; role: Role; userName: string | null }) {
  const o = s.organisation;
  const reg = regulators.find((r) => r.value === s.professionalCode.system);
  const name = s.name
    ? [s.name.prefix, ...s.name.given, s.name.family].filter(Boolean).join(' ')
    : `The name on your card${userName ? ` (${userName})` : ''}`;
  return (
    <>
      <h2>Saved details</h2>
      <dl className="nhsuk-summary-list" data-testid="prescriber-saved-details">
        <SummaryRow label="Professional registration">
          {reg?.label ?? s.professionalCode.system} <span className="scrip-mono">{s.professionalCode.value}</span>
        </SummaryRow>
        <SummaryRow label="Prescription type">
          {s.prescriptionType} {prescriptionTypes.find((t) => t.code === s.prescriptionType)?.label ?? ''}
        </SummaryRow>
        <SummaryRow label="Your telephone">{s.telecom}</SummaryRow>
        <SummaryRow label="Name on prescriptions">{name}</SummaryRow>
        <SummaryRow label="Job role code">
          {s.jobRoleCode ?? `Your role's${role.jobRoleCode ? ` (${role.jobRoleCode.split(':').pop()})` : ''}`}
        </SummaryRow>
        <SummaryRow label="Organisation">
          {o.name} ({o.odsCode ?? role.orgCode}), {o.typeDisplay} (type {o.typeCode})
        </SummaryRow>
        <SummaryRow label="Organisation telephone">{o.telecom}</SummaryRow>
        <SummaryRow label="Address">
          {[...o.addressLines, o.city, o.district, o.postcode].filter(Boolean).map((l, i) => (
            <span key={i}>
              {l}
              <br />
            </span>
          ))}
        </SummaryRow>
        <SummaryRow label="Part of">{o.partOf ? `${o.partOf.name} (${o.partOf.odsCode})` : 'None given'}</SummaryRow>
      </dl>
    </>
  );
}

function DetailsForm({
  initial,
  role,
  userName,
  cancellable,
  onCancel,
  onSaved,
}: {
  initial: PrescriberForm;
  role: Role;
  userName: string | null;
  cancellable: boolean;
  onCancel: () => void;
  onSaved: (s: PrescriberSettings) => void;
}) {
  const transport = useTransport();
  const [f, setF] = useState<PrescriberForm>(initial);
  const form = useFormState();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const id = useId();
  const fid = (k: FormField) => `${id}-${k}`;
  const problemOf = (k: FormField) => form.problemFor(fid(k));
  const set = <K extends keyof PrescriberForm>(k: K, v: PrescriberForm[K]) => setF((x) => ({ ...x, [k]: v }));

  // Opened on purpose (not on first sight of an empty form): take focus so the change is announced.
  useEffect(() => {
    if (cancellable) headingRef.current?.focus();
  }, [cancellable]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    await form.run(async () => {
      try {
        const r = await transport.invoke('prescriber.set', { settings: settingsFromForm(f) });
        form.clearProblems();
        onSaved(r.settings);
      } catch (x) {
        // The service's field problems are shown at their fields; any other answer is the form's error.
        form.clearProblems();
        const ce = asCommandError(x);
        if (ce.body.code !== 'invalid-input') throw ce;
        const placed = placeServerProblems(ce.body.details, ce.body.message, f);
        form.check(placed.map((p) => ({ text: p.text, ...(p.field ? { field: fid(p.field) } : {}) })));
        say(`${placed.length} problem${placed.length === 1 ? '' : 's'} to fix. Nothing was saved.`);
      }
    });
  }

  const field = (
    k: Exclude<FormField, 'regulator' | 'prescriptionType'>,
    label: string,
    value: string,
    onChange: (v: string) => void,
    opts: { hint?: ReactNode; width?: string; autoComplete?: string; type?: 'text' | 'tel'; optional?: boolean } = {},
  ) => {
    const problem = problemOf(k);
    return (
      <div className={`nhsuk-form-group${problem ? ' nhsuk-form-group--error' : ''}`}>
        <label className="nhsuk-label" htmlFor={fid(k)}>
          {label}
          {opts.optional ? ' (optional)' : ''}
        </label>
        {opts.hint ? (
          <div className="nhsuk-hint" id={`${fid(k)}-hint`}>
            {opts.hint}
          </div>
        ) : null}
        <ErrorText id={`${fid(k)}-error`} text={problem} />
        <input
          className={`nhsuk-input${opts.width ? ` ${opts.width}` : ''}${problem ? ' nhsuk-input--error' : ''}`}
          id={fid(k)}
          name={k}
          type={opts.type ?? 'text'}
          spellCheck={false}
          autoComplete={opts.autoComplete ?? 'off'}
          value={value}
          onChange={(e) => onChange(e.target.value)}
          aria-describedby={describedBy(opts.hint ? `${fid(k)}-hint` : null, problem && `${fid(k)}-error`)}
          aria-invalid={problem ? true : undefined}
        />
      </div>
    );
  };
  const text = (
    k: Exclude<FormField, 'regulator' | 'prescriptionType' | `address-${number}`>,
    label: string,
    opts: Parameters<typeof field>[4] = {},
  ) => field(k, label, f[k], (v) => set(k, v), opts);

  const regProblem = problemOf('regulator');
  const typeProblem = problemOf('prescriptionType');
  const regHint = regulators.find((r) => r.value === f.regulator)?.hint ?? 'Choose your regulator first.';
  const parentNeeded = needsParent(f.prescriptionType);

  return (
    <form onSubmit={submit} noValidate data-testid="prescriber-form">
      <h2 tabIndex={-1} ref={headingRef}>
        {initial.orgName ? 'Change your prescriber details' : 'Enter your prescriber details'}
      </h2>
      <ProblemSummary problems={form.problems} attempt={form.attempt} />
      {form.error ? <ErrorSummary error={form.error} title="Your details were not saved" /> : null}

      <h3>You</h3>
      <div className={`nhsuk-form-group${regProblem ? ' nhsuk-form-group--error' : ''}`}>
        <fieldset className="nhsuk-fieldset" aria-describedby={describedBy(regProblem && `${fid('regulator')}-error`)}>
          <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">Your professional regulator</legend>
          <ErrorText id={`${fid('regulator')}-error`} text={regProblem} />
          <div className="nhsuk-radios">
            {regulators.map((r, i) => (
              <div className="nhsuk-radios__item" key={r.value}>
                <input
                  className="nhsuk-radios__input"
                  id={i === 0 ? fid('regulator') : `${fid('regulator')}-${r.value}`}
                  type="radio"
                  name={`${id}-regulator`}
                  checked={f.regulator === r.value}
                  onChange={() => set('regulator', r.value)}
                />
                <label
                  className="nhsuk-label nhsuk-radios__label"
                  htmlFor={i === 0 ? fid('regulator') : `${fid('regulator')}-${r.value}`}
                >
                  {r.label}
                </label>
              </div>
            ))}
          </div>
        </fieldset>
      </div>
      {text('code', 'Registration number', { hint: regHint, width: 'nhsuk-input--width-10' })}
      <div className={`nhsuk-form-group${typeProblem ? ' nhsuk-form-group--error' : ''}`}>
        <label className="nhsuk-label" htmlFor={fid('prescriptionType')}>
          Prescription type
        </label>
        <div className="nhsuk-hint" id={`${fid('prescriptionType')}-hint`}>
          The kind of prescriber EPS records you as. Primary care types (01xx) also need the organisation your practice
          belongs to.
        </div>
        <ErrorText id={`${fid('prescriptionType')}-error`} text={typeProblem} />
        <select
          className={`nhsuk-select${typeProblem ? ' nhsuk-select--error' : ''}`}
          id={fid('prescriptionType')}
          value={f.prescriptionType}
          onChange={(e) => set('prescriptionType', e.target.value)}
          aria-describedby={describedBy(
            `${fid('prescriptionType')}-hint`,
            typeProblem && `${fid('prescriptionType')}-error`,
          )}
          aria-invalid={typeProblem ? true : undefined}
        >
          {prescriptionTypes.map((t) => (
            <option key={t.code} value={t.code}>
              {t.code}: {t.label}
            </option>
          ))}
        </select>
      </div>
      {text('telecom', 'Your work telephone number', {
        hint: 'For example, 0113 496 0000.',
        width: 'nhsuk-input--width-20',
        type: 'tel',
        autoComplete: 'work tel',
      })}
      <fieldset className="nhsuk-fieldset" aria-describedby={`${id}-name-hint`}>
        <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">
          Your name as printed on prescriptions (optional)
        </legend>
        <div className="nhsuk-hint" id={`${id}-name-hint`}>
          Leave these blank to use the name on your card{userName ? `: ${userName}` : ''}.
        </div>
        {text('prefix', 'Title', { width: 'nhsuk-input--width-5', optional: true })}
        {text('given', 'Given names', { width: 'nhsuk-input--width-20', optional: true })}
        {text('family', 'Family name', { width: 'nhsuk-input--width-20', optional: true })}
      </fieldset>
      {text('jobRoleCode', 'Job role code', {
        hint: `Leave blank to use your role's${role.jobRoleCode ? ` (${role.jobRoleCode.split(':').pop()})` : ''}. It looks like R8000.`,
        width: 'nhsuk-input--width-10',
        optional: true,
      })}

      <h3>Your organisation</h3>
      {text('orgName', 'Organisation name', { autoComplete: 'organization' })}
      {text('orgOds', 'Organisation ODS code', {
        hint: `Leave blank to use your role's organisation, ${role.orgCode}.`,
        width: 'nhsuk-input--width-10',
        optional: true,
      })}
      {text('orgTypeCode', 'Organisation type code', {
        hint: 'The organisation role code, for example 76 for a GP practice.',
        width: 'nhsuk-input--width-4',
      })}
      {text('orgTypeDisplay', 'Organisation type', {
        hint: 'For example, GP PRACTICE.',
        width: 'nhsuk-input--width-20',
      })}
      {text('orgTelecom', 'Organisation telephone number', { width: 'nhsuk-input--width-20', type: 'tel' })}
      <fieldset className="nhsuk-fieldset">
        <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">Organisation address</legend>
        {f.addressLines.map((line, i) => (
          <div key={i}>
            {field(
              `address-${i}`,
              `Address line ${i + 1}`,
              line,
              (v) =>
                set(
                  'addressLines',
                  f.addressLines.map((l, j) => (j === i ? v : l)),
                ),
              { optional: i > 0 },
            )}
          </div>
        ))}
        {text('city', 'Town or city', { width: 'nhsuk-input--width-20', optional: true })}
        {text('district', 'County or district', { width: 'nhsuk-input--width-20', optional: true })}
        {text('postcode', 'Postcode', { width: 'nhsuk-input--width-10', autoComplete: 'postal-code' })}
      </fieldset>
      <fieldset className="nhsuk-fieldset" aria-describedby={`${id}-parent-hint`}>
        <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">
          The organisation your practice belongs to{parentNeeded ? '' : ' (optional)'}
        </legend>
        <div className="nhsuk-hint" id={`${id}-parent-hint`}>
          {parentNeeded
            ? 'Needed for primary care prescription types (01xx): usually the integrated care board (ICB) that commissions your practice.'
            : 'Optional for this prescription type.'}
        </div>
        {text('parentOds', 'Its ODS code', { width: 'nhsuk-input--width-10', optional: !parentNeeded })}
        {text('parentName', 'Its name', { optional: !parentNeeded })}
      </fieldset>
      <div className="nhsuk-button-group">
        <button className="nhsuk-button" type="submit" disabled={form.busy}>
          {form.busy ? 'Saving…' : 'Save prescriber details'}
        </button>
        {cancellable ? (
          <button className="nhsuk-button nhsuk-button--secondary" type="button" onClick={onCancel}>
            Cancel
          </button>
        ) : null}
      </div>
    </form>
  );
}
