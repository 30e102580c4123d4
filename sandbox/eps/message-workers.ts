// Worker threads for the CPU-bound checks of $prepare and $process-message (message-checks.ts), so
// that on a machine with more than one core the event loop keeps serving while signatures are
// checked and digests made: under load the sandbox's one thread was the limit on prescriptions per
// second. Started at the first job, never holding the process open. Until a worker is up, when
// there is none (size 0), and for any job whose worker stops, the job runs in-process: the checks
// are pure, so running one again elsewhere changes nothing and loses nothing.
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../../native/worker-entry';
import { runMessageJob, type MessageAnswer, type MessageJob } from './message-checks';

export interface MessageChecks {
  run<J extends MessageJob>(job: J): Promise<MessageAnswer<J>>;
  /** Workers ready now, and where the jobs so far ran (/_status shows them). */
  counts(): { workers: number; ready: number; inWorkers: number; inProcess: number };
  /** Starts the workers now, not at the first job: resolves with how many are ready (within 10 s). */
  warm(): Promise<number>;
  close(): Promise<void>;
}

interface Pending {
  job: MessageJob;
  resolve(v: unknown): void;
  reject(e: Error): void;
}

interface Lane {
  worker: Worker;
  ready: boolean;
  pending: Map<number, Pending>;
  /** Settles when the worker says it is ready, or is lost first. */
  up: Promise<void>;
}

/** One worker fewer than the cores (the event loop has one), at least one, at most four. */
export const defaultMessageWorkers = (): number => Math.max(1, Math.min(4, availableParallelism() - 1));

/** How long after a worker stops unexpectedly before another is started in its place. */
const RESTART_AFTER_MS = 5_000;

/**
 * `onAnswer` is called as each answer is handed back, in the turn it arrives in and before the
 * caller resumes: the server reopens its group commit there, so what a route writes after
 * `await run(…)` shares that turn's one commit instead of committing on its own.
 */
export function messageChecks(
  size: number = defaultMessageWorkers(),
  onAnswer: () => void = () => undefined,
): MessageChecks {
  const lanes = new Set<Lane>();
  let nextId = 1,
    closed = false,
    startedAt = -Infinity,
    inWorkers = 0,
    here = 0;

  const inProcess = <J extends MessageJob>(job: J): Promise<MessageAnswer<J>> => {
    here++;
    return runMessageJob(job);
  };

  function start(): void {
    startedAt = performance.now();
    while (lanes.size < size) {
      let worker: Worker;
      try {
        worker = startWorker(
          import.meta.url,
          new URL('./message-worker.ts', import.meta.url),
          'eps-message-worker.cjs',
          null,
        );
      } catch {
        return; // e.g. the bundled file is missing: jobs stay in-process
      }
      worker.unref();
      let settle = (): void => undefined;
      const lane: Lane = { worker, ready: false, pending: new Map(), up: new Promise((r) => (settle = r)) };
      lanes.add(lane);
      worker.on('message', (m: 'ready' | { id: number; answer?: unknown; error?: string }) => {
        if (m === 'ready') {
          lane.ready = true;
          settle();
          return;
        }
        const p = lane.pending.get(m.id);
        if (!p) return;
        lane.pending.delete(m.id);
        inWorkers++;
        if (m.error !== undefined) p.reject(new Error(m.error));
        else p.resolve(m.answer);
      });
      const lost = (): void => {
        settle();
        if (!lanes.delete(lane)) return;
        // Its jobs run here instead; a new worker is started by a later job.
        for (const p of lane.pending.values()) inProcess(p.job).then(p.resolve, p.reject);
        lane.pending.clear();
      };
      worker.on('error', lost);
      worker.on('exit', lost);
    }
  }

  /** A ready worker with the fewest jobs takes it; with none ready, it runs here. */
  function dispatch<J extends MessageJob>(job: J): Promise<MessageAnswer<J>> {
    if (closed || size <= 0) return inProcess(job);
    if (lanes.size < size && performance.now() - startedAt >= RESTART_AFTER_MS) start();
    let best: Lane | undefined;
    for (const l of lanes) if (l.ready && (!best || l.pending.size < best.pending.size)) best = l;
    if (!best) return inProcess(job);
    const lane = best;
    return new Promise((resolve, reject) => {
      const id = nextId++;
      lane.pending.set(id, { job, resolve: resolve as (v: unknown) => void, reject });
      lane.worker.postMessage({ id, job });
    });
  }

  return {
    run<J extends MessageJob>(job: J): Promise<MessageAnswer<J>> {
      return dispatch(job).then((answer) => {
        onAnswer();
        return answer;
      });
    },
    counts: () => ({
      workers: Math.max(0, size),
      ready: [...lanes].filter((l) => l.ready).length,
      inWorkers,
      inProcess: here,
    }),
    async warm() {
      if (closed || size <= 0) return 0;
      if (lanes.size < size) start();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all([...lanes].map((l) => l.up)),
        new Promise<void>((r) => {
          timer = setTimeout(r, 10_000);
          timer.unref();
        }),
      ]);
      clearTimeout(timer);
      return [...lanes].filter((l) => l.ready).length;
    },
    async close() {
      closed = true;
      await Promise.all([...lanes].map((l) => l.worker.terminate()));
    },
  };
}
