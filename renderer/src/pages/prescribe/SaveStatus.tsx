import type { SaveState } from '../../prescribing/useDraft';

const words: Record<SaveState, string> = {
  saved: 'All changes saved',
  waiting: 'Saving…',
  saving: 'Saving…',
  failed: 'Not saved yet: Scrip will try again',
};

/** Says whether the draft is saved: quietly, it is not announced on every keystroke. */
export function SaveStatus({ state }: { state: SaveState }) {
  return (
    <p
      className={`nhsuk-body-s${state === 'failed' ? ' nhsuk-u-font-weight-bold' : ''}`}
      data-testid="save-status"
      data-state={state}
    >
      {words[state]}
    </p>
  );
}
