// One unit of card work at a time per reader inside this process. PC/SC's exclusive share mode
// keeps other programs out (see docs/decisions/0002-pcsc-transactions.md); this queue keeps our
// own concurrent callers from tripping over each other with sharing violations.

const tails = new Map<string, Promise<unknown>>();

/** Runs `work` after every earlier unit for `key` has settled; failures do not block the queue. */
export function serialised<T>(key: string, work: () => Promise<T>): Promise<T> {
  const prev = tails.get(key) ?? Promise.resolve();
  const run = prev.then(work, work);
  const tail = run.catch(() => undefined); // the queue only waits: `run`'s failure goes to its caller
  tails.set(key, tail);
  void tail.then(() => { if (tails.get(key) === tail) tails.delete(key); });
  return run;
}

/** Rejects with `onTimeout()` if `p` has not settled within `ms`. */
export function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(onTimeout()), ms); });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
