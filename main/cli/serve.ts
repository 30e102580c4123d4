// `scrip agent` (headless: services + local API) and `scrip start` (the same, plus the UI in the
// Electron window when its binary is present, else in the browser on loopback).
import { closeSync, existsSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { spawn } from 'node:child_process';
import { startRuntime } from '../runtime';
import { startApiServer } from '../api/server';
import { defaultDataDir } from '../config';
import { readRuntimeFile, removeRuntimeFile, writeRuntimeFile } from './runtime-file';
import { refuseSecondAgent } from '../api/agent-socket';
import { makeDataDirPrivate } from '../data-dir-permissions';
import { ScripError } from '../errors';
import { log } from '../log';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface ServeOptions {
  port?: number;
  browser: boolean;
  dataDir?: string;
  open?: boolean;
  /** `--headless`: secrets in the file key store (no OS keychain needed); a fresh admin key handed to the caller. */
  headless?: { adminKeyFile?: string; adminKeyFd?: number };
}

/**
 * `scrip agent --headless`: the key store is the 0600 file in the data directory, chosen here by name
 * (SCRIP_KEYCHAIN=os with --headless is a contradiction and refused). Never a fallback.
 */
export function chooseHeadlessStore(env: NodeJS.ProcessEnv = process.env): void {
  if (env.SCRIP_KEYCHAIN && env.SCRIP_KEYCHAIN !== 'file') {
    throw new ScripError(
      'invalid-input',
      `--headless keeps secrets in a file, but SCRIP_KEYCHAIN is "${env.SCRIP_KEYCHAIN}".`,
      undefined,
      'Unset SCRIP_KEYCHAIN (or set it to "file") to run headless, or run without --headless to use the OS keychain.',
    );
  }
  env.SCRIP_KEYCHAIN = 'file';
}

/** Gives the caller a one-time admin key: to a new 0600 file, or to an inherited file descriptor. Never to stdout. */
function handOverAdminKey(key: string, to: { adminKeyFile?: string; adminKeyFd?: number }): string {
  if (to.adminKeyFile) {
    rmSync(to.adminKeyFile, { force: true }); // a fresh file, so its mode is ours
    writeFileSync(to.adminKeyFile, key + '\n', { mode: 0o600, flag: 'wx' });
    return to.adminKeyFile;
  }
  writeSync(to.adminKeyFd!, key + '\n');
  closeSync(to.adminKeyFd!);
  return `fd ${to.adminKeyFd}`;
}

/** The Electron binary if one is installed; never triggers Electron's on-demand download. */
export function electronBinary(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.SCRIP_ELECTRON && existsSync(env.SCRIP_ELECTRON)) return env.SCRIP_ELECTRON;
  const dir = join(repoRoot, 'node_modules', 'electron');
  try {
    const rel = readFileSync(join(dir, 'path.txt'), 'utf8').trim();
    const bin = join(env.ELECTRON_OVERRIDE_DIST_PATH ?? join(dir, 'dist'), rel);
    return existsSync(bin) ? bin : null;
  } catch {
    return null;
  }
}

/**
 * Browser mode: the one-time link goes into a file only the user can read (0600 in the 0700 data
 * directory), which redirects the browser to it, as Jupyter does. The opener's and the browser's
 * command lines carry only the file's path: `ps` shows every user those.
 */
export function writeLinkFile(dataDir: string, link: string): string {
  const file = join(dataDir, 'open-scrip.html');
  rmSync(file, { force: true });
  const href = link.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  writeFileSync(
    file,
    `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">
<meta http-equiv="refresh" content="0;url=${href}"><title>Opening Scrip</title></head>
<body><p>Opening Scrip. If nothing happens, <a href="${href}">open Scrip</a> (this link works once, within a minute).</p></body></html>
`,
    { mode: 0o600, flag: 'wx' },
  );
  return file;
}

/**
 * Resolves on SIGINT/SIGTERM, or when the process named by SCRIP_PARENT_PID is gone. A program that
 * starts the agent for itself (a test, a script) sets SCRIP_PARENT_PID to its own pid, so the agent
 * shuts down cleanly — freeing its data directory and the reader — however that program ends, even
 * by SIGKILL (no signal reaches the agent then). Linux offers Node no event for the death of a
 * process that is not its child, hence the poll.
 */
function waitForStop(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
    const parent = Number(env.SCRIP_PARENT_PID);
    if (!(parent > 0)) return;
    const poll = setInterval(() => {
      try {
        process.kill(parent, 0);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EPERM') return; // alive, only not ours to signal
        clearInterval(poll);
        resolve('parent-gone');
      }
    }, 500);
    poll.unref();
  });
}

/** Runs until SIGINT/SIGTERM (or SCRIP_PARENT_PID's process is gone). Prints one JSON line when ready. */
export async function serve(kind: 'agent' | 'start', opts: ServeOptions): Promise<number> {
  const dataDir = opts.dataDir ?? defaultDataDir();
  if (kind === 'start' && !opts.browser) {
    const bin = electronBinary();
    if (bin) {
      const child = spawn(bin, [repoRoot], { stdio: 'inherit', env: { ...process.env, SCRIP_DATA_DIR: dataDir } });
      return await new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 0)));
    }
    process.stderr.write(
      'No Electron binary is installed here, so Scrip opens in your browser instead (browser mode).\n',
    );
  }
  const rendererDir = join(repoRoot, 'dist', 'renderer');
  if (kind === 'start' && !existsSync(join(rendererDir, 'index.html'))) {
    throw new ScripError(
      'not-found',
      'The user interface has not been built.',
      undefined,
      'Run "npm run build" once, then "scrip start" again.',
    );
  }
  makeDataDirPrivate(dataDir);
  await refuseSecondAgent(dataDir, readRuntimeFile(dataDir)?.pipe);
  if (opts.headless) chooseHeadlessStore();
  const runtime = await startRuntime(dataDir);
  const app = runtime.app;
  let adminKeyTo: string | null = null;
  if (opts.headless && (opts.headless.adminKeyFile || opts.headless.adminKeyFd !== undefined)) {
    await app.services.apiKeys.warm(); // the file store answers at once; wait for it rather than be told "not yet"
    const { key } = app.services.apiKeys.create(`admin key for headless agent ${process.pid}`, ['admin']);
    app.services.audit.append('agent --headless', 'api-key.create', {
      name: 'headless admin key',
      storedIn: 'key file',
    });
    adminKeyTo = handOverAdminKey(key, opts.headless);
  }
  let server;
  try {
    server = await startApiServer(app, {
      port: opts.port ?? 0,
      socketDir: dataDir,
      ...(kind === 'start' ? { rendererDir } : {}),
    });
  } catch (e) {
    await runtime.close();
    throw e;
  }
  const socket = server.socketPath;
  const keyStore = opts.headless ? ('file' as const) : ('os' as const);
  writeRuntimeFile(dataDir, {
    url: server.url,
    pid: process.pid,
    startedAt: new Date().toISOString(),
    mode: kind === 'agent' ? 'agent' : 'browser',
    socket,
    keyStore,
    ...(process.platform === 'win32' && socket ? { pipe: socket } : {}),
  });
  const ready: Record<string, unknown> = {
    event: 'ready',
    url: server.url,
    socket,
    pid: process.pid,
    dataDir,
    openapi: `${server.url}/openapi.json`,
    environment: runtime.environment.name,
    services: runtime.environment.brokerUrl ?? runtime.environment.pdsUrl,
    keyStore: process.env.SCRIP_KEYCHAIN === 'file' ? 'file' : 'os',
  };
  if (adminKeyTo) ready.adminKey = adminKeyTo;
  if (runtime.embedded)
    ready.virtualCard = {
      userId: runtime.embedded.card.userId,
      pin: runtime.embedded.card.pin,
      reader: runtime.embedded.card.process ? 'Virtual PCD 00 00' : null,
    };
  let linkFile: string | null = null;
  if (kind === 'start') {
    linkFile = writeLinkFile(dataDir, server.issuePageUrl());
    ready.open = pathToFileURL(linkFile).toString();
  }
  process.stdout.write(JSON.stringify(ready) + '\n');
  if (linkFile && opts.open !== false && (process.env.DISPLAY || process.platform !== 'linux')) {
    const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
    spawn(opener, [linkFile], { stdio: 'ignore', detached: true })
      .on('error', () => undefined)
      .unref();
  }
  const why = await waitForStop();
  log().info({ why }, 'Scrip stopping');
  removeRuntimeFile(dataDir);
  if (linkFile) rmSync(linkFile, { force: true });
  await server.close();
  await runtime.close();
  return 0;
}
