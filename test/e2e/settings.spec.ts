// Settings in real Chromium (browser mode): add an environment with mistakes (error summary linking
// to each field), fix it, check its services over TLS, choose it; axe finds nothing serious.
import { test, expect, type Page, type BrowserContext } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startScrip, type ScripProcess } from './support/scrip-process';

let scrip: ScripProcess;
let context: BrowserContext;
let page: Page;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
  scrip = await startScrip(['start', '--browser', '--no-open'], { SCRIP_VIRTUAL_CARD: 'off' });
  context = await browser.newContext();
  page = await context.newPage();
  await page.goto(scrip.ready.open!);
  await page.goto(new URL('/#/settings', scrip.ready.url).toString());
});
test.afterAll(async () => {
  try { await context?.close(); } finally { await scrip?.stop(); }
});

async function noSeriousViolations(): Promise<void> {
  const r = await new AxeBuilder({ page }).analyze();
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}

test('the built-in sandbox is listed and in use; the page passes axe', async () => {
  await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
  const row = page.locator('[data-environment="sandbox"]');
  await expect(row).toContainText('In use');
  await expect(row.getByRole('button', { name: /Remove/ })).toHaveCount(0);
  await noSeriousViolations();
});

test('mistakes are listed in an error summary that links to each field; nothing is saved', async () => {
  await page.getByRole('button', { name: 'Add an environment' }).click();
  const form = page.getByTestId('environment-form');
  await form.getByLabel('Short name').fill('Second');
  await form.getByLabel('Label').fill('Second sandbox');
  await form.getByLabel('Security broker address').fill(String(scrip.ready.services).replace('https:', 'http:'));
  await form.getByLabel('EPS address').fill(`${scrip.ready.services}/FHIR/R4`);
  await form.getByLabel('Patient index address').fill(String(scrip.ready.services));
  await form.getByLabel('CA certificates (PEM)').fill('not a certificate');
  await form.getByRole('button', { name: 'Save environment' }).click();
  const summary = page.getByRole('alert').filter({ hasText: 'There is a problem' });
  await expect(summary).toBeFocused();
  await expect(summary.getByRole('link')).toHaveCount(3);
  await summary.getByRole('link', { name: /https:\/\// }).click();
  await expect(form.getByLabel('Security broker address')).toBeFocused();
  await expect(form.getByLabel('Security broker address')).toHaveAttribute('aria-invalid', 'true');
  await noSeriousViolations();
});

test('fixed, it is saved, checked over trusted TLS and chosen for the next session', async () => {
  const form = page.getByTestId('environment-form');
  await form.getByLabel('Short name').fill('second');
  await form.getByLabel('Security broker address').fill(String(scrip.ready.services));
  await form.getByLabel('CA certificates (PEM)').fill(readFileSync(join(scrip.dataDir, 'sandbox', 'ca', 'root.pem'), 'utf8'));
  await form.getByRole('button', { name: 'Save environment' }).click();
  const row = page.locator('[data-environment="second"]');
  await expect(row).toContainText('Scrip Sandbox Root');
  await expect(page.getByTestId('settings-status')).toHaveText('Second sandbox saved.');
  await row.getByRole('button', { name: 'Check Second sandbox' }).click();
  const result = page.getByTestId('check-second');
  await expect(result).toContainText('all services answer');
  await expect(result.getByText('OK', { exact: true })).toHaveCount(3);
  await row.getByRole('button', { name: 'Use Second sandbox for the next session' }).click();
  await expect(row).toContainText('In use');
  await expect(page.locator('[data-environment="sandbox"]')).not.toContainText('In use');
  await noSeriousViolations();
});
