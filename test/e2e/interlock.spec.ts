// Hazard H-15 in real Chromium (browser mode): with an environment that is not a Scrip sandbox in
// use, the virtual test card is refused before any passcode try, and the page says why and what to do.
// The environment's addresses lead nowhere: had Scrip tried to reach its broker, the error would be
// "could not be reached", not the interlock's.
import { test, expect, type Page, type BrowserContext } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import forge from 'node-forge';
import { openScripInBrowser, type ScripProcess } from './support/scrip-process';
import { typeInto } from './support/pad';
import { virtualCardFor, type TestCard } from '../support/virtual-card';

let scrip: ScripProcess;
let context: BrowserContext;
let page: Page;
let card: TestCard | undefined;
const PIN = '482913';

test.describe.configure({ mode: 'serial' });

/** A CA certificate that is not Scrip's, as an organisation's national CA bundle would be. */
function liveCaPem(): string {
  const keys = forge.pki.rsa.generateKeyPair(2048);
  const c = forge.pki.createCertificate();
  const name = [
    { shortName: 'C', value: 'GB' },
    { shortName: 'O', value: 'Example National CA' },
    { shortName: 'CN', value: 'Example Root CA' },
  ];
  c.publicKey = keys.publicKey;
  c.serialNumber = '01';
  c.validity.notBefore = new Date(Date.now() - 86_400_000);
  c.validity.notAfter = new Date(Date.now() + 365 * 86_400_000);
  c.setSubject(name);
  c.setIssuer(name);
  c.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true },
  ]);
  c.sign(keys.privateKey, forge.md.sha256.create());
  return forge.pki.certificateToPem(c);
}

test.beforeAll(async ({ browser }) => {
  ({ scrip, context, page } = await openScripInBrowser(browser));
  card = virtualCardFor(scrip.dataDir, { pin: PIN });
});
test.afterAll(async () => {
  await card?.remove().catch(() => undefined);
  try {
    await context?.close();
  } finally {
    await scrip?.stop();
  }
});

test('the virtual test card cannot log in to a live environment', async () => {
  await page.goto(new URL('/#/settings', scrip.ready.url).toString());
  await page.getByRole('button', { name: 'Add an environment' }).click();
  const form = page.getByTestId('environment-form');
  await form.getByLabel('Short name').fill('national');
  await form.getByLabel('Label').fill('National integration');
  // Port 9 (discard) on loopback: nothing answers there.
  await form.getByLabel('Security broker address').fill('https://127.0.0.1:9');
  await form.getByLabel('EPS address').fill('https://127.0.0.1:9/FHIR/R4');
  await form.getByLabel('Patient index address').fill('https://127.0.0.1:9');
  await form.getByLabel('CA certificates (PEM)').fill(liveCaPem());
  await form.getByRole('button', { name: 'Save environment' }).click();
  const row = page.locator('[data-environment="national"]');
  await expect(row, 'the live environment is saved').toContainText('Example Root CA');
  await row.getByRole('button', { name: 'Use National integration for the next session' }).click();
  await expect(row, 'and chosen for the next session').toContainText('In use');

  await page.goto(new URL('/#/', scrip.ready.url).toString());
  await card!.insert();
  await expect(page.getByTestId('card-holder'), 'the test card is read').toContainText('555086689106');
  await expect(page.getByTestId('pin-retries')).toHaveText('3 of 3');
  await typeInto(page, page.getByLabel('Passcode', { exact: true }), PIN);
  await page.keyboard.press('Enter');
  const alert = page.getByRole('alert').filter({ hasText: 'Scrip test card' });
  await expect(alert, 'the refusal names the test card and the environment').toContainText('"national"');
  await expect(alert, 'and says what to do').toContainText('choose the Scrip sandbox in Settings');
  await expect(page.getByTestId('pin-retries'), 'no passcode try was used').toHaveText('3 of 3');
  await expect(page.getByRole('heading', { name: /Logged in as/ }), 'no session was made').toHaveCount(0);
  const r = await new AxeBuilder({ page }).analyze();
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(
    bad.map((v) => v.id),
    'the refusal passes axe',
  ).toEqual([]);
});
