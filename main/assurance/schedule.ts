// Which lane runs which scenario, and what may not overlap. A lane is one Scrip (its own data
// directory, session and virtual reader) against the shared sandbox, so scenarios in different lanes
// are independent except for what they declare: `exclusive` (or a clock step) runs alone, `locks`
// keep scenarios naming the same thing apart. The plan is fixed before the run from the files alone
// (never "whichever lane is free"), so each lane sees the same scenarios in the same order every run
// and a result cannot depend on timing.
import type { Scenario } from './scenario';

/** Estimated cost: a card swap (insert, login) takes seconds; other steps take milliseconds. */
export function weight(sc: Scenario): number {
  const swaps = sc.steps.filter((s) => 'login' in s || ('card' in s && s.card === 'insert')).length;
  return swaps * 30 + sc.steps.length;
}

/** Whether the scenario must run with no other at the same time. */
export function runsAlone(sc: Scenario): boolean {
  return sc.exclusive || sc.steps.some((s) => 'sandbox' in s && s.sandbox === 'clock');
}

/**
 * Scenario indexes per lane: heaviest first (library order among equals), each to the lane with the
 * least estimated work so far (the lowest-numbered on a tie); each lane then runs its share in
 * library order. Deterministic for the same scenarios and lane count.
 */
export function planLanes(scenarios: Scenario[], lanes: number): number[][] {
  const n = Math.max(1, Math.min(lanes, scenarios.length || 1));
  const plan: number[][] = Array.from({ length: n }, () => []);
  const load = new Array<number>(n).fill(0);
  const heaviestFirst = scenarios.map((sc, i) => ({ i, w: weight(sc) })).sort((a, b) => b.w - a.w || a.i - b.i);
  for (const { i, w } of heaviestFirst) {
    let best = 0;
    for (let l = 1; l < n; l++) if (load[l]! < load[best]!) best = l;
    plan[best]!.push(i);
    load[best]! += w;
  }
  return plan.map((l) => l.sort((a, b) => a - b));
}

interface Waiter {
  names: string[];
  alone: boolean;
  go: () => void;
}

/**
 * Shared and exclusive holds on named things ("*" is everything: a scenario that runs alone).
 * A scenario takes all its holds at once or waits, so two never wait on each other; a waiting
 * exclusive holder keeps new shared holders out, so it is not starved.
 */
export class Holds {
  readonly #held = new Map<string, number>(); // name → holders; "*" counts every running scenario
  #alone = false;
  #waiting: Waiter[] = [];

  async take(names: string[], alone: boolean): Promise<() => void> {
    if (!this.#fits(names, alone) || (!alone && this.#waiting.some((w) => w.alone))) {
      await new Promise<void>((go) => this.#waiting.push({ names, alone, go }));
    } else this.#grant(names, alone);
    return () => this.#release(names, alone);
  }

  #fits(names: string[], alone: boolean): boolean {
    if (this.#alone) return false;
    if (alone) return (this.#held.get('*') ?? 0) === 0;
    return names.every((n) => !this.#held.get(n));
  }

  #grant(names: string[], alone: boolean): void {
    if (alone) this.#alone = true;
    this.#held.set('*', (this.#held.get('*') ?? 0) + 1);
    for (const n of names) this.#held.set(n, (this.#held.get(n) ?? 0) + 1);
  }

  #release(names: string[], alone: boolean): void {
    if (alone) this.#alone = false;
    this.#held.set('*', (this.#held.get('*') ?? 1) - 1);
    for (const n of names) this.#held.set(n, (this.#held.get(n) ?? 1) - 1);
    // Wake waiters in the order they came, as far as they fit.
    const still: Waiter[] = [];
    for (const w of this.#waiting) {
      if (this.#fits(w.names, w.alone) && !(still.some((x) => x.alone) && !w.alone)) {
        this.#grant(w.names, w.alone);
        w.go();
      } else still.push(w);
    }
    this.#waiting = still;
  }
}
