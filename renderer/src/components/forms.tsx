// Small NHS design system pieces the prescription pad uses on every page.
import { useEffect, useId, useRef, type ReactNode } from 'react';
import type { Problem } from '../hooks/useFormState';

/** Moves focus to a field without touching the hash (the hash is the router's). */
function focusField(id: string): void {
  const el = document.getElementById(id);
  if (!el) return;
  el.scrollIntoView?.({ block: 'center' });
  el.focus();
}

export type { Problem };

/**
 * The error summary for a form: each problem links to its field. It takes focus when `attempt`
 * changes (a submit), so it is announced, and not on every keystroke.
 */
export function ProblemSummary({
  problems,
  attempt,
  title = 'There is a problem',
}: {
  problems: Problem[];
  attempt: number;
  title?: string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const titleId = useId();
  useEffect(() => {
    if (attempt > 0) ref.current?.focus();
  }, [attempt]);
  if (!problems.length) return null;
  return (
    <div className="nhsuk-error-summary" aria-labelledby={titleId} role="alert" tabIndex={-1} ref={ref}>
      <h2 className="nhsuk-error-summary__title" id={titleId}>
        {title}
      </h2>
      <div className="nhsuk-error-summary__body">
        <ul className="nhsuk-list nhsuk-error-summary__list">
          {problems.map((p, i) => (
            <li key={`${i}-${p.text}`}>
              {p.field ? (
                <a
                  href={`#${p.field}`}
                  onClick={(e) => {
                    e.preventDefault();
                    focusField(p.field!);
                  }}
                >
                  {p.text}
                </a>
              ) : (
                p.text
              )}
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}

export function ErrorText({ id, text }: { id: string; text: string | null | undefined }) {
  if (!text) return null;
  return (
    <span className="nhsuk-error-message" id={id}>
      <span className="nhsuk-u-visually-hidden">Error:</span> {text}
    </span>
  );
}

/**
 * One labelled field: label, hint and error above the control, the group marked in error. Ids are
 * `<id>`, `<id>-hint` and `<id>-error`, which the control's aria-describedby names (see describedBy).
 */
export function FieldGroup({
  id,
  label,
  hint,
  error,
  children,
}: {
  id: string;
  label: ReactNode;
  hint: ReactNode | null;
  error: string | null;
  children: ReactNode;
}) {
  return (
    <div className={`nhsuk-form-group${error ? ' nhsuk-form-group--error' : ''}`}>
      <label className="nhsuk-label" htmlFor={id}>
        {label}
      </label>
      {hint ? (
        <div className="nhsuk-hint" id={`${id}-hint`}>
          {hint}
        </div>
      ) : null}
      <ErrorText id={`${id}-error`} text={error} />
      {children}
    </div>
  );
}

/** Ids for aria-describedby: the hint and the error, where present. */
export function describedBy(...ids: Array<string | false | null | undefined>): string | undefined {
  const s = ids.filter(Boolean).join(' ');
  return s || undefined;
}

export function Details({ summary, children, testId }: { summary: string; children: ReactNode; testId?: string }) {
  return (
    <details className="nhsuk-details" data-testid={testId}>
      <summary className="nhsuk-details__summary">
        <span className="nhsuk-details__summary-text">{summary}</span>
      </summary>
      <div className="nhsuk-details__text">{children}</div>
    </details>
  );
}

export function SummaryRow({
  label,
  children,
  action,
}: {
  label: string;
  children: ReactNode;
  action?: { href: string; text: string; hidden: string };
}) {
  return (
    <div className={`nhsuk-summary-list__row${action ? '' : ' nhsuk-summary-list__row--no-actions'}`}>
      <dt className="nhsuk-summary-list__key">{label}</dt>
      <dd className="nhsuk-summary-list__value">{children}</dd>
      {action ? (
        <dd className="nhsuk-summary-list__actions">
          <a href={action.href}>
            {action.text}
            <span className="nhsuk-u-visually-hidden"> {action.hidden}</span>
          </a>
        </dd>
      ) : null}
    </div>
  );
}

/** The NHS date input: day, month and year fields in one group; `firstId` is the day field's id (error links go there). */
export function DateParts({
  id,
  legend,
  hint,
  error,
  value,
  onChange,
}: {
  id: string;
  legend: string;
  hint: string;
  error: string | null;
  value: { day: string; month: string; year: string };
  onChange: (v: { day: string; month: string; year: string }) => void;
}) {
  return (
    <div className={`nhsuk-form-group${error ? ' nhsuk-form-group--error' : ''}`}>
      <fieldset
        className="nhsuk-fieldset"
        role="group"
        aria-describedby={describedBy(`${id}-hint`, error && `${id}-error`)}
      >
        <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">{legend}</legend>
        <div className="nhsuk-hint" id={`${id}-hint`}>
          {hint}
        </div>
        <ErrorText id={`${id}-error`} text={error} />
        <div className="nhsuk-date-input">
          {(
            [
              ['day', 'Day', 'nhsuk-input--width-2'],
              ['month', 'Month', 'nhsuk-input--width-2'],
              ['year', 'Year', 'nhsuk-input--width-4'],
            ] as const
          ).map(([k, label, w]) => (
            <div className="nhsuk-date-input__item" key={k}>
              <div className="nhsuk-form-group">
                <label className="nhsuk-label nhsuk-date-input__label" htmlFor={`${id}-${k}`}>
                  {label}
                </label>
                <input
                  className={`nhsuk-input nhsuk-date-input__input ${w}${error ? ' nhsuk-input--error' : ''}`}
                  id={`${id}-${k}`}
                  inputMode="numeric"
                  autoComplete="off"
                  value={value[k]}
                  onChange={(e) => onChange({ ...value, [k]: e.target.value })}
                />
              </div>
            </div>
          ))}
        </div>
      </fieldset>
    </div>
  );
}
