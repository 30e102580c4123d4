import { useId, useState, type FormEvent } from 'react';
import { useTransport } from '../hooks/transport-context';
import { useCommand } from '../hooks/useCommand';
import { useEvents } from '../hooks/useEvents';
import { ErrorSummary } from '../components/ErrorSummary';
import type { AssuranceSummaryView } from '../../../main/commands/assurance';
import { useFormState } from '../hooks/useFormState';

interface Progress {
  scenario: string | null;
  step: string | null;
  index: number;
  total: number;
  status: string | null;
  message: string | null;
  phase: string;
}

/** For suppliers: pick scenarios, run them against the sandbox, watch each step, find the evidence pack. */
export function Assurance() {
  const transport = useTransport();
  const { value, error } = useCommand('assure.list');
  const envs = useCommand('environments.list');
  const [env, setEnv] = useState('sandbox');
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [out, setOut] = useState('');
  const form = useFormState();
  const [steps, setSteps] = useState<Progress[]>([]);
  const [summary, setSummary] = useState<AssuranceSummaryView | null>(null);
  const outId = useId();
  const envId = useId();

  useEvents((e) => {
    if (e.type !== 'assurance.progress') return;
    const p = e.data as Progress;
    if (p.phase === 'start') setSteps([]);
    else if (p.phase === 'step' || p.phase === 'scenario') setSteps((s) => [...s.slice(-199), p]);
  });

  const all = value?.scenarios ?? [];
  const toggle = (id: string) =>
    setChosen((c) => {
      const n = new Set(c);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });

  async function run(e: FormEvent) {
    e.preventDefault();
    setSummary(null);
    setSteps([]);
    await form.run(async () =>
      setSummary(
        await transport.invoke('assure.run', {
          out,
          ...(chosen.size ? { only: [...chosen] } : {}),
          ...(env !== 'sandbox' ? { env } : {}),
        }),
      ),
    );
  }

  const last = steps[steps.length - 1];
  return (
    <>
      <p>
        Run scripted conformance scenarios against the embedded sandbox with virtual cards, or against a configured
        environment. Each scenario names the NHS England requirements it evidences; the run writes a signed evidence
        pack (report, PDF, message log). The run has its own session and virtual card reader: yours is not touched.
      </p>
      {error ? <ErrorSummary error={error} /> : null}
      {form.error ? <ErrorSummary error={form.error} /> : null}
      <form onSubmit={run}>
        <div className="nhsuk-form-group">
          <fieldset className="nhsuk-fieldset" aria-describedby="scenarios-hint">
            <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--m">
              <h2 className="nhsuk-fieldset__heading">Scenarios</h2>
            </legend>
            <div className="nhsuk-hint" id="scenarios-hint">
              Choose none to run them all.
            </div>
            <div className="nhsuk-checkboxes nhsuk-checkboxes--small">
              {all.map((s) => (
                <div className="nhsuk-checkboxes__item" key={s.id}>
                  <input
                    className="nhsuk-checkboxes__input"
                    id={`sc-${s.id}`}
                    type="checkbox"
                    checked={chosen.has(s.id)}
                    onChange={() => toggle(s.id)}
                    disabled={form.busy}
                  />
                  <label className="nhsuk-label nhsuk-checkboxes__label" htmlFor={`sc-${s.id}`}>
                    {s.id}: {s.title}{' '}
                    <span className="nhsuk-u-secondary-text-colour">({s.requirements.join(', ')})</span>
                  </label>
                </div>
              ))}
            </div>
          </fieldset>
        </div>
        <div className="nhsuk-form-group">
          <label className="nhsuk-label" htmlFor={envId}>
            Environment
          </label>
          <div className="nhsuk-hint" id={`${envId}-hint`}>
            Another environment is used only if every service it needs answers; scenarios that need the sandbox's
            virtual cards or clock are then reported not run.
          </div>
          <select
            className="nhsuk-select"
            id={envId}
            aria-describedby={`${envId}-hint`}
            value={env}
            onChange={(e) => setEnv(e.target.value)}
            disabled={form.busy}
          >
            {(envs.value?.environments ?? [{ name: 'sandbox', label: 'Scrip sandbox (embedded)' }]).map((e) => (
              <option key={e.name} value={e.name}>
                {e.label}
              </option>
            ))}
          </select>
        </div>
        <div className="nhsuk-form-group">
          <label className="nhsuk-label" htmlFor={outId}>
            Folder for the evidence pack
          </label>
          <div className="nhsuk-hint" id={`${outId}-hint`}>
            A new or empty folder on this computer, for example /tmp/scrip-evidence.
          </div>
          <input
            className="nhsuk-input"
            id={outId}
            aria-describedby={`${outId}-hint`}
            value={out}
            onChange={(e) => setOut(e.target.value)}
            required
            disabled={form.busy}
          />
        </div>
        <button className="nhsuk-button" type="submit" disabled={form.busy || !out}>
          {form.busy
            ? 'Running…'
            : chosen.size
              ? `Run ${chosen.size} scenario${chosen.size === 1 ? '' : 's'}`
              : 'Run all scenarios'}
        </button>
      </form>
      <div aria-live="polite" data-testid="assurance-progress">
        {form.busy && last ? (
          <p>
            Scenario {last.index} of {last.total}: {last.scenario}
            {last.step ? `, ${last.step}` : ''}
          </p>
        ) : null}
      </div>
      {steps.length ? (
        <table className="nhsuk-table">
          <caption className="nhsuk-table__caption">Steps so far</caption>
          <thead className="nhsuk-table__head">
            <tr>
              <th scope="col">Scenario</th>
              <th scope="col">Step</th>
              <th scope="col">Result</th>
            </tr>
          </thead>
          <tbody className="nhsuk-table__body">
            {steps
              .filter((s) => s.phase === 'step')
              .map((s, i) => (
                <tr key={i}>
                  <td>{s.scenario}</td>
                  <td>
                    {s.step}
                    {s.message ? (
                      <>
                        <br />
                        <span className="nhsuk-error-message">{s.message}</span>
                      </>
                    ) : null}
                  </td>
                  <td>{s.status}</td>
                </tr>
              ))}
          </tbody>
        </table>
      ) : null}
      {summary ? (
        <div
          className={summary.ok ? 'nhsuk-panel' : 'nhsuk-error-summary'}
          data-testid="assurance-summary"
          tabIndex={-1}
        >
          <h2>{summary.ok ? 'Every scenario passed' : 'Some scenarios failed'}</h2>
          <p>
            {summary.passed} passed, {summary.failed} failed, {summary.skipped} skipped; {summary.requirements}{' '}
            requirements evidenced.
          </p>
          {summary.failures.length ? (
            <ul>
              {summary.failures.map((f) => (
                <li key={f}>{f}</li>
              ))}
            </ul>
          ) : null}
          <p>
            The evidence pack is in <code>{summary.out}</code>: open <code>report.html</code> there. Check it with{' '}
            <code>scrip assure verify {summary.out}</code>. Signed by key <code>{summary.signer}</code>.
          </p>
        </div>
      ) : null}
    </>
  );
}
