// Scrip's log: structured lines so a support call can find what happened, by incident ID. Code logs
// through log(); the agent points it at its data directory (log-file.ts, pino); elsewhere (the CLI
// working in-process, unit tests) nothing is written unless a test sets a logger.
import { randomBytes } from 'node:crypto';
import type { Logger, LogFn } from 'pino';

/** What code may log with: pino's levels, so the agent's pino logger is one. */
type Log = Pick<Logger, 'error' | 'warn' | 'info' | 'debug'>;

const nothing = (() => undefined) as LogFn;
let current: Log = { error: nothing, warn: nothing, info: nothing, debug: nothing };

/** The process's logger (silent until one is set). */
export function log(): Log {
  return current;
}

/** Replaces the process's logger (the agent's file, tests). */
export function setLogger(logger: Log): void {
  current = logger;
}

/** A short ID a person can read out on a support call: 8 hex digits grouped, e.g. "3f9a-0c21". */
export function newIncidentId(): string {
  const h = randomBytes(4).toString('hex');
  return `${h.slice(0, 4)}-${h.slice(4)}`;
}

/** For a promise nobody awaits: logs its failure as a warning saying what failed and what happens next. */
export function logFailure(what: string): (e: unknown) => void {
  return (e) => {
    log().warn({ err: e }, what);
  };
}
