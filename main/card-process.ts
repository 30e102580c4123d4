// The embedded virtual card runs in a process of its own (see CardSlot in embedded.ts). How that
// process is started depends on the host: under Node (`scrip agent`, `scrip start`) it is Node
// running bin/scrip.mjs; in a packaged Electron app `process.execPath` is the app itself, which
// cannot run scripts (the RunAsNode fuse is off), so main/electron injects a spawner built on
// Electron's utilityProcess. main/ stays free of electron imports: it only knows this interface.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A running virtual-card process: its output lines, its end, and a way to take the card out. */
export interface CardProcess {
  /** Whether the process is still running. */
  readonly running: boolean;
  onLine(listener: (line: string) => void): void;
  onExit(listener: () => void): void;
  /** Asks the card to leave the reader (SIGTERM: it removes itself from vpcd) and waits for the exit. */
  stop(): Promise<void>;
}

/** Starts `scrip card virtual <args>` with `env` added to this process's environment. */
export type CardProcessSpawner = (args: string[], env: Record<string, string>) => CardProcess;

/**
 * Wraps a child that has `stdout`, an exit event and a kill: a Node ChildProcess and Electron's
 * UtilityProcess both fit (their differences are only in how they are started).
 */
export function cardProcessOf(child: {
  stdout: NodeJS.ReadableStream | null;
  once(event: 'exit', listener: () => void): unknown;
  kill(): boolean;
}): CardProcess {
  let running = true;
  const exitListeners: Array<() => void> = [];
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      running = false;
      resolve();
      for (const l of exitListeners) l();
    }),
  );
  const lines = child.stdout ? createInterface({ input: child.stdout }) : null;
  return {
    get running() {
      return running;
    },
    onLine(listener) {
      lines?.on('line', listener);
    },
    onExit(listener) {
      if (!running) listener();
      else exitListeners.push(listener);
    },
    async stop() {
      if (!running) return;
      child.kill();
      await exited;
    },
  };
}

/**
 * bin/scrip.mjs, found by walking up from this module: main/ from source, dist/cli/ or dist/electron/
 * in a bundle (bin runs the bundle or the sources, whichever is current).
 */
function scripBin(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)), i = 0; i < 6; i++, dir = dirname(dir)) {
    const f = join(dir, 'bin', 'scrip.mjs');
    if (existsSync(f)) return f;
  }
  throw new Error('bin/scrip.mjs is missing from this installation, so the virtual card cannot start');
}

/** Node runs the CLI script itself (the agent, browser mode, tests). */
export function nodeCardSpawner(): CardProcessSpawner {
  const bin = scripBin();
  return (args, env) => {
    const child = spawn(process.execPath, [bin, 'card', 'virtual', ...args], {
      stdio: ['ignore', 'pipe', 'ignore'],
      env: { ...process.env, ...env },
    });
    child.on('error', () => undefined); // an exit follows; the slot reports the card as absent
    return cardProcessOf(child);
  };
}
