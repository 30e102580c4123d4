// Settings for a `cis2-apim` environment in real Chromium (browser mode), by keyboard: the
// authentication kind chosen, the CIS2 and APIM fields filled with mistakes (each named in the error
// summary, linked to its field), then fixed — no security broker address needed — saved with the
// application key going to the keychain, checked against the sandbox's CIS2 discovery, JWKS and APIM,
// and changed again keeping the stored key. axe finds nothing serious.
import { test, expect, type Page, type BrowserContext } from '@playwright/test';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openScripInBrowser, tabRpc, type ScripProcess } from './support/scrip-process';
import { noSeriousViolations, press, typeInto } from './support/pad';

let scrip: ScripProcess;
let context: BrowserContext;
let page: Page;
let services = '';
const keyPem = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();

test.describe.configure({ mode: 'serial' });
test.use({ actionTimeout: 15_000 });

test.beforeAll(async ({ browser }) => {
  ({ scrip, context, page } = await openScripInBrowser(browser));
  services = String(scrip.ready.services);
  await page.goto(new URL('/#/settings', scrip.ready.url).toString());
});
test.afterAll(async () => {
  try {
    await context?.close();
  } finally {
    await scrip?.stop();
  }
});

type Env = {
  name: string;
  auth: string;
  brokerUrl: string | null;
  cis2: { issuer: string | null; apimKeyId: string | null } | null;
};
const environment = async (name: string) =>
  (await tabRpc<{ environments: Env[] }>(page, 'environments.list')).environments.find((e) => e.name === name);

test("choosing CIS2 shows its fields instead of the broker's; each mistake is named and linked to its field", async () => {
  await press(page, page.getByRole('button', { name: 'Add an environment' }), 'Enter');
  const form = page.getByTestId('environment-form');
  await typeInto(page, form.getByLabel('Short name'), 'cis2-int');
  await typeInto(page, form.getByLabel('Label'), 'CIS2 sandbox');
  await press(page, form.getByLabel('CIS2, exchanged at APIM for EPS'), 'Space');
  await expect(form.getByLabel('Security broker address'), 'no broker for a cis2-apim environment').toHaveCount(0);
  await expect(form.getByLabel('Challenge digest'), 'nor its challenge digest').toHaveCount(0);
  await typeInto(page, form.getByLabel('CIS2 issuer address'), `${services.replace('https:', 'http:')}/cis2`);
  await typeInto(page, form.getByLabel('APIM token address'), `${services}/oauth2/token`);
  await typeInto(page, form.getByLabel('APIM client ID'), 'scrip-apim');
  await form
    .getByLabel('Application private key (PEM)')
    .fill(readFileSync(join(scrip.dataDir, 'sandbox', 'ca', 'root.pem'), 'utf8'));
  await typeInto(page, form.getByLabel('EPS address'), `${services}/FHIR/R4`);
  await typeInto(page, form.getByLabel('Patient index address'), services);
  await form
    .getByLabel('CA certificates (PEM)')
    .fill(readFileSync(join(scrip.dataDir, 'sandbox', 'ca', 'root.pem'), 'utf8'));
  await press(page, form.getByRole('button', { name: 'Save environment' }), 'Enter');
  const summary = page.getByRole('alert').filter({ hasText: 'There is a problem' });
  await expect(summary, 'the error summary takes the focus').toBeFocused();
  await expect(summary.getByRole('link'), 'issuer, client ID and key: one link each').toHaveCount(3);
  await expect(summary).toContainText('The CIS2 issuer URL must be an https:// address');
  await expect(summary).toContainText('Give the CIS2 client ID');
  await expect(summary).toContainText('a certificate, not a private key');
  await press(page, summary.getByRole('link', { name: /certificate, not a private key/ }), 'Enter');
  const key = form.getByLabel('Application private key (PEM)');
  await expect(key, 'the link leads to the key field').toBeFocused();
  await expect(key).toHaveAttribute('aria-invalid', 'true');
  await expect(
    form.locator('.nhsuk-form-group--error', { has: page.getByLabel('Application private key (PEM)') }),
  ).toContainText('Error: The application key is a certificate');
  await press(page, summary.getByRole('link', { name: /client ID/ }), 'Enter');
  await expect(form.getByLabel('CIS2 client ID')).toBeFocused();
  expect(await environment('cis2-int'), 'nothing was saved').toBeUndefined();
  await noSeriousViolations(page, 'cis2 environment with mistakes');
});

test('fixed, it is saved without a broker address and its CIS2 discovery, JWKS and APIM answer', async () => {
  const form = page.getByTestId('environment-form');
  // The discovery document's address is taken for the issuer's.
  await typeInto(page, form.getByLabel('CIS2 issuer address'), `${services}/cis2/.well-known/openid-configuration`);
  await typeInto(page, form.getByLabel('CIS2 client ID'), 'scrip.apps.sandbox');
  await form.getByLabel('Application private key (PEM)').fill(keyPem);
  await press(page, form.getByRole('button', { name: 'Save environment' }), 'Enter');
  await expect(page.getByTestId('settings-status')).toHaveText('CIS2 sandbox saved.');
  const row = page.locator('[data-environment="cis2-int"]');
  await expect(row).toContainText(`CIS2 + APIM: ${services}/cis2`);
  const saved = await environment('cis2-int');
  expect(saved?.auth, 'saved as cis2-apim').toBe('cis2-apim');
  expect(saved?.brokerUrl, 'with no broker').toBeNull();
  expect(saved?.cis2?.apimKeyId, 'the key is in the keychain, named by its thumbprint').toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(await page.content(), 'the key is never shown back').not.toContain(keyPem.split('\n')[1]!);
  await press(page, row.getByRole('button', { name: 'Check CIS2 sandbox' }), 'Enter');
  const result = page.getByTestId('check-cis2-int');
  await expect(result).toContainText('all services answer', { timeout: 20_000 });
  await expect(result.getByText('OK', { exact: true }), 'EPS, PDS, CIS2 discovery, JWKS and APIM').toHaveCount(5);
  await noSeriousViolations(page, 'cis2 environment saved and checked');
});

test('changed again, the stored key is kept when none is pasted', async () => {
  const before = (await environment('cis2-int'))?.cis2?.apimKeyId;
  const row = page.locator('[data-environment="cis2-int"]');
  await press(page, row.getByRole('button', { name: 'Change CIS2 sandbox' }), 'Enter');
  const form = page.getByTestId('environment-form');
  await expect(form.getByLabel('CIS2, exchanged at APIM for EPS'), 'the kind is shown').toBeChecked();
  await expect(form.getByLabel('CIS2 client ID')).toHaveValue('scrip.apps.sandbox');
  await expect(form.getByLabel('Application private key (PEM)'), 'the key is not shown').toHaveValue('');
  await expect(form).toContainText(`Leave empty to keep the key this computer's keychain holds (key ID ${before!})`);
  await typeInto(page, form.getByLabel('Label'), 'CIS2 sandbox (renamed)');
  await press(page, form.getByRole('button', { name: 'Save environment' }), 'Enter');
  await expect(page.getByTestId('settings-status')).toHaveText('CIS2 sandbox (renamed) saved.');
  expect((await environment('cis2-int'))?.cis2?.apimKeyId, 'the same key').toBe(before);
});
