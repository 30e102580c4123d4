// What an assurance run is asked for and what it answers: apart from the runner, so the services'
// type (main/services.ts) names them without importing the runner and everything it composes.
export interface AssureOptions {
  paths?: string[];
  only?: string[];
  requirement?: string[];
  /** The evidence pack's directory. */
  out: string;
  junit?: string;
  /** The supplier's signing key (PEM, EC P-256 or RSA); default one made once in the data directory. */
  keyFile?: string;
  /** Seed of the run's deterministic values (${uuid.x}). */
  seed?: string;
  /** Agent runs: the sandbox clock for the run (ISO); default the run's start, to the minute. */
  clock?: string;
  /** Agent runs: a configured environment to run against instead of the embedded sandbox. */
  env?: string;
  /** Lanes to run scenarios in side by side (default: the number of cores); at most one per virtual reader. */
  jobs?: number;
}

export interface AssureSummary {
  ok: boolean;
  out: string;
  runId: string;
  passed: number;
  failed: number;
  skipped: number;
  steps: number;
  failures: string[];
  requirements: number;
  signer: string;
  pdf: string;
  junit: string | null;
  wallMs: number;
  overheadPerStepMs: number;
  /** Lanes the scenarios ran in, and why fewer than asked when so. */
  lanes: number;
  lanesNote: string | null;
}
