// Settings: the environments Scrip talks to (sandbox, integration, live …): list them, add or change
// one, choose the one the next session uses, and check that its services answer over trusted TLS.
// Prescriber details (#/settings/prescriber) are a page of their own under Settings.
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { asCommandError, type CommandError, type CommandOutput } from '../transport';
import { useTransport } from '../hooks/transport-context';
import { useCommand } from '../hooks/useCommand';
import { useEvents } from '../hooks/useEvents';
import { ErrorSummary } from '../components/ErrorSummary';
import { useHash } from '../hooks/useHash';
import { useSession } from '../hooks/useSession';
import { prescriberHref, settingsRoute } from '../prescribing/nav';
import { sourceWords, type DetailsSource } from '../prescribing/prescriber-form';
import { PrescriberDetails } from './PrescriberDetails';
import { CardMiddlewareSettings } from './CardMiddleware';
import { dayWords } from '../dates';
import { useFormState } from '../hooks/useFormState';
import { ProblemSummary } from '../components/forms';

// What the environment commands answer (main/commands/environments.ts).
type EnvironmentSummary = CommandOutput<'environments.list'>['environments'][number];
type EnvironmentCheck = CommandOutput<'environments.check'>;

type AuthKind = 'ssb' | 'cis2-apim';
const cis2Fields = ['cis2Issuer', 'cis2ClientId', 'apimTokenUrl', 'apimClientId', 'apimKeyId', 'apimKeyPem'] as const;
type Cis2Field = (typeof cis2Fields)[number];
const fields = ['name', 'label', 'brokerUrl', 'epsUrl', 'pdsUrl', 'caPem', 'caFile', ...cis2Fields] as const;
type Field = (typeof fields)[number];
type CaChoice = 'paste' | 'keep' | 'system';
interface Draft extends Record<Cis2Field, string> {
  name: string;
  label: string;
  auth: AuthKind;
  brokerUrl: string;
  epsUrl: string;
  pdsUrl: string;
  caPem: string;
  ca: CaChoice;
  challengeDigest: 'sha1' | 'sha256';
}

const blank: Draft = {
  name: '',
  label: '',
  auth: 'ssb',
  brokerUrl: 'https://',
  epsUrl: 'https://',
  pdsUrl: 'https://',
  caPem: '',
  ca: 'paste',
  challengeDigest: 'sha256',
  cis2Issuer: 'https://',
  cis2ClientId: '',
  apimTokenUrl: 'https://',
  apimClientId: '',
  apimKeyId: '',
  apimKeyPem: '',
};

/** Where people log in, for the environments table. */
function loginWords(e: EnvironmentSummary): string {
  return e.auth === 'cis2-apim' ? `CIS2 + APIM: ${e.cis2?.issuer ?? 'issuer not set'}` : (e.brokerUrl ?? '—');
}
const day = dayWords;

function caWords(e: EnvironmentSummary): string {
  if (e.ca.source === 'system') return "This computer's CA store";
  const c = e.ca.certificates;
  if (!c.length) return e.ca.source === 'built-in' ? "The sandbox's own test CA" : 'No readable CA certificate';
  return c.map((x) => `${x.subject.replace(/^.*CN=/, '')} (until ${day(x.validTo)})`).join('; ');
}

/** Field problems from an invalid-input answer, keyed by the field they are about. */
function fieldProblems(err: CommandError | null): Array<{ field: Field | null; text: string }> {
  if (!err || err.body.code !== 'invalid-input') return [];
  const issues = err.body.details?.issues;
  if (!Array.isArray(issues) || !issues.length) return [{ field: null, text: err.body.message }];
  return (issues as Array<{ path: string; message: string }>).map((i) => ({
    field: (fields as readonly string[]).includes(i.path) ? (i.path === 'caFile' ? 'caPem' : (i.path as Field)) : null,
    text: i.message,
  }));
}

export function Settings() {
  const route = settingsRoute(useHash());
  if (route.page === 'prescriber') return <PrescriberDetails back={route.back} />;
  return (
    <>
      <EnvironmentSettings />
      <CardMiddlewareSettings />
      <PrescriberSection />
    </>
  );
}

/** The way to the prescriber details page, saying where the selected role's details come from now. */
function PrescriberSection() {
  const transport = useTransport();
  const { value: session } = useSession();
  const roleId = session?.state === 'role-selected' ? session.selectedRole?.id : undefined;
  const [source, setSource] = useState<DetailsSource | null>(null);
  useEffect(() => {
    if (!roleId) {
      setSource(null);
      return;
    }
    let live = true;
    transport.invoke('prescriber.get', {}).then(
      (r) => {
        if (live) setSource(r.source);
      },
      () => {
        if (live) setSource(null);
      },
    );
    return () => {
      live = false;
    };
  }, [transport, roleId]);
  return (
    <section aria-labelledby="settings-prescriber" data-testid="settings-prescriber">
      <h2 id="settings-prescriber">Prescriber details</h2>
      <p>
        EPS needs your professional registration and your organisation's details on every prescription. In the sandbox
        they come from its directory; elsewhere you enter them once for each role.
      </p>
      {source ? (
        <p>
          For the role you are using now: <strong>{sourceWords(source).title}</strong>.
        </p>
      ) : null}
      <p>
        <a href={prescriberHref()}>
          {roleId ? 'See or change the prescriber details for your role' : 'Prescriber details'}
        </a>
      </p>
    </section>
  );
}

function EnvironmentSettings() {
  const transport = useTransport();
  const { value, error, reload } = useCommand('environments.list');
  // Another surface (the CLI, another window) may choose an environment too.
  useEvents((e) => {
    if (e.type === 'environments.changed') reload();
  });
  const [confirmRemove, setConfirmRemove] = useState<string | null>(null);
  const [actionError, setActionError] = useState<{ error: CommandError; retryUse?: string } | null>(null);
  const [checks, setChecks] = useState<Record<string, EnvironmentCheck | 'checking'>>({});
  const [announce, setAnnounce] = useState('');
  const [editing, setEditing] = useState<{ draft: Draft; existing: EnvironmentSummary | null } | null>(null);

  async function run<T>(f: () => Promise<T>, retryUse?: string): Promise<T | null> {
    try {
      const v = await f();
      setActionError(null);
      return v;
    } catch (e) {
      setActionError({ error: asCommandError(e), ...(retryUse ? { retryUse } : {}) });
      return null;
    }
  }

  async function use(e: EnvironmentSummary, endSession = false) {
    const r = await run(() => transport.invoke('environments.use', { name: e.name, endSession }), e.name);
    if (r) {
      setAnnounce(`${r.label} will be used for the next session.`);
      reload();
    }
  }

  async function check(e: EnvironmentSummary) {
    setChecks((c) => ({ ...c, [e.name]: 'checking' }));
    setAnnounce(`Checking ${e.label}…`);
    const r = await run(() => transport.invoke('environments.check', { name: e.name }));
    setChecks((c) => {
      const { [e.name]: _was, ...rest } = c;
      return r ? { ...rest, [e.name]: r } : rest;
    });
    if (r)
      setAnnounce(
        r.ok
          ? `${r.label}: every service answers over trusted TLS.`
          : `${r.label}: ${r.services.filter((s) => !s.ok).length} of ${r.services.length} services have a problem.`,
      );
  }

  async function remove(e: EnvironmentSummary) {
    setConfirmRemove(null);
    const r = await run(() => transport.invoke('environments.remove', { name: e.name }));
    if (r) {
      setAnnounce(`${e.label} removed.`);
      reload();
    }
  }

  function edit(e: EnvironmentSummary | null) {
    setEditing(
      e
        ? {
            existing: e,
            draft: {
              ...blank,
              name: e.name,
              label: e.label,
              auth: e.auth,
              brokerUrl: e.brokerUrl ?? 'https://',
              epsUrl: e.epsUrl ?? '',
              pdsUrl: e.pdsUrl ?? '',
              caPem: '',
              ca: e.ca.source === 'system' ? 'system' : 'keep',
              challengeDigest: e.challengeDigest,
              ...(e.cis2
                ? {
                    cis2Issuer: e.cis2.issuer ?? '',
                    cis2ClientId: e.cis2.clientId ?? '',
                    apimTokenUrl: e.cis2.apimTokenUrl ?? '',
                    apimClientId: e.cis2.apimClientId ?? '',
                    apimKeyId: e.cis2.apimKeyId ?? '',
                  }
                : {}),
            },
          }
        : { existing: null, draft: blank },
    );
  }

  const useError =
    actionError?.error.body.code === 'bad-state' &&
    actionError.retryUse &&
    actionError.error.body.details?.reason === 'session-live';
  const retryEnv = value?.environments.find((e) => e.name === actionError?.retryUse);

  return (
    <>
      <p>
        Scrip talks to a security broker or CIS2 and the API platform, the Electronic Prescription Service and a patient
        index. Each environment names their addresses and the CA certificates their TLS certificates must come from. The
        built-in sandbox runs on this computer, for training and testing.
      </p>
      <div className="scrip-visually-hidden" aria-live="polite" role="status" data-testid="settings-status">
        {announce}
      </div>
      {actionError ? (
        <>
          <ErrorSummary error={actionError.error} />
          {useError && retryEnv ? (
            <button
              className="nhsuk-button nhsuk-button--warning"
              type="button"
              onClick={() => void use(retryEnv, true)}
            >
              Log out and use {retryEnv.label}
            </button>
          ) : null}
        </>
      ) : null}
      <h2>Environments</h2>
      {error ? <ErrorSummary error={error} /> : null}
      {value ? (
        <table className="nhsuk-table-responsive" data-testid="environments">
          <caption className="nhsuk-table__caption nhsuk-u-visually-hidden">Environments</caption>
          <thead className="nhsuk-table__head">
            <tr>
              <th scope="col">Environment</th>
              <th scope="col">Log in at</th>
              <th scope="col">Trusted CA</th>
              <th scope="col">Next session</th>
              <th scope="col">
                <span className="nhsuk-u-visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody className="nhsuk-table__body">
            {value.environments.map((e) => (
              <tr className="nhsuk-table__row" key={e.name} data-environment={e.name}>
                <th scope="row" className="nhsuk-table__cell">
                  <span className="nhsuk-table-responsive__heading">Environment </span>
                  {e.label}
                  <br />
                  <span className="nhsuk-body-s scrip-mono">{e.name}</span>
                </th>
                <td className="nhsuk-table__cell">
                  <span className="nhsuk-table-responsive__heading">Log in at </span>
                  <span className="scrip-mono">{loginWords(e)}</span>
                  {e.problem ? (
                    <>
                      <br />
                      <strong className="nhsuk-tag nhsuk-tag--orange">{e.problem}</strong>
                    </>
                  ) : null}
                </td>
                <td className="nhsuk-table__cell">
                  <span className="nhsuk-table-responsive__heading">Trusted CA </span>
                  {caWords(e)}
                </td>
                <td className="nhsuk-table__cell">
                  <span className="nhsuk-table-responsive__heading">Next session </span>
                  {e.selected ? <strong className="nhsuk-tag nhsuk-tag--green">In use</strong> : null}
                </td>
                <td className="nhsuk-table__cell">
                  <div className="scrip-settings-actions">
                    {e.selected ? null : (
                      <button
                        className="nhsuk-button nhsuk-button--secondary nhsuk-u-margin-bottom-0"
                        type="button"
                        onClick={() => void use(e)}
                      >
                        Use<span className="nhsuk-u-visually-hidden"> {e.label} for the next session</span>
                      </button>
                    )}
                    <button
                      className="nhsuk-button nhsuk-button--secondary nhsuk-u-margin-bottom-0"
                      type="button"
                      disabled={checks[e.name] === 'checking'}
                      onClick={() => void check(e)}
                    >
                      {checks[e.name] === 'checking' ? 'Checking…' : 'Check'}
                      <span className="nhsuk-u-visually-hidden"> {e.label}</span>
                    </button>
                    {e.builtIn ? null : (
                      <button
                        className="nhsuk-button nhsuk-button--secondary nhsuk-u-margin-bottom-0"
                        type="button"
                        onClick={() => edit(e)}
                      >
                        Change<span className="nhsuk-u-visually-hidden"> {e.label}</span>
                      </button>
                    )}
                    {e.builtIn || confirmRemove === e.name ? null : (
                      <button
                        className="nhsuk-button nhsuk-button--secondary nhsuk-u-margin-bottom-0"
                        type="button"
                        onClick={() => setConfirmRemove(e.name)}
                      >
                        Remove<span className="nhsuk-u-visually-hidden"> {e.label}</span>
                      </button>
                    )}
                  </div>
                  {confirmRemove === e.name ? (
                    <div className="scrip-settings-actions" role="group" aria-label={`Remove ${e.label}?`}>
                      <p className="nhsuk-u-margin-bottom-0">
                        Remove {e.label}? Its addresses and CA setting are forgotten.
                      </p>
                      <button
                        className="nhsuk-button nhsuk-button--warning nhsuk-u-margin-bottom-0"
                        type="button"
                        autoFocus
                        onClick={() => void remove(e)}
                      >
                        Yes, remove<span className="nhsuk-u-visually-hidden"> {e.label}</span>
                      </button>
                      <button
                        className="nhsuk-button nhsuk-button--secondary nhsuk-u-margin-bottom-0"
                        type="button"
                        onClick={() => setConfirmRemove(null)}
                      >
                        Keep it
                      </button>
                    </div>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {Object.values(checks)
        .filter((c): c is EnvironmentCheck => c !== 'checking')
        .map((c) => (
          <CheckResult key={c.name} check={c} />
        ))}
      {editing ? (
        <EnvironmentForm
          key={editing.existing?.name ?? '(new)'}
          initial={editing.draft}
          existing={editing.existing}
          onCancel={() => setEditing(null)}
          onSaved={(saved) => {
            setEditing(null);
            setAnnounce(`${saved.label} saved.`);
            reload();
          }}
        />
      ) : (
        <button className="nhsuk-button" type="button" onClick={() => edit(null)}>
          Add an environment
        </button>
      )}
    </>
  );
}

function CheckResult({ check }: { check: EnvironmentCheck }) {
  return (
    <section data-testid={`check-${check.name}`}>
      <h3>
        Check of {check.label}: {check.ok ? 'all services answer' : 'there is a problem'}
      </h3>
      <dl className="nhsuk-summary-list">
        {check.services.map((s) => (
          <div className="nhsuk-summary-list__row" key={s.service}>
            <dt className="nhsuk-summary-list__key">{s.name}</dt>
            <dd className="nhsuk-summary-list__value">
              <strong className={`nhsuk-tag ${s.ok ? 'nhsuk-tag--green' : 'nhsuk-tag--red'}`}>
                {s.ok ? 'OK' : 'Problem'}
              </strong>{' '}
              <span className="scrip-mono">{s.url}</span>: {s.detail}
            </dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

function EnvironmentForm({
  initial,
  existing,
  onCancel,
  onSaved,
}: {
  initial: Draft;
  existing: EnvironmentSummary | null;
  onCancel: () => void;
  onSaved: (e: EnvironmentSummary) => void;
}) {
  const transport = useTransport();
  const [d, setD] = useState<Draft>(initial);
  const form = useFormState();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const id = useId();
  const fid = (f: Field) => `${id}-${f}`;
  const problemOf = (f: Field) => form.problemFor(fid(f));

  useEffect(() => {
    headingRef.current?.focus();
  }, []);

  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setD((x) => ({ ...x, [k]: v }));

  async function submit(e: FormEvent) {
    e.preventDefault();
    await form.run(async () => {
      try {
        const saved = await transport.invoke('environments.save', {
          name: d.name,
          label: d.label,
          auth: d.auth,
          epsUrl: d.epsUrl,
          pdsUrl: d.pdsUrl,
          // Only the chosen kind's fields go: a cis2-apim environment has no security broker.
          ...(d.auth === 'ssb'
            ? { brokerUrl: d.brokerUrl, challengeDigest: d.challengeDigest }
            : {
                cis2Issuer: d.cis2Issuer,
                cis2ClientId: d.cis2ClientId,
                apimTokenUrl: d.apimTokenUrl,
                apimClientId: d.apimClientId,
                ...(d.apimKeyId.trim() ? { apimKeyId: d.apimKeyId } : {}),
                ...(d.apimKeyPem.trim() ? { apimKeyPem: d.apimKeyPem } : {}),
              }),
          ...(d.ca === 'paste' ? { caPem: d.caPem } : d.ca === 'system' ? { systemTrust: true } : {}),
        });
        form.clearProblems();
        onSaved(saved);
      } catch (x) {
        // The service's field problems are shown at their fields; any other answer is the form's error.
        form.clearProblems();
        const placed = fieldProblems(asCommandError(x));
        if (!placed.length) throw x;
        form.check(placed.map((p) => ({ text: p.text, ...(p.field ? { field: fid(p.field) } : {}) })));
      }
    });
  }

  function loadFile(file: File | undefined) {
    if (!file) return;
    void file.text().then((text) => set('caPem', text));
  }

  const textField = (
    f: Exclude<Field, 'caPem' | 'caFile' | 'apimKeyPem'>,
    label: string,
    hint: string,
    opts: { readOnly?: boolean; width?: string } = {},
  ) => {
    const problem = problemOf(f);
    return (
      <div className={`nhsuk-form-group${problem ? ' nhsuk-form-group--error' : ''}`}>
        <label className="nhsuk-label" htmlFor={fid(f)}>
          {label}
        </label>
        <div className="nhsuk-hint" id={`${fid(f)}-hint`}>
          {hint}
        </div>
        {problem ? (
          <span className="nhsuk-error-message" id={`${fid(f)}-error`}>
            <span className="nhsuk-u-visually-hidden">Error:</span> {problem}
          </span>
        ) : null}
        <input
          className={`nhsuk-input ${opts.width ?? ''}${problem ? ' nhsuk-input--error' : ''}`}
          id={fid(f)}
          name={f}
          type={f.endsWith('Url') || f === 'cis2Issuer' ? 'url' : 'text'}
          spellCheck={false}
          autoComplete="off"
          readOnly={opts.readOnly}
          value={d[f]}
          onChange={(e) => set(f, e.target.value)}
          aria-describedby={[`${fid(f)}-hint`, problem ? `${fid(f)}-error` : ''].filter(Boolean).join(' ')}
          aria-invalid={problem ? true : undefined}
        />
      </div>
    );
  };
  const caProblem = problemOf('caPem');
  const keyProblem = problemOf('apimKeyPem');
  const keyKept = existing?.cis2?.apimKeyId ?? null;

  return (
    <form onSubmit={submit} noValidate data-testid="environment-form">
      <h2 tabIndex={-1} ref={headingRef}>
        {existing ? `Change ${existing.label}` : 'Add an environment'}
      </h2>
      <ProblemSummary problems={form.problems} attempt={form.attempt} />
      {form.error ? <ErrorSummary error={form.error} /> : null}
      {textField(
        'name',
        'Short name',
        'Lower-case letters, digits and dashes, for example "integration". Used by the command line.',
        { readOnly: !!existing, width: 'nhsuk-input--width-20' },
      )}
      {textField('label', 'Label', 'What you see, for example "NHS Path to Live (INT)".', {
        width: 'nhsuk-input--width-30',
      })}
      <div className="nhsuk-form-group">
        <fieldset className="nhsuk-fieldset" aria-describedby={`${id}-auth-hint`}>
          <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">How people log in</legend>
          <div className="nhsuk-hint" id={`${id}-auth-hint`}>
            With the card either way. Today's EPS FHIR API is reached through CIS2 and NHS England's API platform
            (APIM); older services through a security broker.
          </div>
          <div className="nhsuk-radios">
            <div className="nhsuk-radios__item">
              <input
                className="nhsuk-radios__input"
                id={`${id}-auth-ssb`}
                type="radio"
                name="auth"
                checked={d.auth === 'ssb'}
                onChange={() => set('auth', 'ssb')}
              />
              <label className="nhsuk-label nhsuk-radios__label" htmlFor={`${id}-auth-ssb`}>
                Security broker (SSB/GAS)
              </label>
            </div>
            <div className="nhsuk-radios__item">
              <input
                className="nhsuk-radios__input"
                id={`${id}-auth-cis2`}
                type="radio"
                name="auth"
                checked={d.auth === 'cis2-apim'}
                onChange={() => set('auth', 'cis2-apim')}
              />
              <label className="nhsuk-label nhsuk-radios__label" htmlFor={`${id}-auth-cis2`}>
                CIS2, exchanged at APIM for EPS
              </label>
            </div>
          </div>
        </fieldset>
      </div>
      {d.auth === 'ssb' ? (
        textField('brokerUrl', 'Security broker address', 'The base https address of the security broker (SSB/GAS).')
      ) : (
        <>
          {textField(
            'cis2Issuer',
            'CIS2 issuer address',
            'The https address of the CIS2 issuer, or of its discovery document (…/.well-known/openid-configuration).',
          )}
          {textField('cis2ClientId', 'CIS2 client ID', 'The client ID this application was registered with at CIS2.', {
            width: 'nhsuk-input--width-30',
          })}
          {textField(
            'apimTokenUrl',
            'APIM token address',
            "The https address of the API platform's OAuth token endpoint, ending /oauth2/token.",
          )}
          {textField('apimClientId', 'APIM client ID', "The application's API key (client ID) on the API platform.", {
            width: 'nhsuk-input--width-30',
          })}
          <div className={`nhsuk-form-group${keyProblem ? ' nhsuk-form-group--error' : ''}`}>
            <label className="nhsuk-label" htmlFor={fid('apimKeyPem')}>
              Application private key (PEM)
            </label>
            <div className="nhsuk-hint" id={`${fid('apimKeyPem')}-hint`}>
              {keyKept ? `Leave empty to keep the key this computer's keychain holds (key ID ${keyKept}). ` : ''}
              The RSA private key registered with the API platform ("-----BEGIN PRIVATE KEY-----"). Scrip keeps it only
              in this computer's keychain and never shows it again.
            </div>
            {keyProblem ? (
              <span className="nhsuk-error-message" id={`${fid('apimKeyPem')}-error`}>
                <span className="nhsuk-u-visually-hidden">Error:</span> {keyProblem}
              </span>
            ) : null}
            <textarea
              className={`nhsuk-textarea scrip-mono${keyProblem ? ' nhsuk-textarea--error' : ''}`}
              id={fid('apimKeyPem')}
              rows={4}
              spellCheck={false}
              autoComplete="off"
              value={d.apimKeyPem}
              onChange={(e) => set('apimKeyPem', e.target.value)}
              aria-describedby={`${fid('apimKeyPem')}-hint${keyProblem ? ` ${fid('apimKeyPem')}-error` : ''}`}
              aria-invalid={keyProblem ? true : undefined}
            />
          </div>
          {textField(
            'apimKeyId',
            'Key ID (optional)',
            "The kid the key was registered under. Leave empty to use the key's thumbprint (RFC 7638).",
            { width: 'nhsuk-input--width-30' },
          )}
        </>
      )}
      {textField(
        'epsUrl',
        'EPS address',
        'The https address of the Electronic Prescription Service, up to and including /FHIR/R4.',
      )}
      {textField('pdsUrl', 'Patient index address', 'The base https address of the patient index (PDS).')}
      <div className={`nhsuk-form-group${caProblem ? ' nhsuk-form-group--error' : ''}`}>
        <fieldset
          className="nhsuk-fieldset"
          aria-describedby={`${id}-ca-hint${caProblem ? ` ${fid('caPem')}-error` : ''}`}
        >
          <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">Which CA certificates to trust</legend>
          <div className="nhsuk-hint" id={`${id}-ca-hint`}>
            Scrip accepts these services only with TLS certificates issued by these CAs. Ask the service's operator for
            them.
          </div>
          {caProblem ? (
            <span className="nhsuk-error-message" id={`${fid('caPem')}-error`}>
              <span className="nhsuk-u-visually-hidden">Error:</span> {caProblem}
            </span>
          ) : null}
          <div className="nhsuk-radios">
            {existing && existing.ca.source === 'file' ? (
              <div className="nhsuk-radios__item">
                <input
                  className="nhsuk-radios__input"
                  id={`${id}-ca-keep`}
                  type="radio"
                  name="ca"
                  checked={d.ca === 'keep'}
                  onChange={() => set('ca', 'keep')}
                />
                <label className="nhsuk-label nhsuk-radios__label" htmlFor={`${id}-ca-keep`}>
                  Keep the current CA certificates ({caWords(existing)})
                </label>
              </div>
            ) : null}
            <div className="nhsuk-radios__item">
              <input
                className="nhsuk-radios__input"
                id={`${id}-ca-paste`}
                type="radio"
                name="ca"
                checked={d.ca === 'paste'}
                onChange={() => set('ca', 'paste')}
              />
              <label className="nhsuk-label nhsuk-radios__label" htmlFor={`${id}-ca-paste`}>
                CA certificates in PEM form
              </label>
            </div>
            <div className="nhsuk-radios__item">
              <input
                className="nhsuk-radios__input"
                id={`${id}-ca-system`}
                type="radio"
                name="ca"
                checked={d.ca === 'system'}
                onChange={() => set('ca', 'system')}
              />
              <label className="nhsuk-label nhsuk-radios__label" htmlFor={`${id}-ca-system`}>
                This computer's CA store
              </label>
            </div>
          </div>
        </fieldset>
        {d.ca === 'paste' ? (
          <div className="nhsuk-u-margin-top-3">
            <label className="nhsuk-label" htmlFor={fid('caPem')}>
              CA certificates (PEM)
            </label>
            <div className="nhsuk-hint" id={`${fid('caPem')}-hint`}>
              Paste the "-----BEGIN CERTIFICATE-----" blocks, or choose a .pem file below. Never paste a private key.
            </div>
            <textarea
              className={`nhsuk-textarea scrip-mono${caProblem ? ' nhsuk-textarea--error' : ''}`}
              id={fid('caPem')}
              rows={6}
              spellCheck={false}
              value={d.caPem}
              onChange={(e) => set('caPem', e.target.value)}
              aria-describedby={`${fid('caPem')}-hint${caProblem ? ` ${fid('caPem')}-error` : ''}`}
              aria-invalid={caProblem ? true : undefined}
            />
            <label className="nhsuk-label" htmlFor={`${id}-ca-file`}>
              Or choose a PEM file
            </label>
            <input
              className="nhsuk-file-upload"
              id={`${id}-ca-file`}
              type="file"
              accept=".pem,.crt,.cer,text/plain"
              onChange={(e) => loadFile(e.target.files?.[0])}
            />
          </div>
        ) : null}
      </div>
      {d.auth === 'ssb' ? (
        <div className="nhsuk-form-group">
          <label className="nhsuk-label" htmlFor={`${id}-digest`}>
            Challenge digest
          </label>
          <div className="nhsuk-hint" id={`${id}-digest-hint`}>
            How the card signs the broker's challenge. Older brokers (GAS) need SHA-1.
          </div>
          <select
            className="nhsuk-select"
            id={`${id}-digest`}
            aria-describedby={`${id}-digest-hint`}
            value={d.challengeDigest}
            onChange={(e) => set('challengeDigest', e.target.value as Draft['challengeDigest'])}
          >
            <option value="sha256">SHA-256</option>
            <option value="sha1">SHA-1 (legacy)</option>
          </select>
        </div>
      ) : null}
      <div className="scrip-settings-actions">
        <button className="nhsuk-button" type="submit">
          Save environment
        </button>
        <button className="nhsuk-button nhsuk-button--secondary" type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
