// One form's state, for every form in the app: the problems its last submit found, which submit that
// was (the problem summary takes focus on each submit, not on each keystroke), whether its command is
// running, and the error the command answered. The transitions are a pure reducer and the actions
// are plain functions over `dispatch`, so both are unit-tested without a DOM; the hook only binds them.
import { useMemo, useReducer } from 'react';
import { asCommandError, type CommandError } from '../transport/transport';

/** A problem with what was entered: its words, and the id of the field it is about (the summary links there). */
export interface Problem {
  text: string;
  field?: string;
}

export interface FormState {
  problems: Problem[];
  /** How many times the form was checked: the problem summary takes focus when it changes. */
  attempt: number;
  busy: boolean;
  error: CommandError | null;
}

export const initialFormState: FormState = { problems: [], attempt: 0, busy: false, error: null };

export type FormChange =
  | { type: 'checked'; problems: Problem[] }
  | { type: 'started' }
  | { type: 'failed'; error: CommandError | null }
  | { type: 'finished' }
  | { type: 'cleared' };

export function formReducer(s: FormState, c: FormChange): FormState {
  switch (c.type) {
    case 'checked':
      return { ...s, problems: c.problems, attempt: s.attempt + 1 };
    case 'started':
      return { ...s, busy: true, error: null };
    case 'failed':
      return { ...s, error: c.error };
    case 'finished':
      return { ...s, busy: false };
    case 'cleared':
      return { ...s, problems: [] };
  }
}

interface FormActions {
  /** Shows the problems a submit found (the summary takes focus); true when there are none, so the submit goes on. */
  check(found: Problem[]): boolean;
  /**
   * Runs the form's command: busy meanwhile, the last error cleared first, a failure kept as `error`
   * (never thrown). True when it succeeded.
   */
  run(work: () => Promise<unknown>): Promise<boolean>;
  /** Shows an error found outside `run` (or clears it with null). */
  fail(error: unknown): void;
  /** Takes the problems away (the user is correcting them, or did something else); the error stays. */
  clearProblems(): void;
}

export function formActions(dispatch: (c: FormChange) => void): FormActions {
  return {
    check(found) {
      dispatch({ type: 'checked', problems: found });
      return found.length === 0;
    },
    async run(work) {
      dispatch({ type: 'started' });
      try {
        await work();
        return true;
      } catch (e) {
        dispatch({ type: 'failed', error: asCommandError(e) });
        return false;
      } finally {
        dispatch({ type: 'finished' });
      }
    },
    fail(error) {
      dispatch({ type: 'failed', error: error === null ? null : asCommandError(error) });
    },
    clearProblems() {
      dispatch({ type: 'cleared' });
    },
  };
}

/** The words of the problem about that field, for its error message (null: none). */
export function problemFor(problems: readonly Problem[], field: string): string | null {
  return problems.find((p) => p.field === field)?.text ?? null;
}

type FormStateHook = FormState & FormActions & { problemFor(field: string): string | null };

/** A form's problems, attempt, busy and error, and the actions that change them (see formActions). */
export function useFormState(): FormStateHook {
  const [state, dispatch] = useReducer(formReducer, initialFormState);
  const actions = useMemo(() => formActions(dispatch), []);
  return { ...state, ...actions, problemFor: (field) => problemFor(state.problems, field) };
}
