// The pad's journeys, counted: every key press and click a prescriber makes from "Start a new
// prescription" to a signed prescription (test/e2e/support/input-counter.ts says what counts).
// Real Chromium against `scrip start --browser`, the embedded sandbox, a virtual card in vpcd;
// keyboard only — the test never moves focus itself, so each field must have focus when it is
// needed or be reached by counted Tab presses. axe-core checks each new screen. The figures are
// in docs/performance.md.
import { test, expect, type Page, type BrowserContext } from '@playwright/test';
import { openScripInBrowser, type ScripProcess } from './support/scrip-process';
import { noSeriousViolations, typeInto, press } from './support/pad';
import { InputCounter } from './support/input-counter';
import { virtualCardFor, type TestCard } from '../support/virtual-card';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const PIN = '482913';
const TARGET = 15;
let scrip: ScripProcess;
let card: TestCard;
let context: BrowserContext;
let page: Page;
let firstId = '';

test.describe.configure({ mode: 'serial' });
test.use({ actionTimeout: 15_000 });

test.beforeAll(async ({ browser }) => {
  ({ scrip, context, page } = await openScripInBrowser(browser));
  card = virtualCardFor(scrip.dataDir, { pin: PIN });
});
test.afterAll(async () => {
  await card?.remove().catch(() => undefined);
  await context?.close();
  await scrip?.stop();
});

const heading = (name: string | RegExp) => page.getByRole('heading', { level: 1, name });
const button = (name: string | RegExp) => page.getByRole('button', { name });

/** The Prescribe page, reached from the navigation (not counted: the journeys start here). */
async function toPrescribe(): Promise<void> {
  await press(page, page.getByRole('link', { name: 'Prescribe', exact: true }), 'Enter');
  await expect(button('Start a new prescription'), "the page's one action has focus").toBeFocused();
}

/** From the review page: the passcode has focus; type it, Enter signs; EPS accepts it. */
async function signFromReview(c: InputCounter): Promise<void> {
  await expect(heading('Check the prescription before you sign')).toBeVisible();
  await expect(page.getByTestId('patient-banner'), 'the banner stays on the review step').toContainText('944 930 5552');
  await c.type(page.getByLabel('Card passcode'), PIN);
  await c.press('Enter');
  await expect(heading('Prescription signed')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('sent-status')).toHaveAttribute('data-status', 'accepted', { timeout: 20_000 });
}

function record(c: InputCounter): void {
  test.info().annotations.push({ type: 'inputs', description: c.summary() });
  console.log(c.summary());
  c.atMost(TARGET);
}

test('log in with the card and a prescribing role', async () => {
  await card.insert();
  await expect(page.getByTestId('card-holder')).toContainText('555086689106');
  await typeInto(page, page.getByLabel('Passcode', { exact: true }), PIN);
  await page.keyboard.press('Enter');
  await press(page, page.getByLabel(/at HALLGARTH SURGERY/), 'Space');
  await press(page, button('Use this role'), 'Enter');
  await expect(page.getByTestId('session-status')).toContainText('HALLGARTH SURGERY');
});

test('an acute one-item prescription for a known patient: at most 15 inputs, keyboard only, dose shortcut fills quantity and days', async () => {
  await toPrescribe();
  const c = new InputCounter(page, 'acute, one item, known patient');
  await c.press('Enter');
  await expect(heading('Find the patient')).toBeVisible();
  await c.type(page.getByLabel('NHS number'), '9449305552');
  await c.press('Enter');
  const choose = button(/^Prescribe for .*Octavia CHISLETT/);
  await expect(choose, 'the patient found is shown, and the one press that confirms them has focus').toBeFocused();
  await expect(page.getByTestId('patient-details')).toContainText('944 930 5552');
  await expect(page.getByTestId('earlier-prescriptions')).toContainText('None written in Scrip');
  await noSeriousViolations(page, 'journey: patient found');
  await c.press('Enter');
  await expect(heading('Write the prescription')).toBeVisible();
  const banner = page.getByTestId('patient-banner');
  await expect(banner, 'the banner names the patient').toContainText('Octavia CHISLETT');
  await expect(banner).toContainText('944 930 5552');
  await expect(banner, 'and their nominated pharmacy').toContainText('FCG71');
  await expect(banner, 'and their age').toContainText(/\(\d+ years\)/);
  const box = page.getByRole('combobox', { name: 'Medicine' });
  await c.type(box, 'amox');
  await expect(page.getByRole('option', { name: /Amoxicillin 250mg capsules/ })).toBeVisible();
  await c.press('ArrowDown');
  await c.press('Enter');
  await expect(page.getByTestId('chosen-medicine')).toContainText('Amoxicillin 250mg capsules');
  const dose = page.getByLabel('Dose', { exact: true });
  await c.type(dose, '1 tds 5/7');
  await expect(page.getByTestId('dose-reads')).toContainText('One capsule three times a day for 5 days');
  await expect(page.getByLabel('Quantity', { exact: true }), 'exact dose units: 1 × 3 × 5').toHaveValue('15');
  await expect(page.getByLabel('Days of supply'), 'days of supply from the course').toHaveValue('5');
  await expect(page.getByLabel('Dosage instructions')).toHaveValue('One capsule three times a day for 5 days');
  await noSeriousViolations(page, 'journey: one-screen item entry');
  await c.press('Enter');
  const item = page.locator('[data-item]');
  await expect(item).toHaveCount(1);
  await expect(item).toContainText('15 capsules');
  await expect(item).toContainText('5 days');
  await expect(button('Continue to review'), 'after Enter adds the item, review is one press away').toBeFocused();
  await expect(page.getByTestId('live-region')).toContainText('Amoxicillin 250mg capsules added as item 1');
  await noSeriousViolations(page, 'journey: item added');
  await c.press('Enter');
  await expect(page.getByLabel('Card passcode'), 'the passcode comes last, with focus').toBeFocused();
  await noSeriousViolations(page, 'journey: review');
  await signFromReview(c);
  firstId = /#\/prescribe\/([0-9a-f-]{36})\//.exec(page.url())![1]!;
  record(c);
});

test("prescribe again from the patient's earlier prescriptions: counted, the copy confirmed with the patient just seen", async () => {
  await toPrescribe();
  const c = new InputCounter(page, 'prescribe again, from the patient found');
  await c.press('Enter');
  await expect(heading('Find the patient')).toBeVisible();
  const started = /#\/prescribe\/([0-9a-f-]{36})\//.exec(page.url())![1]!;
  await c.type(page.getByLabel('NHS number'), '9449305552');
  await c.press('Enter');
  const earlier = page.getByTestId('earlier-prescriptions');
  await expect(earlier.locator(`[data-earlier="${firstId}"]`), 'the prescription just signed is listed').toContainText(
    'Amoxicillin 250mg capsules',
  );
  await noSeriousViolations(page, 'journey: earlier prescriptions');
  await c.tabTo(earlier.getByRole('button', { name: /^Prescribe again\W+Amoxicillin/ }));
  await c.press('Enter');
  await expect(heading('Write the prescription')).toBeVisible();
  await expect(page.locator('[data-item]'), 'the items are copied').toContainText(
    'One capsule three times a day for 5 days',
  );
  await expect(button('Continue to review'), 'with items already there, review has focus').toBeFocused();
  expect(page.url(), 'a new draft, not the one started to find the patient').not.toContain(started);
  await c.press('Enter');
  await signFromReview(c);
  record(c);
  // The draft started only to find the patient is gone, not left among the drafts.
  await toPrescribe();
  await expect(page.locator(`[data-draft="${started}"]`)).toHaveCount(0);
});

test('prescribe again from a signed prescription: the patient is confirmed again with one press; counted', async () => {
  await page.goto(new URL(`/#/prescribe/${firstId}/sent`, scrip.ready.url).toString());
  await expect(heading('Prescription signed')).toBeVisible();
  await expect(page.getByTestId('patient-banner')).toContainText('Octavia CHISLETT');
  await page.getByRole('heading', { level: 1 }).focus();
  const c = new InputCounter(page, 'prescribe again, from the signed prescription');
  await c.tabTo(button('Prescribe again'), 12);
  await c.press('Enter');
  await expect(heading('Is this the right patient?')).toBeVisible();
  await expect(button(/^Yes, prescribe for .*Octavia CHISLETT/)).toBeFocused();
  await noSeriousViolations(page, 'journey: confirm the copied patient');
  await c.press('Enter');
  await expect(button('Continue to review')).toBeFocused();
  await c.press('Enter');
  await signFromReview(c);
  record(c);
});

test('a dose shortcut that cannot be read is said on the field, and nothing is added', async () => {
  await toPrescribe();
  await page.keyboard.press('Enter');
  await typeInto(page, page.getByLabel('NHS number'), '9000000017');
  await page.keyboard.press('Enter');
  await press(page, button(/^Prescribe for /), 'Enter');
  await expect(page.getByRole('combobox', { name: 'Medicine' })).toBeFocused();
  await page.keyboard.type('salb');
  await expect(page.getByRole('option', { name: /Salbutamol/ })).toBeVisible();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  const dose = page.getByLabel('Dose', { exact: true });
  await expect(dose, 'focus moves from the chosen medicine to the dose, not the page body').toBeFocused();
  await page.keyboard.type('2 puffs qds fortnight');
  await page.keyboard.press('Enter');
  const summary = page.locator('.nhsuk-error-summary');
  await expect(summary).toBeFocused();
  await expect(summary).toContainText('"fortnight" was not understood');
  await expect(page.locator('[data-item]')).toHaveCount(0);
  await noSeriousViolations(page, 'dose shortcut not understood');
  await typeInto(page, dose, '2 puffs qds prn');
  await expect(page.getByLabel('Quantity', { exact: true }), 'an inhaler as needed: one whole pack').toHaveValue('200');
  await expect(page.getByTestId('dose-reads')).toContainText('Two puffs up to four times a day when required');
  await page.keyboard.press('Enter');
  await expect(page.locator('[data-item]')).toContainText('200 doses');
});

test('a repeat, signed: the treatment type is chosen on the same page, reached from review', async () => {
  await press(page, button('Continue to review'), 'Enter');
  await press(page, page.getByRole('link', { name: 'Change treatment type' }), 'Enter');
  await expect(
    page.getByTestId('treatment'),
    'Change from review lands on the treatment type, on the one screen',
  ).toBeFocused();
  await press(page, page.getByLabel('Repeat prescribing'), 'Space');
  await expect(page.getByTestId('save-status')).toHaveAttribute('data-state', 'saved');
  await press(page, button('Continue to review'), 'Enter');
  await expect(page.getByTestId('review-prescription')).toContainText('Repeat prescribing');
  await expect(page.getByLabel('Card passcode')).toBeFocused();
  await page.keyboard.type(PIN);
  await page.keyboard.press('Enter');
  await expect(heading('Prescription signed')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('sent-status')).toHaveAttribute('data-status', 'accepted', { timeout: 20_000 });
});

test('re-issue a repeat from its template in one action: counted', async () => {
  await toPrescribe();
  const c = new InputCounter(page, 're-issue a repeat');
  await c.press('Enter');
  await expect(heading('Find the patient')).toBeVisible();
  await c.type(page.getByLabel('NHS number'), '9000000017');
  await c.press('Enter');
  const earlier = page.getByTestId('earlier-prescriptions');
  await expect(earlier).toContainText('Repeat');
  await noSeriousViolations(page, 'journey: repeat template');
  await c.tabTo(earlier.getByRole('button', { name: /^Re-issue repeat\W+Salbutamol/ }));
  await c.press('Enter');
  await expect(
    page.getByTestId('review-prescription'),
    'straight to review: the items and treatment come from the template',
  ).toContainText('Repeat prescribing');
  await expect(page.getByText(/Item 1: Salbutamol/)).toBeVisible();
  await expect(page.getByLabel('Card passcode')).toBeFocused();
  await c.type(page.getByLabel('Card passcode'), PIN);
  await c.press('Enter');
  await expect(heading('Prescription signed')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('sent-status')).toHaveAttribute('data-status', 'accepted', { timeout: 20_000 });
  record(c);
});

test('with nothing typed, the down arrow offers recent medicines and the practice formulary; a favourite comes first', async () => {
  writeFileSync(
    join(scrip.dataDir, 'formulary.json'),
    JSON.stringify({ name: 'Hallgarth formulary', medicines: [{ code: '322237000', note: 'first line for pain' }] }),
  );
  await toPrescribe();
  await page.keyboard.press('Enter');
  await typeInto(page, page.getByLabel('NHS number'), '9449305552');
  await page.keyboard.press('Enter');
  await press(page, button(/^Prescribe for /), 'Enter');
  const box = page.getByRole('combobox', { name: 'Medicine' });
  await expect(box).toBeFocused();
  await page.keyboard.press('ArrowDown');
  const list = page.getByRole('listbox', { name: 'Medicines found' });
  await expect(
    list.getByRole('option', { name: /Amoxicillin 250mg capsules.*Recent/ }),
    'a medicine this prescriber prescribed',
  ).toBeVisible();
  await expect(
    list.getByRole('option', { name: /Paracetamol 500mg soluble tablets.*Hallgarth formulary: first line for pain/ }),
    "the formulary file's medicine, with its note",
  ).toBeVisible();
  await expect(page.getByTestId('live-region')).toContainText('you use');
  await noSeriousViolations(page, 'shortlist');
  // The first is chosen with Enter; made a favourite, it is first next time.
  const first = (await list.getByRole('option').first().innerText()).split('\n')[0]!;
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('chosen-medicine')).toContainText(first);
  await press(page, page.getByTestId('favourite'), 'Enter');
  await expect(page.getByTestId('favourite')).toHaveText('Take off my favourites');
  await press(page, button('Choose another medicine'), 'Enter');
  await expect(box, 'back to the search, focused').toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(list.getByRole('option').first()).toContainText(`${first}`);
  await expect(list.getByRole('option').first()).toContainText('Favourite');
});
