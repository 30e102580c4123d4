// "Delete draft", with a step to confirm: a draft is thrown away for good (prescription.discard).
// Only ever offered for drafts; a signed prescription stays on record and can only be cancelled.
import { useEffect, useRef, useState } from 'react';
import { ErrorText } from '../../components/forms';
import { say } from '../../components/say';
import { useFormState } from '../../hooks/useFormState';

export function DiscardDraft({
  who,
  discard,
  onDiscarded,
  compact = false,
}: {
  /** Whose draft, in words ("Ms Octavia CHISLETT (944 930 5552)"), for the question and screen readers. */
  who: string;
  discard: () => Promise<void>;
  onDiscarded: () => void;
  /** A link-like button (in a table) rather than a secondary button. */
  compact?: boolean;
}) {
  const [confirming, setConfirming] = useState(false);
  const form = useFormState();
  const openRef = useRef<HTMLButtonElement>(null);
  const returnFocus = useRef(false);

  // "Keep it" puts focus back where the person was.
  useEffect(() => {
    if (!confirming && returnFocus.current) {
      returnFocus.current = false;
      openRef.current?.focus();
    }
  }, [confirming]);

  async function yes() {
    await form.run(async () => {
      await discard();
      say(`Draft for ${who} deleted.`);
      onDiscarded();
    });
  }

  if (!confirming) {
    return (
      <button
        ref={openRef}
        type="button"
        className={compact ? 'scrip-link-button' : 'nhsuk-button nhsuk-button--secondary'}
        onClick={() => {
          form.fail(null);
          setConfirming(true);
        }}
      >
        Delete draft<span className="nhsuk-u-visually-hidden"> for {who}</span>
      </button>
    );
  }
  return (
    <div
      className="scrip-settings-actions"
      role="group"
      aria-label={`Delete the draft for ${who}?`}
      data-testid="discard-confirm"
    >
      <p className="nhsuk-u-margin-bottom-0">Delete the draft for {who}? It cannot be brought back.</p>
      {form.error ? (
        <div role="alert">
          <ErrorText
            id={`discard-error-${who.replace(/\W+/g, '-')}`}
            text={`${form.error.body.message} ${form.error.body.action}`}
          />
        </div>
      ) : null}
      <button
        className="nhsuk-button nhsuk-button--warning nhsuk-u-margin-bottom-0"
        type="button"
        autoFocus
        disabled={form.busy}
        onClick={() => void yes()}
      >
        {form.busy ? 'Deleting…' : 'Yes, delete it'}
        <span className="nhsuk-u-visually-hidden"> (the draft for {who})</span>
      </button>
      <button
        className="nhsuk-button nhsuk-button--secondary nhsuk-u-margin-bottom-0"
        type="button"
        onClick={() => {
          returnFocus.current = true;
          setConfirming(false);
        }}
      >
        Keep it
      </button>
    </div>
  );
}
