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
  const bad = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join('; ')})`);
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

/**
 * The pad from an empty start to EPS's answer, by keyboard: patient 9000000017, Azithromycin 250mg
 * capsules, reviewed, signed with the card's passcode and sent; waits until the sandbox's EPS accepted it.
 */
export async function signOnePrescription(page: Page, scripUrl: string, pin: string): Promise<void> {
  const heading = (name: string | RegExp) => page.getByRole('heading', { level: 1, name });
  const button = (name: string | RegExp) => page.getByRole('button', { name });
  await page.goto(new URL('/#/prescribe', scripUrl).toString());
  await press(page, button('Start a new prescription'), 'Enter');
  await typeInto(page, page.getByLabel('NHS number'), '9000000017');
  await page.keyboard.press('Enter');
  // The patient found is shown with the one press that confirms them (the one-screen pad, #16).
  await press(page, button(/^Prescribe for /), 'Enter');
  await expect(heading('Write the prescription')).toBeVisible();
  await typeInto(page, page.getByRole('combobox', { name: 'Medicine' }), 'azith');
  await expect(page.getByRole('option', { name: /Azithromycin 250mg capsules/ })).toBeVisible();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await typeInto(page, page.getByLabel('Dose', { exact: true }), '2 od 3d');
  await expect(page.getByLabel('Quantity', { exact: true }), 'the dose shortcut works out the quantity').toHaveValue(
    '6',
  );
  await page.keyboard.press('Enter');
  await expect(page.locator('[data-item]'), 'Enter added the item').toHaveCount(1);
  await press(page, button('Continue to review'), 'Enter');
  await expect(heading('Check the prescription before you sign')).toBeVisible();
  await typeInto(page, page.getByLabel('Card passcode'), pin);
  await press(page, button('Sign and send'), 'Enter');
  await expect(heading('Prescription signed')).toBeVisible({ timeout: 20_000 });
  await expect(page.getByTestId('sent-status'), 'EPS accepted the signed prescription').toHaveAttribute(
    'data-status',
    'accepted',
    { timeout: 20_000 },
  );
}

/** With the card's holder shown, the passcode typed and a role at HALLGARTH SURGERY chosen, by keyboard. */
export async function logInWithRole(page: Page, pin: string): Promise<void> {
  await expect(page.getByTestId('card-holder')).toContainText('555086689106', { timeout: 20_000 });
  await typeInto(page, page.getByLabel('Passcode', { exact: true }), pin);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: /Logged in as DR CLARE BOIN/ })).toBeVisible({ timeout: 20_000 });
  await press(page, page.getByLabel(/at HALLGARTH SURGERY/), 'Space');
  await press(page, page.getByRole('button', { name: 'Use this role' }), 'Enter');
  await expect(page.getByTestId('session-status')).toContainText('HALLGARTH SURGERY');
}
