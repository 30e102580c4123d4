// The running agent leaves its address (never a secret) in the user's data directory so that
// `scrip <command>` can find it without configuration.
import { readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export interface RuntimeInfo {
  url: string; pid: number; startedAt: string; mode: 'agent' | 'browser' | 'electron';
  /** 'file' when the agent was started with --headless: the CLI then uses the same file store. */
  keyStore?: 'os' | 'file';
}

export function runtimeFilePath(dataDir: string): string {
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
