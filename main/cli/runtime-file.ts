// The running agent leaves its addresses (never a secret) in the user's data directory, for people
// and programs to read. The CLI does not trust the URL in it (after a crash another user may hold
// that port): it reaches its agent through the socket (decision 0008), and reads only `pipe` here on
// Windows, where the pipe's name is random per run.
import { readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

interface RuntimeInfo {
  url: string;
  pid: number;
  startedAt: string;
  mode: 'agent' | 'browser' | 'electron';
  socket?: string | null;
  pipe?: string;
  /** 'file' when the agent was started with --headless: the CLI then uses the same file store. */
  keyStore?: 'os' | 'file';
}

function runtimeFilePath(dataDir: string): string {
  return join(dataDir, 'agent.json');
}

export function writeRuntimeFile(dataDir: string, info: RuntimeInfo): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  writeFileSync(runtimeFilePath(dataDir), JSON.stringify(info) + '\n', { mode: 0o600 });
}

export function readRuntimeFile(dataDir: string): RuntimeInfo | null {
  try {
    const v = JSON.parse(readFileSync(runtimeFilePath(dataDir), 'utf8')) as RuntimeInfo;
    return typeof v.url === 'string' ? v : null;
  } catch {
    return null;
  }
}

/** Removes the file only if it still describes this process (another agent may have replaced it). */
export function removeRuntimeFile(dataDir: string, pid = process.pid): void {
  const info = readRuntimeFile(dataDir);
  if (info?.pid === pid) rmSync(runtimeFilePath(dataDir), { force: true });
}
