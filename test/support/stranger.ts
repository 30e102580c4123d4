// "Another user on the same computer": a process under a second, unprivileged uid (a system
// account, `scrip-stranger`, made by scripts/setup-system.sh or here when the tests run as root).
// The security suites use it to play the person Scrip must not answer to.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Requirement } from './system';

export const STRANGER = 'scrip-stranger';

function ids(): { uid: number; gid: number } | null {
  try {
    const uid = Number(execFileSync('id', ['-u', STRANGER], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', STRANGER], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    return null;
  }
}

/** The stranger's uid and gid, creating the account when the tests run as root. */
export function strangerIds(): { uid: number; gid: number } | null {
  const found = ids();
  if (found || process.getuid?.() !== 0) return found;
  try {
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', STRANGER], {
      stdio: 'ignore',
    });
  } catch {
    /* made meanwhile by another suite, or no useradd */
  }
  return ids();
}

export const strangerRequirement: Requirement = {
  name: 'a second local user (scrip-stranger) and root to run as it',
  check: () =>
    process.getuid?.() === 0 && strangerIds()
      ? null
      : 'run the suite as root (CI does), or run scripts/setup-system.sh and the suite as root',
};

export interface StrangerProcess {
  child: ChildProcess;
  lines: AsyncIterator<string>;
  stop(): Promise<void>;
}

/**
 * Runs `source` (an ES module) with Node as the stranger. Each line it prints is one value of
 * `lines`; the first is usually "ready".
 */
export function runAsStranger(source: string, args: string[] = []): StrangerProcess {
  const who = strangerIds();
  if (!who) throw new Error(`no ${STRANGER} account`);
  const dir = mkdtempSync(join(tmpdir(), 'scrip-stranger-'));
  chmodSync(dir, 0o755);
  const file = join(dir, 'stranger.mjs');
  writeFileSync(file, source, { mode: 0o644 });
  const child = spawn(process.execPath, [file, ...args], {
    uid: who.uid,
    gid: who.gid,
    cwd: dir,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  return {
    child,
    lines,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await gone;
    },
  };
}

/** The next line the stranger prints, or an error naming what was awaited if it exits first. */
export async function nextLine(s: StrangerProcess, what: string): Promise<string> {
  const r = await s.lines.next();
  if (r.done) throw new Error(`the stranger exited before ${what}`);
  return r.value;
}
