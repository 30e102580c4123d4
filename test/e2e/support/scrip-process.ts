// Starts a real `scrip` process (browser mode or agent) with its own data directory and waits for
// its one JSON "ready" line.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import type { Browser, BrowserContext, BrowserContextOptions, Page } from '@playwright/test';
export const repoRoot = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', '..', '..');

export interface ScripProcess {
  ready: Record<string, string>;
  dataDir: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export async function startScrip(args: string[], env: Record<string, string> = {}): Promise<ScripProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'scrip-e2e-'));
  const child = spawn(process.execPath, [join(repoRoot, 'bin', 'scrip.mjs'), ...args], {
    // SCRIP_PARENT_PID: if this process dies, however it dies, the agent shuts down and frees its data directory.
    cwd: repoRoot,
    env: { ...process.env, SCRIP_DATA_DIR: dataDir, SCRIP_PARENT_PID: String(process.pid), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const ready = await new Promise<Record<string, string>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`scrip ${args.join(' ')} did not get ready: ${stderr}`)), 30_000);
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      try {
        const v = JSON.parse(line) as Record<string, string>;
        if (v.event === 'ready') {
          clearTimeout(timer);
          resolve(v);
        }
      } catch {
        /* not the ready line */
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`scrip exited with ${code}: ${stderr}`));
    });
  });
  return {
    ready,
    dataDir,
    child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Scrip in browser mode with no card of its own (each spec brings its card), and a page opened as a
 * person opens it: from the user-only link file, whose one-time token the page trades for its tab's
 * secret (kept in sessionStorage: later `page.goto`s on Scrip's origin in this tab keep it).
 */
export async function openScripInBrowser(
  browser: Browser,
  contextOptions: BrowserContextOptions = {},
  env: Record<string, string> = {},
): Promise<{ scrip: ScripProcess; context: BrowserContext; page: Page }> {
  const scrip = await startScrip(['start', '--browser', '--no-open'], { SCRIP_VIRTUAL_CARD: 'off', ...env });
  const context = await browser.newContext(contextOptions);
  const page = await context.newPage();
  await openLinkFile(page, scrip);
  return { scrip, context, page };
}

/** Opens `scrip start`'s link file and waits until the page has landed on Scrip and holds its secret. */
export async function openLinkFile(page: Page, scrip: ScripProcess): Promise<void> {
  await page.goto(scrip.ready.open!);
  await page.waitForURL(`${scrip.ready.url}/**`);
  await page.waitForFunction(() => sessionStorage.getItem('scrip.tab') !== null);
}

/** A command called as the page itself calls it (its tab secret), for what a spec sets up or reads without the UI. */
export function tabRpc<T>(page: Page, name: string, input: unknown = {}): Promise<T> {
  return page.evaluate(
    async ([n, i]) => {
      const res = await fetch(`/rpc/${n as string}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-scrip-session': sessionStorage.getItem('scrip.tab') ?? '' },
        body: JSON.stringify(i),
      });
      return (await res.json()) as unknown;
    },
    [name, input] as const,
  ) as Promise<T>;
}
