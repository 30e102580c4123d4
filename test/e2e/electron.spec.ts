// The Electron shell itself. Needs the Electron binary, which cannot be downloaded on every machine:
// where it is missing this suite is reported as skipped (the only suite allowed to skip in CI).
import { test, expect, _electron as electron } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { electronBinary, repoRoot } from '../../main/cli/serve';

const bin = electronBinary();

test.describe('Electron window', () => {
  test.skip(!bin, 'needs the Electron binary (not installed here; set SCRIP_ELECTRON or install electron)');

  test('opens a locked-down window on app://scrip that lists readers over IPC', async () => {
    const app = await electron.launch({
      executablePath: bin!,
      args: [repoRoot],
      env: { ...process.env, SCRIP_DATA_DIR: mkdtempSync(join(tmpdir(), 'scrip-electron-')) },
    });
    const win = await app.firstWindow();
    expect(win.url()).toMatch(/^app:\/\/scrip\//);
    // Sandboxed, isolated, no Node: the page sees only the two functions of the preload.
    const seen = await win.evaluate(() => ({
      require: typeof (globalThis as { require?: unknown }).require,
      process: typeof (globalThis as { process?: unknown }).process,
      bridge: Object.keys((globalThis as unknown as { scrip: object }).scrip).sort(),
    }));
    expect(seen).toEqual({ require: 'undefined', process: 'undefined', bridge: ['invoke', 'on'] });
    await expect(win.locator('[data-reader]').first()).toBeVisible();
    await app.close();
  });
});
