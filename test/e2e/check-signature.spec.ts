// Dispense → "Check a signature" in real Chromium (browser mode), by keyboard: reached from the
// Dispense page, an empty form names its problem, NHS England's signed ParentPrescriptions (chosen
// as files, or pasted) get each EPS check's verdict in a table; axe finds nothing serious. No card.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect, type Page, type BrowserContext } from '@playwright/test';
import { openScripInBrowser, repoRoot, type ScripProcess } from './support/scrip-process';
import { noSeriousViolations, press } from './support/pad';

const fixtures = join(repoRoot, 'test', 'fixtures', 'eps-signed-prescriptions');
let scrip: ScripProcess;
let context: BrowserContext;
let page: Page;

test.describe.configure({ mode: 'serial' });
test.use({ actionTimeout: 15_000 });

test.beforeAll(async ({ browser }) => {
  ({ scrip, context, page } = await openScripInBrowser(browser));
  await page.goto(new URL('/#/dispense', scrip.ready.url).toString());
});
test.afterAll(async () => {
  try {
    await context?.close();
  } finally {
    await scrip?.stop();
  }
});

const row = (id: string) => page.locator(`[data-testid="signature-checks"] tr[data-check="${id}"]`);

test('reached from Dispense by keyboard; an empty form says what to give', async () => {
  await press(page, page.getByRole('link', { name: 'Check a signature' }), 'Enter');
  await expect(page.getByRole('heading', { level: 1, name: 'Check a signature' })).toBeVisible();
  await noSeriousViolations(page, 'check-signature-empty');
  await press(page, page.getByRole('button', { name: 'Check the signature' }), 'Enter');
  const summary = page.getByRole('alert');
  await expect(summary).toContainText('Paste a signed prescription, or choose its file.');
  await expect(summary).toBeFocused();
  await press(page, summary.getByRole('link'), 'Enter');
  await expect(page.getByLabel('Signed prescription')).toBeFocused();
  await noSeriousViolations(page, 'check-signature-problem');
});

test('a validly signed, indented ParentPrescription chosen as a file: every check EPS makes passes; chain and CRL need a trust bundle', async () => {
  await page.getByLabel('Or choose the file').setInputFiles(join(fixtures, 'ValidSignature.xml'));
  await expect(page.getByLabel('Signed prescription')).toHaveValue(/<ParentPrescription/);
  await press(page, page.getByRole('button', { name: 'Check the signature' }), 'Enter');
  const report = page.getByTestId('signature-report');
  await expect(report).toHaveAttribute('data-verdict', 'not-fully-checked');
  await expect(page.getByRole('heading', { level: 2, name: 'Signature not fully checked' })).toBeFocused();
  for (const id of ['format', 'one-certificate', 'signature', 'digest', 'validity'])
    await expect(row(id)).toHaveAttribute('data-result', 'pass');
  for (const id of ['chain', 'revocation']) await expect(row(id)).toHaveAttribute('data-result', 'not-checked');
  await expect(row('digest')).toContainText('m/VBo4VL+8VkPnjOeOEnfbJIvdM=');
  await noSeriousViolations(page, 'check-signature-valid');
});

test("pasted, a signature that does not match its prescription fails the digest check, in EPS's words", async () => {
  const text = readFileSync(join(fixtures, 'SignatureDoesNotMatchPrescription.xml'), 'utf8');
  const area = page.getByLabel('Signed prescription');
  await area.focus();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Backspace');
  await page.keyboard.insertText(text); // a paste: one input event with the whole text
  await press(page, page.getByRole('button', { name: 'Check the signature' }), 'Enter');
  await expect(page.getByTestId('signature-report')).toHaveAttribute('data-verdict', 'invalid');
  await expect(page.getByRole('heading', { level: 2, name: /Signature not valid/ })).toBeFocused();
  await expect(row('digest')).toHaveAttribute('data-result', 'fail');
  await expect(row('digest')).toContainText('EPS says: "Signature doesn\'t match prescription"');
  await expect(row('signature')).toHaveAttribute('data-result', 'fail');
  await noSeriousViolations(page, 'check-signature-invalid');
});

test('text that is not a prescription is refused with what to give instead', async () => {
  const area = page.getByLabel('Signed prescription');
  await area.focus();
  await page.keyboard.press('Control+A');
  await page.keyboard.insertText('{"resourceType":"Patient"}');
  await press(page, page.getByRole('button', { name: 'Check the signature' }), 'Enter');
  const summary = page.getByRole('alert');
  await expect(summary).toContainText('The signature could not be checked');
  await expect(summary).toContainText('HL7 v3 ParentPrescription');
  await noSeriousViolations(page, 'check-signature-error');
});
