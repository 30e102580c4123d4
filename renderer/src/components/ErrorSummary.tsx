import { useEffect, useId, useRef, type ReactNode } from 'react';
import type { CommandError } from '../transport';

/** The NHS error summary: what went wrong and what to do, focused so screen readers announce it. */
/** `children`: what to do next, where it is a place in Scrip (a link), after Scrip's own sentence. */
export function ErrorSummary({
  error,
  title = 'There is a problem',
  children,
}: {
  error: CommandError;
  title?: string;
  children?: ReactNode;
}) {
  const ref = useRef<HTMLDivElement>(null);
  // Several summaries can be on one page (e.g. card and login errors): each needs its own id.
  const titleId = useId();
  useEffect(() => {
    ref.current?.focus();
  }, [error]);
  return (
    <div className="nhsuk-error-summary" aria-labelledby={titleId} role="alert" tabIndex={-1} ref={ref}>
      <h2 className="nhsuk-error-summary__title" id={titleId}>
        {title}
      </h2>
      <div className="nhsuk-error-summary__body">
        <p>{error.body.message}</p>
        <p>{error.body.action}</p>
        {children}
      </div>
    </div>
  );
}
