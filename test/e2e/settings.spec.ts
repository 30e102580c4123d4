// Settings in real Chromium (browser mode): add an environment with mistakes (error summary linking
// to each field), fix it, check its services over TLS, choose it; axe finds nothing serious.
// Then, in that environment (no directory to ask), prescriber details: signing stops and the review
// links to them; mistakes are shown on their fields; once saved they are in the text the card signs.
import { test, expect, type Page, type BrowserContext } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openScripInBrowser, type ScripProcess } from './support/scrip-process';
import { press, typeInto } from './support/pad';
import { virtualCardFor, type TestCard } from '../support/virtual-card';

let scrip: ScripProcess;
let context: BrowserContext;
let page: Page;
let card: TestCard | undefined;
const PIN = '482913';

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
  ({ scrip, context, page } = await openScripInBrowser(browser));
  await page.goto(new URL('/#/settings', scrip.ready.url).toString());
});
test.afterAll(async () => {
  await card?.remove().catch(() => undefined);
  try {
    await context?.close();
  } finally {
    await scrip?.stop();
  }
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
  await form
    .getByLabel('CA certificates (PEM)')
    .fill(readFileSync(join(scrip.dataDir, 'sandbox', 'ca', 'root.pem'), 'utf8'));
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

const heading = (name: string | RegExp) => page.getByRole('heading', { level: 1, name });

test('outside the sandbox nothing says who is prescribing: the review says so and signing links to prescriber details', async () => {
  card = virtualCardFor(scrip.dataDir, { pin: PIN });
  await page.goto(new URL('/#/', scrip.ready.url).toString());
  await card.insert();
  await expect(page.getByTestId('card-holder')).toContainText('555086689106');
  await typeInto(page, page.getByLabel('Passcode', { exact: true }), PIN);
  await page.keyboard.press('Enter');
  await press(page, page.getByLabel(/at HALLGARTH SURGERY/), 'Space');
  await press(page, page.getByRole('button', { name: 'Use this role' }), 'Enter');
  await expect(page.getByTestId('session-status')).toContainText('HALLGARTH SURGERY');
  await page.goto(new URL('/#/settings', scrip.ready.url).toString());
  await expect(page.getByTestId('settings-prescriber')).toContainText('Not set');
  // A prescription written in the second environment, up to its review.
  await page.goto(new URL('/#/prescribe', scrip.ready.url).toString());
  await press(page, page.getByRole('button', { name: 'Start a new prescription' }), 'Enter');
  await typeInto(page, page.getByLabel('NHS number'), '9449305552');
  await page.keyboard.press('Enter');
  await press(page, page.getByRole('button', { name: /^Prescribe for / }), 'Enter');
  await typeInto(page, page.getByRole('combobox', { name: 'Medicine' }), 'amox');
  await expect(page.getByRole('option', { name: /Amoxicillin 250mg capsules/ })).toBeVisible();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await typeInto(page, page.getByLabel('Dose', { exact: true }), '1 tds 7/7');
  await page.keyboard.press('Enter');
  await expect(page.locator('[data-item]')).toContainText('21 capsules');
  await press(page, page.getByRole('button', { name: 'Continue to review' }), 'Enter');
  await expect(heading('Check the prescription before you sign')).toBeVisible();
  await expect(page.getByTestId('prescriber-details-missing')).toContainText('Your prescriber details are not set');
  await press(page, page.getByTestId('signed-text').locator('summary'), 'Enter');
  await expect(page.getByTestId('signed-text-unavailable')).toContainText('prescriber and organisation details');
  await typeInto(page, page.getByLabel('Card passcode'), PIN);
  await press(page, page.getByRole('button', { name: 'Sign and send' }), 'Enter');
  const summary = page.getByRole('alert').filter({ hasText: 'The prescription was not signed' });
  await expect(summary).toBeFocused({ timeout: 20_000 });
  await expect(summary).toContainText('prescriber and organisation details');
  await noSeriousViolations();
  await press(page, summary.getByRole('link', { name: 'Enter your prescriber details' }), 'Enter');
  await expect(heading('Prescriber details')).toBeFocused();
  await expect(page.getByTestId('prescriber-source')).toHaveAttribute('data-source', 'none');
  await expect(page.getByTestId('prescriber-source')).toContainText('no directory Scrip can ask');
});

test('prescriber details: every problem Scrip finds is on its field; once saved, they are what the card signs', async () => {
  const form = page.getByTestId('prescriber-form');
  await press(page, form.getByLabel('General Medical Council (GMC)'), 'Space');
  await typeInto(page, form.getByLabel('Registration number'), '12345');
  await typeInto(page, form.getByLabel('Your work telephone number'), '0113 496 0000');
  await typeInto(page, form.getByLabel('Organisation name'), 'Hallgarth Surgery (settings)');
  await typeInto(page, form.getByLabel('Postcode'), 'not a postcode');
  await press(page, form.getByRole('button', { name: 'Save prescriber details' }), 'Enter');
  const summary = page.getByRole('alert').filter({ hasText: 'There is a problem' });
  await expect(summary).toBeFocused();
  await expect(summary).toContainText('A GMC number is 7 digits.');
  await expect(summary).toContainText('Enter at least one address line.');
  await expect(summary).toContainText('Enter a UK postcode, e.g. LS1 6AE.');
  await expect(page.getByTestId('live-region')).toContainText('Nothing was saved');
  await press(page, summary.getByRole('link', { name: 'A GMC number is 7 digits.' }), 'Enter');
  const code = form.getByLabel('Registration number');
  await expect(code).toBeFocused();
  await expect(code).toHaveAttribute('aria-invalid', 'true');
  await expect(form.locator('.nhsuk-form-group--error', { has: page.getByLabel('Registration number') })).toContainText(
    'Error: A GMC number is 7 digits.',
  );
  await noSeriousViolations();
  await typeInto(page, code, '1234567');
  await typeInto(page, form.getByLabel('Organisation telephone number'), '0113 496 0001');
  await typeInto(page, form.getByLabel('Address line 1'), '1 Church Street');
  await typeInto(page, form.getByLabel('Town or city (optional)'), 'Leeds');
  await typeInto(page, form.getByLabel('Postcode'), 'ls1 6ae');
  // Primary care (0101) needs the organisation the practice belongs to: Scrip says so on that field.
  await press(page, form.getByRole('button', { name: 'Save prescriber details' }), 'Enter');
  await expect(summary).toBeFocused();
  await expect(summary.getByRole('link')).toHaveCount(1);
  await press(page, summary.getByRole('link', { name: /Primary care prescriptions need the organisation/ }), 'Enter');
  await expect(form.getByLabel('Its ODS code')).toBeFocused();
  await typeInto(page, form.getByLabel('Its ODS code'), 'qwo');
  await typeInto(page, form.getByLabel('Its name'), 'NHS West Yorkshire ICB');
  await press(page, form.getByRole('button', { name: 'Save prescriber details' }), 'Enter');
  await expect(
    page.getByTestId('prescriber-saved').getByRole('heading', { name: 'Your prescriber details are saved' }),
  ).toBeFocused();
  await expect(page.getByTestId('live-region')).toHaveText('Prescriber details saved for this role.');
  await expect(page.getByTestId('prescriber-source')).toHaveAttribute('data-source', 'settings');
  const saved = page.getByTestId('prescriber-saved-details');
  await expect(saved).toContainText('1234567');
  await expect(saved).toContainText('LS1 6AE');
  await expect(saved).toContainText('NHS West Yorkshire ICB (QWO)');
  await noSeriousViolations();
  // Back at the review, the saved details are in the text the card signs.
  await press(page, page.getByRole('link', { name: 'Go back to the prescription' }), 'Enter');
  await expect(heading('Check the prescription before you sign')).toBeVisible();
  await expect(page.getByTestId('prescriber-details-missing')).toHaveCount(0);
  await press(page, page.getByTestId('signed-text').locator('summary'), 'Enter');
  const text = page.getByTestId('signed-text').locator('pre');
  await expect(text).toContainText('Hallgarth Surgery (settings)');
  await expect(text).toContainText('LS1 6AE');
  await expect(text).toContainText('9449305552');
  // Signed with them, EPS (the sandbox's) accepts the prescription.
  await typeInto(page, page.getByLabel('Card passcode'), PIN);
  await press(page, page.getByRole('button', { name: 'Sign and send' }), 'Enter');
  await expect(heading('Prescription signed')).toBeVisible({ timeout: 20_000 });
  await expect(page.getByTestId('sent-status')).toHaveAttribute('data-status', 'accepted', { timeout: 20_000 });
});
