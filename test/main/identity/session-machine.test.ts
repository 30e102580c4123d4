import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SessionMachine, sessionStates } from '../../../main/identity/session-machine';
import { ScripError } from '../../../main/errors';

test('the happy path: insert, PIN, authenticate, role, switch role', () => {
  const m = new SessionMachine();
  assert.equal(m.apply({ type: 'card-inserted', reader: 'R' }), 'card-present');
  assert.equal(m.apply({ type: 'pin-verified' }), 'pin-verified');
  assert.equal(m.apply({ type: 'authenticated' }), 'authenticated');
  assert.equal(m.apply({ type: 'role-selected' }), 'role-selected');
  assert.equal(m.apply({ type: 'role-selected' }), 'role-selected', 'switching role keeps the session');
});

test('card removal is a transition from every state', () => {
  for (const s of sessionStates) {
    const m = new SessionMachine();
    const path: Record<
      string,
      Array<
        | { type: 'card-inserted'; reader: string }
        | { type: 'pin-verified' }
        | { type: 'authenticated' }
        | { type: 'role-selected' }
        | { type: 'card-removed' }
      >
    > = {
      'no-card': [],
      'card-present': [{ type: 'card-inserted', reader: 'R' }],
      'pin-verified': [{ type: 'card-inserted', reader: 'R' }, { type: 'pin-verified' }],
      authenticated: [{ type: 'card-inserted', reader: 'R' }, { type: 'pin-verified' }, { type: 'authenticated' }],
      'role-selected': [
        { type: 'card-inserted', reader: 'R' },
        { type: 'pin-verified' },
        { type: 'authenticated' },
        { type: 'role-selected' },
      ],
      ended: [
        { type: 'card-inserted', reader: 'R' },
        { type: 'pin-verified' },
        { type: 'authenticated' },
        { type: 'card-removed' },
      ],
    };
    for (const e of path[s]!) m.apply(e);
    assert.equal(m.state, s);
    assert.doesNotThrow(() => m.apply({ type: 'card-removed' }), `from ${s}`);
    assert.ok(m.state === 'no-card' || m.state === 'ended', "m.state === 'no-card' || m.state === 'ended'");
  }
});

test('an event in the wrong state is bad-state and changes nothing', () => {
  const m = new SessionMachine();
  assert.throws(
    () => m.apply({ type: 'role-selected' }),
    (e: unknown) => e instanceof ScripError && e.code === 'bad-state',
  );
  assert.equal(m.state, 'no-card');
  assert.throws(
    () => m.require(['role-selected'], 'sign a prescription'),
    /Cannot sign a prescription while no card is in the reader/,
  );
});
