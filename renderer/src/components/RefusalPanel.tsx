// A prescription EPS refused: EPS's reasons, issue by issue, and the one way forward — write it
// again as a new draft. A refused prescription is never offered a token (no pharmacy can find it).
import type { CommandOutput } from '../transport';
import { useTransport } from '../hooks/transport-context';
import { ErrorSummary } from './ErrorSummary';
import { padHref } from '../prescribing/nav';
import { go } from '../prescribing/go';
import { useFormState } from '../hooks/useFormState';

/** Why EPS refused it, as prescription.get answers (main/commands/prescription.ts). */
type RefusalView = NonNullable<CommandOutput<'prescription.get'>['refusal']>;

export function RefusalPanel({ id, refusal }: { id: string; refusal: RefusalView }) {
  const transport = useTransport();
  const form = useFormState();
  async function writeAgain() {
    await form.run(async () => {
      const copy = await transport.invoke('prescription.copy', { id });
      go(padHref(copy.id, 'confirm'));
    });
  }
  return (
    <div
      className="nhsuk-error-summary"
      role="alert"
      aria-labelledby="refusal-title"
      data-testid="refusal"
      tabIndex={-1}
    >
      <h2 className="nhsuk-error-summary__title" id="refusal-title">
        EPS refused this prescription
      </h2>
      <div className="nhsuk-error-summary__body">
        <p>
          No pharmacy can dispense it, so it has no token.{' '}
          {refusal.issues.length === 1 ? 'EPS gave this reason:' : 'EPS gave these reasons:'}
        </p>
        <ul className="nhsuk-list nhsuk-error-summary__list" data-testid="refusal-issues">
          {refusal.issues.map((i, n) => (
            <li key={n} data-code={i.code ?? ''}>
              {i.text}
              {i.code ? (
                <span className="nhsuk-hint nhsuk-u-margin-bottom-0">
                  {' '}
                  {i.code}
                  {i.field ? ` at ${i.field}` : ''}
                </span>
              ) : null}
            </li>
          ))}
        </ul>
        {form.error ? <ErrorSummary error={form.error} title="The prescription could not be copied" /> : null}
        <button
          type="button"
          className="nhsuk-button nhsuk-u-margin-bottom-0"
          onClick={() => void writeAgain()}
          disabled={form.busy}
        >
          {form.busy ? 'Copying…' : 'Write it again'}
        </button>
      </div>
    </div>
  );
}
