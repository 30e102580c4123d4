// The prescription pad as a prescriber uses it, in real Chromium against `scrip start --browser`,
// with a virtual card in the real vpcd reader and the embedded sandbox over HTTPS — by keyboard:
// log in, find a patient (NHS number checked as typed; by name and date of birth), write a
// two-item acute prescription and a repeat-dispensing one on the one-screen pad (items typed inline
// with dose shortcuts), review, sign both in one batch, see
// both accepted by EPS, print the token (its barcode read back by zbar), track and cancel one item.
// axe-core checks every screen.
import { test, expect, type Page, type BrowserContext } from '@playwright/test';
import { openScripInBrowser, type ScripProcess } from './support/scrip-process';
import { noSeriousViolations, typeInto, press, barcodeInPdf } from './support/pad';
import { virtualCardFor, type TestCard } from '../support/virtual-card';
import { commandExists } from '../support/system';
import { generateSyntheticRelease, writeSyntheticReleaseZip } from '../../main/prescribing/dmd/synthetic';

const PIN = '482913';
let scrip: ScripProcess;
let card: TestCard;
let context: BrowserContext;
let page: Page;
const ids: { acute?: string; repeat?: string; acuteLongFormId?: string } = {};

test.describe.configure({ mode: 'serial' });
test.use({ actionTimeout: 15_000 });

test.beforeAll(async ({ browser }) => {
  ({ scrip, context, page } = await openScripInBrowser(browser, { acceptDownloads: true }));
  card = virtualCardFor(scrip.dataDir, { pin: PIN });
});
test.afterAll(async () => {
  await card?.remove().catch(() => undefined);
  await context?.close();
  await scrip?.stop();
});

const heading = (name: string | RegExp) => page.getByRole('heading', { level: 1, name });
const button = (name: string | RegExp) => page.getByRole('button', { name });

test('log in with the card and choose a prescribing role, by keyboard', async () => {
  await card.insert();
  await expect(page.getByTestId('card-holder')).toContainText('555086689106');
  await typeInto(page, page.getByLabel('Passcode', { exact: true }), PIN);
  await page.keyboard.press('Enter');
  await press(page, page.getByLabel(/at HALLGARTH SURGERY/), 'Space');
  await press(page, button('Use this role'), 'Enter');
  await expect(page.getByTestId('session-status')).toContainText('HALLGARTH SURGERY');
});

test('a prescriber is not offered dispensing: the Dispense page says why, with no release buttons', async () => {
  await page.goto(new URL('/#/dispense', scrip.ready.url).toString());
  await expect(page.getByTestId('cannot-dispense'), 'the page explains the role is not a pharmacy role').toContainText(
    'not a pharmacy role',
  );
  await expect(
    page.getByRole('button', { name: /Release all nominated/ }),
    'nothing is offered that would be refused after the click',
  ).toHaveCount(0);
});

test('in the sandbox, prescriber details come from its directory, explained on their page', async () => {
  await press(page, page.getByRole('link', { name: 'Settings', exact: true }), 'Enter');
  const section = page.getByTestId('settings-prescriber');
  await expect(section).toContainText("From the sandbox's directory");
  await press(page, section.getByRole('link', { name: 'See or change the prescriber details for your role' }), 'Enter');
  await expect(heading('Prescriber details')).toBeFocused();
  await expect(page.getByTestId('prescriber-source')).toHaveAttribute('data-source', 'directory');
  await expect(page.getByTestId('prescriber-source')).toContainText('signing works without entering anything');
  await expect(page.getByTestId('prescriber-form')).toHaveCount(0);
  await noSeriousViolations(page, 'prescriber details from the directory');
});

test('find the patient by NHS number: a wrong check digit is explained as it is typed', async () => {
  await press(page, page.getByRole('link', { name: 'Prescribe', exact: true }), 'Enter');
  await expect(button('Start a new prescription'), "the page's one action has focus").toBeFocused();
  await noSeriousViolations(page, 'prescribe start');
  await press(page, button('Start a new prescription'), 'Enter');
  await expect(heading('Find the patient')).toBeVisible();
  const nhs = page.getByLabel('NHS number');
  await expect(nhs, 'focus is on the first field, not the heading').toBeFocused();
  await typeInto(page, nhs, '944930555');
  await expect(page.locator('.nhsuk-error-message')).toHaveCount(0);
  await page.keyboard.type('3');
  await expect(page.locator('.nhsuk-error-message')).toContainText('not a valid NHS number');
  await expect(nhs).toHaveAttribute('aria-describedby', /error/);
  await noSeriousViolations(page, 'find patient with an error');
  await typeInto(page, nhs, '944 930 5552');
  await expect(page.locator('.nhsuk-error-message')).toHaveCount(0);
  await page.keyboard.press('Enter');
  // The patient found is shown in full, and confirmed with one press that names them.
  const details = page.getByTestId('patient-details');
  await expect(details).toContainText('Octavia CHISLETT');
  await expect(details).toContainText('944 930 5552');
  await expect(page.getByTestId('nominated-pharmacy')).toContainText('FCG71');
  await expect(button('Prescribe for Ms Octavia CHISLETT')).toBeFocused();
  await noSeriousViolations(page, 'confirm patient');
  await page.keyboard.press('Enter');
  await expect(heading('Write the prescription')).toBeVisible();
  await expect(
    page.getByRole('combobox', { name: 'Medicine' }),
    'the medicine search has focus on arrival',
  ).toBeFocused();
  await expect(page.getByTestId('patient-banner')).toContainText('944 930 5552');
  // How it is prescribed is on the same page: acute, to the nominated pharmacy, unless changed.
  await expect(page.getByLabel('Acute')).toBeChecked();
  await expect(page.getByLabel(/nominated pharmacy/)).toBeChecked();
  await noSeriousViolations(page, 'write the prescription');
  ids.acute = /#\/prescribe\/([0-9a-f-]{36})\//.exec(page.url())![1];
});

/** A new acute draft for the patient with this NHS number, confirmed, up to the items page. */
async function acuteDraftFor(nhsNumber: string): Promise<void> {
  await page.goto(new URL('/#/prescribe', scrip.ready.url).toString());
  await press(page, button('Start a new prescription'), 'Enter');
  await typeInto(page, page.getByLabel('NHS number'), nhsNumber);
  await page.keyboard.press('Enter');
  await press(page, button(/^Prescribe for /), 'Enter');
  await expect(heading('Write the prescription')).toBeVisible();
}

/** Adds an item on the one-screen pad: medicine, then a dose shortcut and/or the words, a quantity if typed, days if given; the Add item button. */
async function addItem(
  search: string,
  choose: RegExp,
  dosage: { shortcut?: string; text?: string; quantity?: string; days?: string },
): Promise<void> {
  const before = await page.locator('[data-item]').count();
  const box = page.getByRole('combobox', { name: 'Medicine' });
  await typeInto(page, box, search);
  const list = page.getByRole('listbox', { name: 'Medicines found' });
  await expect(list.getByRole('option', { name: choose })).toBeVisible();
  await expect(box).toHaveAttribute('aria-expanded', 'true');
  await expect(page.getByTestId('live-region')).toContainText(/medicines? found/);
  await noSeriousViolations(page, `medicine search "${search}"`);
  await page.keyboard.press('ArrowDown');
  await expect(box).toHaveAttribute('aria-activedescendant', /.+/);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('chosen-medicine')).toContainText(choose);
  await expect(page.getByLabel('Dose', { exact: true }), 'focus moves on to the dose').toBeFocused();
  if (dosage.shortcut) await page.keyboard.type(dosage.shortcut);
  if (dosage.text) await typeInto(page, page.getByLabel('Dosage instructions'), dosage.text);
  if (dosage.quantity) await typeInto(page, page.getByLabel('Quantity', { exact: true }), dosage.quantity);
  if (dosage.days) await typeInto(page, page.getByLabel('Days of supply'), dosage.days);
  await noSeriousViolations(page, `item entry for ${search}`);
  await press(page, button('Add item'), 'Enter');
  await expect(page.locator('[data-item]')).toHaveCount(before + 1);
}

test('write a two-item acute prescription: dm+d combobox by keyboard, quantity in the dm+d unit, problems in words', async () => {
  // Adding an item with no dose and no quantity lists both, in words, linked to the fields.
  await typeInto(page, page.getByRole('combobox', { name: 'Medicine' }), 'amox');
  await expect(page.getByRole('option', { name: /Amoxicillin 250mg capsules/ })).toBeVisible();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await expect(page.getByText('In capsules.')).toBeVisible();
  await page.keyboard.press('Enter');
  const summary = page.locator('.nhsuk-error-summary');
  await expect(summary).toBeFocused();
  await expect(summary).toContainText('Type the dose');
  await expect(summary).toContainText('Enter the quantity');
  await noSeriousViolations(page, 'item entry with problems');
  // The dose shortcut writes the sentence and works out quantity and days; Enter adds.
  await typeInto(page, page.getByLabel('Dose', { exact: true }), '1 tds 7/7');
  await expect(page.getByLabel('Dosage instructions')).toHaveValue('One capsule three times a day for 7 days');
  await expect(page.getByLabel('Quantity', { exact: true })).toHaveValue('21');
  await expect(page.getByLabel('Days of supply')).toHaveValue('7');
  await page.keyboard.press('Enter');
  await expect(page.locator('[data-item]')).toHaveCount(1);
  await expect(button('Continue to review')).toBeFocused();
  // More detail on the item's own page; the draft survives a reload, as typed.
  await press(page, page.getByRole('link', { name: 'Change item 1, Amoxicillin 250mg capsules' }), 'Enter');
  await expect(heading('Item 1: Amoxicillin 250mg capsules')).toBeVisible();
  await expect(page.getByTestId('patient-banner'), 'the banner is on the item step too').toContainText(
    'Octavia CHISLETT',
  );
  await typeInto(page, page.getByLabel(/Additional instructions/), 'Take with water');
  await expect(page.getByTestId('save-status')).toHaveAttribute('data-state', 'saved');
  await page.reload();
  await expect(page.getByLabel('Dosage instructions')).toHaveValue('One capsule three times a day for 7 days');
  await expect(page.getByLabel('Quantity', { exact: true })).toHaveValue('21');
  await expect(page.getByLabel(/Additional instructions/)).toHaveValue('Take with water');
  await press(page, button('Save item'), 'Enter');
  await expect(heading('Write the prescription')).toBeVisible();
  await addItem('para', /Paracetamol 500mg soluble tablets/, {
    text: 'Two tablets dissolved in water up to four times a day',
    quantity: '32',
    days: '7',
  });
  await expect(page.locator('[data-item]')).toHaveCount(2);
  await noSeriousViolations(page, 'items list');
});

test('review shows exactly what will be signed; it is left to sign with others', async () => {
  await press(page, button('Continue to review'), 'Enter');
  await expect(heading('Check the prescription before you sign')).toBeVisible();
  await expect(page.getByLabel('Card passcode'), 'the passcode comes last, with focus on it').toBeFocused();
  await expect(page.getByTestId('review-prescription')).toContainText('DR CLARE BOIN');
  await expect(page.getByTestId('review-prescription')).toContainText('Acute');
  await expect(page.getByText('Item 1: Amoxicillin 250mg capsules')).toBeVisible();
  await expect(
    page.getByText('21 capsules', { exact: true }),
    'the quantity reads as a person writes it',
  ).toBeVisible();
  const signed = page.getByTestId('signed-text');
  await press(page, signed.locator('summary'), 'Enter');
  // The canonical fragments (prescription.preview): the patient's NHS number and both items' dm+d
  // codes are in the text the card signs; the values set only at signing are named above it.
  const text = signed.locator('pre');
  await expect(text).toContainText('<id extension="9449305552" root="2.16.840.1.113883.2.1.4.1"></id>');
  await expect(text).toContainText('code="39732311000001104"');
  await expect(text).toContainText('code="322237000"');
  await expect(text).toContainText('HALLGARTH SURGERY');
  // Only the signing time is a stand-in; the prescription ID shown is the one it is signed with.
  const placeholders = signed.getByTestId('signed-text-placeholders');
  await expect(placeholders).toContainText('One value is only a stand-in here');
  await expect(placeholders.locator('li')).toHaveText([
    /^The signing time \(shown as \d{4}-\d\d-\d\dT[^)]+\): EPS sets it when the card signs/,
  ]);
  // The signed fragments carry the long-form prescription ID (the first Fragment's id).
  ids.acuteLongFormId =
    /^<FragmentsToBeHashed><Fragment><time [^>]*><\/time><id xmlns="urn:hl7-org:v3" root="([0-9A-F-]{36})">/.exec(
      await text.innerText(),
    )?.[1];
  expect(ids.acuteLongFormId).toBeTruthy();
  await expect(signed).not.toContainText('Digest');
  await expect(page.getByTestId('prescriber-details-missing')).toHaveCount(0);
  await noSeriousViolations(page, 'review');
  await press(page, page.getByRole('link', { name: 'Sign later, with others' }), 'Enter');
  await expect(heading('Prescriptions')).toBeVisible();
  await expect(page.locator(`[data-prescription="${ids.acute}"]`)).toContainText('Ready to sign');
});

test('write a repeat-dispensing prescription for a patient found by name and date of birth', async () => {
  await page.goto(new URL('/#/prescribe', scrip.ready.url).toString());
  // The unsigned acute prescription waits in the drafts, to resume.
  await expect(page.getByTestId('drafts').locator(`[data-draft="${ids.acute}"]`)).toContainText('Octavia CHISLETT');
  await expect(
    page.getByTestId('drafts').getByRole('link', { name: /Resume draft for Ms Octavia CHISLETT/ }),
  ).toHaveAttribute('href', `#/prescribe/${ids.acute}/items`);
  await press(page, button('Start a new prescription'), 'Enter');
  await press(page, page.getByRole('link', { name: 'Search by name and date of birth instead' }), 'Enter');
  await expect(heading('Search by name and date of birth')).toBeVisible();
  await press(page, button('Search'), 'Enter');
  await expect(page.locator('.nhsuk-error-summary')).toContainText('Enter the family name');
  await typeInto(page, page.getByLabel('Family name'), 'doe');
  await typeInto(page, page.getByLabel('Day'), '2');
  await typeInto(page, page.getByLabel('Month'), '2');
  await typeInto(page, page.getByLabel('Year'), '1968');
  await press(page, button('Search'), 'Enter');
  await expect(page.getByTestId('patient-results')).toContainText('944 930 4424');
  await expect(page.getByTestId('live-region')).toContainText('1 patient found');
  await noSeriousViolations(page, 'patient search results');
  // Selecting from the results (name, NHS number, date of birth, address) chooses the patient.
  await press(page, button(/^Select .*John DOE/), 'Enter');
  await expect(heading('Write the prescription')).toBeVisible();
  await expect(page.getByTestId('patient-banner')).toContainText('944 930 4424');
  await expect(page.getByTestId('banner-pharmacy')).toHaveText('No nominated pharmacy');
  await press(page, page.getByLabel('Repeat dispensing'), 'Space');
  await typeInto(page, page.getByLabel('Number of issues'), '1');
  await expect(page.locator('.nhsuk-error-message')).toContainText('between 2 and 99');
  await typeInto(page, page.getByLabel('Number of issues'), '6');
  await typeInto(page, page.getByLabel('Days between issues'), '28');
  const reviewDate = page.getByRole('group', { name: 'Review date (optional)' });
  await typeInto(page, reviewDate.getByLabel('Day'), '31');
  await typeInto(page, reviewDate.getByLabel('Month'), '2');
  await typeInto(page, reviewDate.getByLabel('Year'), '2099');
  await expect(page.locator('.nhsuk-error-message')).toContainText('The review date must be a real date');
  await typeInto(page, reviewDate.getByLabel('Day'), '28');
  await typeInto(
    page,
    page.getByLabel('Information for the patient (optional)'),
    'Ask for a review before the last issue',
  );
  await expect(page.getByText('The patient has no nominated pharmacy')).toBeVisible();
  await noSeriousViolations(page, 'repeat dispensing');
  await addItem('salb', /Salbutamol 100micrograms\/dose inhaler/, { shortcut: '2 puffs qds prn' });
  await expect(page.locator('[data-item]')).toContainText('Two puffs up to four times a day when required');
  await expect(page.locator('[data-item]'), 'an inhaler as needed: one whole pack').toContainText('200 doses');
  await press(page, button('Continue to review'), 'Enter');
  await expect(page.getByTestId('review-prescription')).toContainText('6 issues, every 28 days');
  await expect(page.getByTestId('review-prescription')).toContainText('No nomination');
  await expect(page.getByTestId('review-prescription')).toContainText('28 February 2099');
  await expect(page.getByTestId('review-prescription')).toContainText('Ask for a review before the last issue');
  ids.repeat = /#\/prescribe\/([0-9a-f-]{36})\//.exec(page.url())![1];
  await press(page, page.getByRole('link', { name: 'Sign later, with others' }), 'Enter');
});

test('sign both in one batch with one passcode; both are accepted by EPS, live', async () => {
  await expect(heading('Prescriptions')).toBeVisible();
  for (const id of [ids.acute!, ids.repeat!])
    await press(page, page.locator(`[data-prescription="${id}"] input[type=checkbox]`), 'Space');
  await expect(page.getByText('2 of 2 ready prescriptions selected')).toBeVisible();
  await noSeriousViolations(page, 'prescriptions with a selection');
  await typeInto(page, page.getByLabel('Card passcode'), PIN);
  await press(page, button('Sign 2 selected'), 'Enter');
  const results = page.getByTestId('sign-results');
  await expect(results.getByRole('heading', { name: 'Signed 2 of 2' })).toBeFocused({ timeout: 30_000 });
  await expect(results.locator('[data-ok="true"]')).toHaveCount(2);
  await expect(page.getByTestId('live-region')).toContainText('Signed 2 of 2');
  for (const id of [ids.acute!, ids.repeat!])
    await expect(page.locator(`[data-prescription="${id}"]`)).toHaveAttribute('data-status', 'accepted', {
      timeout: 20_000,
    });
  // Signed with the prescription ID its review showed.
  const signed = await page.evaluate(
    async (id) =>
      (await (
        await fetch('/rpc/prescription.get', {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'content-type': 'application/json', 'x-scrip-session': sessionStorage.getItem('scrip.tab') ?? '' },
          body: JSON.stringify({ id }),
        })
      ).json()) as { longFormId: string },
    ids.acute!,
  );
  expect(signed.longFormId.toUpperCase()).toBe(ids.acuteLongFormId);
  await noSeriousViolations(page, 'prescriptions after signing');
});

test("print the token: the PDF's barcode reads back as the prescription ID", async () => {
  test.skip(!commandExists('pdftoppm') || !commandExists('zbarimg'), 'needs poppler-utils and zbar-tools');
  const row = page.locator(`[data-prescription="${ids.repeat}"]`);
  const shortFormId = (await row.locator('th').innerText()).trim();
  expect(shortFormId).toMatch(/^[0-9A-F]{6}-A83008-[0-9A-F]{5}[0-9A-Z+]$/);
  await press(page, row.getByRole('button', { name: /Print token/ }), 'Enter');
  const dialog = row.getByTestId('token-dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('no nominated pharmacy');
  await noSeriousViolations(page, 'token dialog');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    press(page, dialog.getByRole('button', { name: 'Save the token PDF' }), 'Enter'),
  ]);
  await expect(
    dialog.getByTestId('token-saved'),
    'the dialog says where the PDF went, not a silent download',
  ).toContainText(`token-${shortFormId}.pdf`);
  const path = test.info().outputPath('token.pdf');
  await download.saveAs(path);
  expect(barcodeInPdf(path)).toBe(shortFormId);
  await press(page, dialog.getByRole('button', { name: 'Close' }), 'Enter');
  await expect(dialog, 'Close closes the dialog').toBeHidden();
  await expect(
    row.getByRole('button', { name: /Print token/ }),
    'focus goes back to the button that opened it',
  ).toBeFocused();
});

test("track the acute prescription and cancel one item: the service's answer is shown", async () => {
  await press(page, page.locator(`[data-prescription="${ids.acute}"]`).getByRole('link', { name: /Track/ }), 'Enter');
  await expect(heading(/^Prescription [0-9A-F]{6}-/)).toBeVisible();
  await press(page, button('Check status at EPS now'), 'Enter');
  await expect(page.getByTestId('tracker-status')).toHaveAttribute('data-code', '0001');
  await expect(page.getByTestId('item-statuses').locator('tbody tr')).toHaveCount(2);
  await noSeriousViolations(page, 'prescription detail');
  await press(page, page.getByRole('link', { name: 'Cancel items or the whole prescription' }), 'Enter');
  await expect(heading(/^Cancel prescription/)).toBeVisible();
  await press(page, button('Cancel the prescription'), 'Enter');
  await expect(page.locator('.nhsuk-error-summary')).toContainText('Select the reason');
  await press(page, page.getByLabel('Some items'), 'Space');
  await press(page, page.getByLabel('Amoxicillin 250mg capsules'), 'Space');
  await press(page, page.getByLabel('Prescribing Error'), 'Space');
  await noSeriousViolations(page, 'cancel form');
  await press(page, button('Cancel the selected items'), 'Enter');
  const confirm = page.getByTestId('cancel-confirm');
  await expect(confirm, 'a cancellation is confirmed in words first, naming the item').toContainText(
    'Amoxicillin 250mg capsules',
  );
  await expect(confirm).toContainText('cannot be undone');
  await noSeriousViolations(page, 'cancel confirmation');
  await press(page, button('Yes, cancel this item'), 'Enter');
  const answers = page.getByTestId('cancel-answers');
  await expect(answers).toContainText('Cancelled', { timeout: 20_000 });
  await expect(answers, 'the answer does not repeat itself').not.toContainText('Cancelled Cancelled');
  await expect(answers.locator('[data-outcome="cancelled"]')).toHaveCount(1);
  await expect(page.getByTestId('local-status')).toHaveAttribute('data-status', 'partly-cancelled');
  await expect(page.getByTestId('item-statuses').locator('tr', { hasText: 'Amoxicillin' })).toContainText('cancelled');
  await expect(
    page.getByTestId('item-statuses').locator('tr', { hasText: 'Paracetamol' }),
    'the item left is tracked again, not "Not known yet"',
  ).not.toContainText('Not known yet');
  await noSeriousViolations(page, 'prescription after cancelling');
});

test('sign one from its review page: a wrong passcode is said on the field, the right one signs and sends', async () => {
  await acuteDraftFor('9000000017');
  await addItem('azith', /Azithromycin 250mg capsules/, { shortcut: '2 od 3d' });
  await expect(page.locator('[data-item]')).toContainText('6 capsules');
  await press(page, button('Continue to review'), 'Enter');
  await expect(heading('Check the prescription before you sign')).toBeVisible();
  await typeInto(page, page.getByLabel('Card passcode'), '000000');
  await press(page, button('Sign and send'), 'Enter');
  await expect(page.locator('.nhsuk-error-summary')).toBeFocused({ timeout: 20_000 });
  await expect(page.locator('.nhsuk-error-message')).toContainText('passcode was wrong');
  await expect(page.getByLabel('Card passcode')).toHaveValue('');
  await noSeriousViolations(page, 'review with a wrong passcode');
  await typeInto(page, page.getByLabel('Card passcode'), PIN);
  await press(page, button('Sign and send'), 'Enter');
  await expect(heading('Prescription signed')).toBeVisible({ timeout: 20_000 });
  await expect(page.getByTestId('short-form-id')).toHaveText(/^[0-9A-F]{6}-A83008-[0-9A-F]{5}[0-9A-Z+]$/);
  await expect(page.getByTestId('sent-status')).toHaveAttribute('data-status', 'accepted', { timeout: 20_000 });
  await noSeriousViolations(page, 'signed and sent');
});

test('a controlled drug from dm+d: schedule suggested, quantity in words filled in from the figures', async () => {
  // The bundled subset has no controlled drugs: import a small synthetic release that does.
  const zip = test.info().outputPath('dmd-synthetic.zip');
  writeSyntheticReleaseZip(zip, generateSyntheticRelease({ vmps: 300, ampsPerVmp: 1 }));
  const imported = await page.evaluate(
    async (path) =>
      (
        await fetch('/rpc/medicines.import', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-scrip-session': sessionStorage.getItem('scrip.tab') ?? '' },
          body: JSON.stringify({ zip: path }),
        })
      ).status,
    zip,
  );
  expect(imported).toBe(200);
  await acuteDraftFor('9434765919');
  await typeInto(page, page.getByRole('combobox', { name: 'Medicine' }), 'morphine 10mg modified');
  await expect(
    page.getByRole('option', { name: /Morphine 10mg modified-release tablets.*Schedule 2/ }).first(),
  ).toBeVisible();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await typeInto(page, page.getByLabel('Dose', { exact: true }), '1 bd 14d');
  await page.keyboard.press('Enter');
  await expect(page.locator('[data-item]')).toContainText('28 (twenty eight) tablets');
  await press(page, page.getByRole('link', { name: /^Change item 1/ }), 'Enter');
  const cd = page.getByTestId('controlled-drug');
  await expect(cd).toBeVisible();
  await expect(cd.getByLabel('Schedule 2', { exact: true })).toBeChecked();
  await typeInto(page, page.getByLabel('Quantity', { exact: true }), '28');
  await expect(cd.getByLabel(/^Quantity in words/)).toHaveValue('twenty eight');
  await expect(cd).toContainText('In figures: 28 tablets.');
  await typeInto(page, cd.getByLabel(/^Quantity in words/), '');
  await typeInto(page, page.getByLabel('Dosage instructions'), 'One tablet twice a day');
  await press(page, button('Save item'), 'Enter');
  await expect(page.locator('.nhsuk-error-summary')).toContainText('A controlled drug needs its quantity in words');
  await noSeriousViolations(page, 'controlled drug item');
  await typeInto(page, cd.getByLabel(/^Quantity in words/), 'twenty eight');
  await press(page, button('Save item'), 'Enter');
  await expect(heading('Write the prescription')).toBeVisible();
  await expect(page.locator('[data-item]')).toContainText('28 (twenty eight) tablet');
  await expect(page.locator('[data-item]')).toContainText('Schedule 2');
});

test('pulling the card mid-prescription says so on the pad, and the draft is kept to resume', async () => {
  const draftId = /#\/prescribe\/([0-9a-f-]{36})\//.exec(page.url())![1];
  await card.remove();
  await expect(page.getByTestId('session-notice')).toContainText('your card was removed');
  await expect(page.getByTestId('session-notice')).toContainText('Your drafts are saved');
  await noSeriousViolations(page, 'pad after the card was pulled');
  // The tab was locked with the card session (decision 0008): the drafts are read after logging in again.
  await press(page, page.getByRole('link', { name: 'Home', exact: true }), 'Enter');
  await card.insert();
  await expect(page.getByTestId('card-holder')).toContainText('555086689106');
  await typeInto(page, page.getByLabel('Passcode', { exact: true }), PIN);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('session-status')).toContainText('HALLGARTH SURGERY'); // the role last used
  await press(page, page.getByRole('link', { name: 'Prescribe', exact: true }), 'Enter');
  await expect(page.getByTestId('drafts').locator(`[data-draft="${draftId}"]`)).toContainText(
    'Morphine 10mg modified-release tablets',
  );
});

test('delete drafts, with a step to confirm: from the pad and from the list; signed prescriptions offer no delete', async () => {
  // From the pad: "Keep it" keeps it and puts focus back; "Yes, delete it" deletes it and says so.
  await press(page, button('Start a new prescription'), 'Enter');
  await expect(heading('Find the patient')).toBeVisible();
  const padDraft = /#\/prescribe\/([0-9a-f-]{36})\//.exec(page.url())![1]!;
  await page.goto(new URL(`/#/prescribe/${padDraft}/items`, scrip.ready.url).toString());
  await expect(heading('Write the prescription')).toBeVisible();
  await press(page, button('Delete draft for no patient yet'), 'Enter');
  const confirm = page.getByRole('group', { name: 'Delete the draft for no patient yet?' });
  await expect(confirm.getByRole('button', { name: /Yes, delete it/ })).toBeFocused();
  await noSeriousViolations(page, 'delete draft: confirm on the pad');
  await press(page, confirm.getByRole('button', { name: 'Keep it' }), 'Enter');
  await expect(button('Delete draft for no patient yet')).toBeFocused();
  await press(page, button('Delete draft for no patient yet'), 'Enter');
  await press(page, page.getByRole('button', { name: /Yes, delete it/ }), 'Enter');
  await expect(heading('Prescribe')).toBeVisible();
  await expect(
    button('Start a new prescription'),
    'back on the Prescribe page, its one action has focus',
  ).toBeFocused();
  await expect(page.getByTestId('live-region')).toHaveText('Draft for no patient yet deleted.');
  await expect(page.locator(`[data-draft="${padDraft}"]`)).toHaveCount(0);
  // From the drafts list: the morphine draft left when the card was pulled.
  const row = page.getByTestId('drafts').locator('tr', { hasText: 'Morphine 10mg modified-release tablets' });
  const who = /Delete draft for (.*)$/.exec(
    (await row.getByRole('button', { name: /^Delete draft for / }).textContent())!,
  )![1]!;
  await press(page, row.getByRole('button', { name: /^Delete draft for / }), 'Enter');
  await expect(row.getByText('It cannot be brought back')).toBeVisible();
  await noSeriousViolations(page, 'delete draft: confirm in the list');
  await press(page, row.getByRole('button', { name: /Yes, delete it/ }), 'Enter');
  await expect(page.getByTestId('live-region')).toHaveText(`Draft for ${who} deleted.`);
  await expect(page.getByTestId('drafts').locator('tr', { hasText: 'Morphine' })).toHaveCount(0);
  await expect(page.getByRole('heading', { name: 'Drafts to resume' })).toBeFocused();
  // Signed prescriptions are kept on record: the list offers no delete for them.
  await press(page, page.getByRole('link', { name: 'Prescriptions', exact: true }), 'Enter');
  for (const id of [ids.acute!, ids.repeat!]) {
    await expect(page.locator(`[data-prescription="${id}"]`)).toBeVisible();
    await expect(page.locator(`[data-prescription="${id}"]`).getByRole('button', { name: /Delete draft/ })).toHaveCount(
      0,
    );
  }
});
