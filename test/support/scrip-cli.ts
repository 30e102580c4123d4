// `bin/scrip.mjs` run as a user runs it: its own process, the environment the test gives it, and
// never a rejection: a non-zero exit (or a timeout, -1) is the result's code, with what it printed.
// One runner for the CLI tests, and the environments they need (a CI machine's, no agent's).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../e2e/support/scrip-process';

export const scripBin = join(repoRoot, 'bin', 'scrip.mjs');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** The whole environment of the process (default: this one's). */
  env?: NodeJS.ProcessEnv;
  /** Killed after this long (default 30 s); the code is then -1. */
  timeoutMs?: number;
  /** Written to standard input, which is then closed (default: nothing, closed at once). */
  stdin?: string;
}

export function scrip(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [scripBin, ...args],
      { env: opts.env ?? process.env, timeout: opts.timeoutMs ?? 30_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = (err as { code?: unknown } | null)?.code;
        resolve({ code: err ? (typeof code === 'number' ? code : -1) : 0, stdout, stderr });
      },
    );
    child.stdin?.end(opts.stdin ?? '');
  });
}

/** This process's environment with no agent to reach (no URL, API key or key store choice inherited), plus `extra`. */
export function noAgentEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.SCRIP_API_KEY;
  delete env.SCRIP_URL;
  delete env.SCRIP_KEYCHAIN;
  return Object.assign(env, extra);
}

/** The environment of a CI machine: no session bus (so no keychain of any kind), no agent, no virtual card at start. */
export function headlessEnv(dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = noAgentEnv({ SCRIP_DATA_DIR: dataDir, SCRIP_VIRTUAL_CARD: 'off', ...extra });
  delete env.DBUS_SESSION_BUS_ADDRESS;
  return env;
}
