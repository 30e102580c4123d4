// The form state every form in the renderer shares (hooks/useFormState.ts): its reducer and its
// actions over a recording dispatch, so the order of changes a submit makes is seen exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formActions,
  formReducer,
  initialFormState,
  problemFor,
  type FormChange,
  type FormState,
} from '../../renderer/src/hooks/useFormState';
import { CommandError } from '../../renderer/src/transport/transport';

/** Actions over a dispatch that applies each change to a state and remembers the states seen. */
function recorder() {
  let state: FormState = initialFormState;
  const seen: FormState[] = [];
  const dispatch = (c: FormChange) => {
    state = formReducer(state, c);
    seen.push(state);
  };
  return { actions: formActions(dispatch), seen, now: () => state };
}

const refused = new CommandError({
  code: 'bad-state',
  message: 'Log in first.',
  action: 'Log in with your card.',
  retriable: false,
});

test('a submit with problems shows them, counts the attempt, and does not go on', () => {
  const { actions, now } = recorder();
  const problems = [{ text: 'Enter the ID.', field: 'rx' }];
  assert.equal(actions.check(problems), false, 'check says not to go on when there are problems');
  assert.deepEqual(now().problems, problems, 'the problems are shown');
  assert.equal(now().attempt, 1, 'the attempt is counted, so the summary takes focus');
  assert.equal(actions.check([]), true, 'check says to go on when there are none');
  assert.deepEqual(now().problems, [], 'fixed problems are no longer shown');
  assert.equal(now().attempt, 2, 'each submit is a new attempt, even a clean one');
});

test('a command that succeeds is busy while it runs, then not, with no error', async () => {
  const { actions, seen, now } = recorder();
  actions.fail(refused);
  let busyInside = false;
  const ok = await actions.run(async () => {
    busyInside = now().busy;
  });
  assert.equal(ok, true, 'run says it succeeded');
  assert.equal(busyInside, true, 'busy while the command runs (the button is disabled)');
  assert.equal(seen[1]?.error, null, 'the last error is cleared as the command starts');
  assert.equal(now().busy, false, 'not busy afterwards');
  assert.equal(now().error, null, 'no error after a success');
});

test('a command that fails keeps its error as a CommandError, is not busy, and does not throw', async () => {
  const { actions, now } = recorder();
  const ok = await actions.run(() => Promise.reject(refused));
  assert.equal(ok, false, 'run says it failed');
  assert.equal(now().error, refused, "the command's error is kept for the error summary");
  assert.equal(now().busy, false, 'not busy after a failure');
  await actions.run(() => Promise.reject(new Error('socket closed')));
  assert.ok(now().error instanceof CommandError, 'an unexpected failure is also shown as a CommandError');
});

test('fail, and clearing the problems: an error found outside a command, and problems being corrected', () => {
  const { actions, now } = recorder();
  actions.check([{ text: 'Choose a reason.' }]);
  actions.fail(refused);
  assert.equal(now().error, refused, 'fail shows the error');
  actions.clearProblems();
  assert.deepEqual(now().problems, [], 'clearProblems removes the problems');
  assert.equal(now().error, refused, "the command's error stays until the next command");
  assert.equal(now().attempt, 1, 'clearing is not a submit: the summary does not take focus again');
  actions.fail(null);
  assert.equal(now().error, null, 'fail(null) clears the error');
});

test("a field's error message is the problem about that field", () => {
  const problems = [{ text: 'Enter the surname.', field: 'family' }, { text: 'Something else.' }];
  assert.equal(problemFor(problems, 'family'), 'Enter the surname.', 'the problem about the field');
  assert.equal(problemFor(problems, 'given'), null, 'no problem about another field');
});
