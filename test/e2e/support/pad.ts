// Helpers for the prescription pad specs: axe checks, keyboard-only form filling, and reading a
// token PDF's barcode the way a pharmacy scanner would (poppler at 300 dpi, then zbar).
import { expect, type Locator, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** No serious or critical axe-core violations on the page as it is now (and, with SCRIP_E2E_SCREENSHOTS=dir, a full-page picture for review). */
export async function noSeriousViolations(page: Page, where: string): Promise<void> {
  const dir = process.env.SCRIP_E2E_SCREENSHOTS;
  if (dir) await page.screenshot({ path: join(dir, `${where.replace(/[^a-z0-9]+/gi, '-')}.png`), fullPage: true });
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join('; ')})`);
  expect(bad, `axe on ${where}`).toEqual([]);
}

/** Focuses a control and types into it, as a keyboard user would (clearing it first). */
export async function typeInto(page: Page, control: Locator, text: string): Promise<void> {
  await control.focus();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Backspace');
  if (text) await page.keyboard.type(text);
}

/** Focuses a control and presses a key on it (Enter for buttons and links, Space for radios and checkboxes). */
export async function press(page: Page, control: Locator, key: 'Enter' | 'Space'): Promise<void> {
  await control.focus();
  await page.keyboard.press(key);
}

/** The text of the Code 128 barcode in a PDF, read by zbarimg after rendering with pdftoppm. */
export function barcodeInPdf(pdfPath: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'scrip-token-'));
  try {
    execFileSync('pdftoppm', ['-r', '300', '-png', '-singlefile', pdfPath, join(dir, 'token')]);
    return execFileSync('zbarimg', ['-q', '--raw', join(dir, 'token.png')], { encoding: 'utf8' }).trim();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
