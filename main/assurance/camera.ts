// Screenshots of Scrip's UI at the steps a scenario marks (`screenshot: name`): the lane's own Scrip
// served in browser mode on loopback (its API server with the built renderer, started on the first
// shot), opened by a headless Chromium through a one-time link in a 0600 file — never on a command
// line, where `ps` shows it to every user — and printed to a PNG. Where there is no Chromium or no
// built UI, each shot fails with a sentence saying so, and the report shows that sentence.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Services } from '../services';
import type { Registry } from '../commands/registry';
import { startApiServer, type ApiServer } from '../api/server';
import { findChromium } from './pdf';

export interface Camera {
  /** A PNG of the UI's page (a route: '' is home, 'dispense' …) as it is now. */
  shoot(page: string): Promise<Buffer>;
  close(): Promise<void>;
}

/** The built renderer (npm run build), found by walking up from this module; null when not built. */
function rendererDir(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const d = join(dir, 'dist', 'renderer');
    if (existsSync(join(d, 'index.html'))) return d;
    dir = dirname(dir);
  }
  return null;
}

/** Why no screenshot can be taken here, or null when they can. */
function cameraUnavailable(): string | null {
  if (!findChromium())
    return 'no Chromium was found (install chromium, or set SCRIP_CHROMIUM), so no screenshot was taken';
  if (!rendererDir()) return 'the UI is not built here (npm run build), so no screenshot was taken';
  return null;
}

/** Time the page gets to trade its token, load its data and draw, in Chromium's virtual time. */
const SETTLE_MS = 4000;

export function uiCamera(app: { services: Services; registry: Registry }): Camera {
  let server: ApiServer | null = null;
  let version: string | null = null;
  return {
    async shoot(page) {
      const why = cameraUnavailable();
      if (why) throw new Error(why);
      const bin = findChromium()!;
      server ??= await startApiServer(app, { port: 0, rendererDir: rendererDir()! });
      version ??= await new Promise<string>((r) =>
        execFile(bin, ['--version'], { timeout: 10_000 }, (_e, out) => r(String(out ?? '').trim() || bin)),
      );
      const dir = mkdtempSync(join(tmpdir(), 'scrip-shot-'));
      try {
        const link = `${server.issuePageUrl()}&to=/${page === 'home' ? '' : page}`;
        const file = join(dir, 'open.html');
        const href = link.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
        writeFileSync(
          file,
          `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${href}"><title>Scrip</title></head></html>`,
          { mode: 0o600 },
        );
        const png = join(dir, 'shot.png');
        const args = [
          '--headless',
          '--disable-gpu',
          '--no-first-run',
          '--no-default-browser-check',
          '--disable-extensions',
          '--hide-scrollbars',
          `--user-data-dir=${join(dir, 'profile')}`,
          '--window-size=1280,900',
          `--virtual-time-budget=${SETTLE_MS}`,
          // Chromium's sandbox needs user namespaces, often absent in containers run as root.
          ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
          `--screenshot=${png}`,
          pathToFileURL(file).href,
        ];
        await new Promise<void>((resolve, reject) => {
          execFile(bin, args, { timeout: 60_000 }, (e, _out, err) =>
            e || !existsSync(png)
              ? reject(
                  new Error(`${version} could not take the screenshot: ${e?.message ?? String(err).slice(0, 300)}`),
                )
              : resolve(),
          );
        });
        return readFileSync(png);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    async close() {
      await server?.close();
      server = null;
    },
  };
}
