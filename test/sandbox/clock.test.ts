// The sandbox's system clock held for a while (an assurance run started in the agent): fixed at the
// time given, movable forward only while held, back to real time when released.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { systemClock, ClockRangeError } from '../../sandbox/clock';

test('a held system clock is fixed, moves forward only while held, and follows real time again when released', () => {
  const clock = systemClock();
  assert.equal(clock.fixed, false, 'the system clock is not fixed');
  assert.throws(() => clock.advance(1000), /cannot be moved/, 'nor movable');
  const at = Date.parse('2026-12-06T23:00:00.000Z');
  clock.hold!(at);
  assert.equal(clock.fixed, true, 'held, it is fixed');
  assert.equal(clock.now().toISOString(), '2026-12-06T23:00:00.000Z', 'at the time given');
  clock.advance(90_000);
  assert.equal(clock.now().toISOString(), '2026-12-06T23:01:30.000Z', 'and moves forward when told');
  assert.throws(() => clock.advance(-1), ClockRangeError, 'never back');
  assert.throws(
    () => clock.hold!(Date.parse('2300-01-01T00:00:00Z')),
    ClockRangeError,
    'nor held outside the range every route can format',
  );
  clock.hold!(null);
  assert.equal(clock.fixed, false, 'released');
  assert.ok(Math.abs(clock.now().getTime() - Date.now()) < 1000, 'it follows real time again');
});
