// The login session as an explicit state machine (AusweisApp's workflow states are the model).
// Every command checks the state it needs; a command in the wrong state is answered `bad-state`,
// never half-done. "Card removed" is a transition from every state.
import { ScripError } from '../errors';

export const sessionStates = [
  'no-card',
  'card-present',
  'pin-verified',
  'authenticated',
  'role-selected',
  'ended',
] as const;
type SessionState = (typeof sessionStates)[number];

type SessionEvent =
  | { type: 'card-inserted'; reader: string }
  | { type: 'card-removed' }
  | { type: 'pin-verified' }
  | { type: 'authenticated' }
  | { type: 'role-selected' }
  | { type: 'logged-out' }
  | { type: 'expired' }
  | { type: 'failed' };

// For each state, where each event leads. A missing entry means the event is not allowed there.
const transitions: Record<SessionState, Partial<Record<SessionEvent['type'], SessionState>>> = {
  'no-card': { 'card-inserted': 'card-present', 'card-removed': 'no-card' },
  'card-present': { 'pin-verified': 'pin-verified', 'card-removed': 'no-card', failed: 'card-present' },
  'pin-verified': {
    authenticated: 'authenticated',
    'card-removed': 'no-card',
    failed: 'card-present',
    'logged-out': 'card-present',
  },
  authenticated: {
    'role-selected': 'role-selected',
    'card-removed': 'ended',
    'logged-out': 'card-present',
    expired: 'ended',
    failed: 'card-present',
  },
  'role-selected': {
    'role-selected': 'role-selected',
    'card-removed': 'ended',
    'logged-out': 'card-present',
    expired: 'ended',
  },
  ended: {
    'card-inserted': 'card-present',
    'card-removed': 'no-card',
    'pin-verified': 'pin-verified',
    'logged-out': 'ended',
  },
};

export class SessionMachine {
  #state: SessionState = 'no-card';
  readonly #listeners = new Set<(from: SessionState, to: SessionState, e: SessionEvent) => void>();

  get state(): SessionState {
    return this.#state;
  }

  /** Applies an event; throws bad-state if the event cannot happen in the current state. */
  apply(e: SessionEvent): SessionState {
    const next = transitions[this.#state][e.type];
    if (!next)
      throw new ScripError('bad-state', `Cannot ${describe(e)} while ${phrase(this.#state)}.`, {
        state: this.#state,
        event: e.type,
      });
    const from = this.#state;
    this.#state = next;
    for (const l of this.#listeners) l(from, next, e);
    return next;
  }

  /** Throws bad-state unless the machine is in one of `states`. */
  require(states: readonly SessionState[], doing: string): void {
    if (!states.includes(this.#state)) {
      throw new ScripError(
        'bad-state',
        `Cannot ${doing} while ${phrase(this.#state)}.`,
        { state: this.#state, expected: states },
        actionFor(this.#state),
      );
    }
  }

  onTransition(l: (from: SessionState, to: SessionState, e: SessionEvent) => void): () => void {
    this.#listeners.add(l);
    return () => this.#listeners.delete(l);
  }
}

function describe(e: SessionEvent): string {
  return e.type.replace(/-/g, ' ');
}

function phrase(s: SessionState): string {
  switch (s) {
    case 'no-card':
      return 'no card is in the reader';
    case 'card-present':
      return 'the card is in the reader but you are not logged in';
    case 'pin-verified':
      return 'logging in';
    case 'authenticated':
      return 'logged in without a role';
    case 'role-selected':
      return 'logged in';
    case 'ended':
      return 'the session has ended';
  }
}

function actionFor(s: SessionState): string {
  switch (s) {
    case 'no-card':
      return 'Insert your smartcard.';
    case 'card-present':
    case 'ended':
      return 'Log in with your passcode.';
    case 'authenticated':
      return 'Choose a role.';
    default:
      return 'Wait for the current step to finish.';
  }
}
