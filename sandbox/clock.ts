// The sandbox's sense of time. `scrip sandbox --clock ISO` fixes it, for reproducible runs and for
// tests of timeouts (which move it forward with `advance`). A fixed clock stays within CLOCK_RANGE:
// every route formats times, and a Date past its range (or a year of more than four digits) breaks
// them all, so a clock outside it is refused, never reached.
export interface Clock {
  now(): Date;
  /** Only for a fixed clock: moves it forward. Throws ClockRangeError past CLOCK_RANGE.latest. */
  advance(ms: number): void;
  readonly fixed: boolean;
  /**
   * Only for the system clock: holds it at a time (it is then fixed and may be moved forward) until
   * released with null. An assurance run started in the agent runs on a fixed clock this way.
   */
  hold?(at: number | null): void;
}

/** The times a fixed clock may show (ISO 8601 with four-digit years, and long after any test needs). */
const CLOCK_RANGE = {
  earliest: Date.parse('2000-01-01T00:00:00Z'),
  latest: Date.parse('2199-12-31T23:59:59Z'),
} as const;

export class ClockRangeError extends Error {}

const inRange = (t: number): boolean => t >= CLOCK_RANGE.earliest && t <= CLOCK_RANGE.latest;
const rangeText = (): string =>
  `${new Date(CLOCK_RANGE.earliest).toISOString()} to ${new Date(CLOCK_RANGE.latest).toISOString()}`;

export function systemClock(): Clock {
  let held: number | null = null;
  return {
    now: () => (held === null ? new Date() : new Date(held)),
    advance: (ms) => {
      if (held === null) throw new Error('the system clock cannot be moved');
      if (!Number.isFinite(ms) || ms < 0) throw new ClockRangeError('the clock only moves forward, by a finite time');
      if (!inRange(held + ms))
        throw new ClockRangeError(
          `the clock would pass ${new Date(CLOCK_RANGE.latest).toISOString()}, the latest a fixed clock may show (it is ${new Date(held).toISOString()})`,
        );
      held += ms;
    },
    get fixed() {
      return held !== null;
    },
    hold: (at) => {
      if (at !== null && (!Number.isFinite(at) || !inRange(at)))
        throw new ClockRangeError(`the clock cannot be held at ${String(at)}: outside ${rangeText()}`);
      held = at;
    },
  };
}

export function fixedClock(iso: string): Clock {
  let t = Date.parse(iso);
  if (Number.isNaN(t)) throw new Error(`--clock: "${iso}" is not an ISO date and time`);
  if (!inRange(t))
    throw new ClockRangeError(`--clock: ${iso} is outside the range a fixed clock may show (${rangeText()})`);
  return {
    now: () => new Date(t),
    advance: (ms) => {
      if (!Number.isFinite(ms) || ms < 0) throw new ClockRangeError('the clock only moves forward, by a finite time');
      if (!inRange(t + ms))
        throw new ClockRangeError(
          `the clock would pass ${new Date(CLOCK_RANGE.latest).toISOString()}, the latest a fixed clock may show (it is ${new Date(t).toISOString()})`,
        );
      t += ms;
    },
    fixed: true,
  };
}
