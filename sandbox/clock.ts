// The sandbox's sense of time. `scrip sandbox --clock ISO` fixes it, for reproducible runs and for
// tests of timeouts (which move it forward with `advance`).
export interface Clock {
  now(): Date;
  /** Only for a fixed clock: moves it forward. */
  advance(ms: number): void;
  readonly fixed: boolean;
}

export function systemClock(): Clock {
  return { now: () => new Date(), advance: () => { throw new Error('the system clock cannot be moved'); }, fixed: false };
}

export function fixedClock(iso: string): Clock {
  let t = Date.parse(iso);
  if (Number.isNaN(t)) throw new Error(`--clock: "${iso}" is not an ISO date and time`);
  return { now: () => new Date(t), advance: (ms) => { t += ms; }, fixed: true };
}
