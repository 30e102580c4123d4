// Opening the CIS2 authorization request in the user's browser (RFC 8252 §4.1: the system browser,
// never a web view of Scrip's own). The Electron shell injects shell.openExternal; the agent and
// browser mode use the platform's opener, or the command named by SCRIP_BROWSER_OPENER (tests use
// it to drive their own Chromium). When nothing can be opened, the address is written to the
// terminal so the person can open it by hand; the login keeps waiting until its timeout.
import { spawn } from 'node:child_process';
import type { BrowserOpener } from './oidc-login';

/** The command (and leading arguments) that opens a URL on this platform; the URL is appended. */
function platformOpener(platform: NodeJS.Platform = process.platform): string[] {
  if (platform === 'darwin') return ['open'];
  // rundll32's URL handler takes the address as one argument, so `&` in it is not a command separator (as with `start`).
  if (platform === 'win32') return ['rundll32', 'url.dll,FileProtocolHandler'];
  return ['xdg-open'];
}

/** Runs `command... url` and resolves when it exits 0; rejects on a failure to start, a non-zero exit or 10 s without an exit. */
export function runOpener(command: string[], url: string, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const [file, ...args] = command;
    if (!file) return reject(new Error('no browser opener command'));
    const child = spawn(file, [...args, url], { stdio: 'ignore', detached: false, windowsHide: true });
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`${file} did not finish within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    timer.unref();
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${file} exited with ${signal ?? `code ${code}`}`));
    });
  });
}

/**
 * The opener for the agent and browser mode: SCRIP_BROWSER_OPENER (a command; whitespace separates
 * its arguments), else the platform's. On failure the address is written to `tell` (stderr at a
 * terminal) and the login goes on waiting for the browser the person opens themselves.
 */
export function systemBrowserOpener(
  env: NodeJS.ProcessEnv = process.env,
  tell: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): BrowserOpener {
  const named = env.SCRIP_BROWSER_OPENER?.trim();
  const command = named ? named.split(/\s+/) : platformOpener();
  return async (url) => {
    try {
      await runOpener(command, url);
    } catch (e) {
      tell(
        `Scrip could not open a browser for the CIS2 login (${e instanceof Error ? e.message : String(e)}). Open this address in your browser to log in:\n${url}`,
      );
    }
  };
}
