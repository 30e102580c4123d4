// One unit of card work at a time per reader inside this process. PC/SC's exclusive share mode
// keeps other programs out (see docs/decisions/0002-pcsc-transactions.md); this queue keeps our
// own concurrent callers from tripping over each other with sharing violations.

const tails = new Map<string, Promise<unknown>>();
const settledAt = new Map<string, number>();

/**
 * Whether this process holds `key` now, or let go of it less than `graceMs` ago. PC/SC reports our
 * own exclusive connection like anybody's, and the reader watch reads that state a moment after it
 * changed: the grace keeps a snapshot taken while we held the card from being read as "another
 * program" once we have let go.
 */
export function heldByThisProcess(key: string, graceMs = 2000): boolean {
  if (tails.has(key)) return true;
  const at = settledAt.get(key);
  return at !== undefined && Date.now() - at < graceMs;
}

/** Runs `work` after every earlier unit for `key` has settled; failures do not block the queue. */
export function serialised<T>(key: string, work: () => Promise<T>): Promise<T> {
  const prev = tails.get(key) ?? Promise.resolve();
  const run = prev.then(work, work);
  const tail = run.catch(() => undefined); // the queue only waits: `run`'s failure goes to its caller
  tails.set(key, tail);
  void tail.then(() => {
    settledAt.set(key, Date.now());
    if (tails.get(key) === tail) tails.delete(key);
  });
  return run;
}

/** Rejects with `onTimeout()` if `p` has not settled within `ms`. */
export function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
