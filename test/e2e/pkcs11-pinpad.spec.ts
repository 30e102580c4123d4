// The reader-keypad (protected authentication path) variant, in real Chromium against
// `scrip start --browser`: a SoftHSM2 token with sandbox-issued keys behind a PKCS#11 module that
// stands for a PIN-pad reader (test/support/pinpad-shim.c: the token's flags say
// CKF_PROTECTED_AUTHENTICATION_PATH, and a C_Login without a PIN takes what is "typed on the
// keypad"; a C_Login with one is refused). Scrip asks for no passcode anywhere — login, the review
// page, the batch-signing form — and the prescription signed in a batch is accepted by the sandbox.
import { test, expect, type Page, type BrowserContext } from '@playwright/test';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openScripInBrowser, tabRpc, type ScripProcess } from './support/scrip-process';
import { noSeriousViolations, press } from './support/pad';
import { softHsmDir, softHsmTokenFor, SOFTHSM_MODULE, type SoftHsmDir } from '../support/softhsm-token';
import { buildPinPadShim } from '../support/pinpad-shim';

const PIN = '482913';
let scrip: ScripProcess;
let hsm: SoftHsmDir;
let shim = '';
let context: BrowserContext;
let page: Page;
let draftId = '';

test.describe.configure({ mode: 'serial' });
test.use({ actionTimeout: 15_000 });

const keypadLog = () =>
  existsSync(join(hsm.dir, 'keypad.log'))
    ? readFileSync(join(hsm.dir, 'keypad.log'), 'utf8').trim().split('\n').filter(Boolean)
    : [];

test.beforeAll(async ({ browser }) => {
  hsm = softHsmDir();
  shim = buildPinPadShim(hsm.dir);
  writeFileSync(join(hsm.dir, 'keypad-pin'), PIN, { mode: 0o600 }); // what the person types on the reader
  ({ scrip, context, page } = await openScripInBrowser(
    browser,
    {},
    {
      SOFTHSM2_CONF: hsm.conf,
      SCRIP_PKCS11_MANAGED: join(hsm.dir, 'no-managed.json'),
      SCRIP_PINPAD_MODULE: SOFTHSM_MODULE,
      SCRIP_PINPAD_PIN_FILE: join(hsm.dir, 'keypad-pin'),
      SCRIP_PINPAD_LOG: join(hsm.dir, 'keypad.log'),
    },
  ));
});
test.afterAll(async () => {
  await context?.close();
  await scrip?.stop();
  hsm?.remove();
});

test('a token behind a PIN-pad reader: no passcode field; Log in sends the passcode to the keypad', async () => {
  softHsmTokenFor(hsm, scrip.dataDir, { pin: PIN });
  const set = await tabRpc<{ modules?: Array<{ loaded: boolean }> }>(page, 'pkcs11.set-modules', {
    modules: [{ path: shim, cards: 'none' }],
  });
  expect(set.modules?.[0]?.loaded, `the PIN-pad module loaded: ${JSON.stringify(set)}`).toBe(true);
  await expect(page.getByTestId('card-holder')).toContainText('DR CLARE BOIN', { timeout: 20_000 });
  await expect(page.getByTestId('pin-pad-hint')).toContainText("type your passcode on the card reader's keypad");
  await expect(page.getByLabel('Passcode', { exact: true }), 'nothing to type in Scrip').toHaveCount(0);
  await noSeriousViolations(page, 'PIN-pad token inserted');
  await press(page, page.getByRole('button', { name: 'Log in' }), 'Enter');
  await expect(page.getByRole('heading', { name: /Logged in as DR CLARE BOIN/ })).toBeVisible({ timeout: 20_000 });
  expect(keypadLog(), 'the passcode came from the keypad (a PIN from Scrip would have been refused)').toEqual([
    'keypad login user=1',
  ]);
  await press(page, page.getByLabel(/at HALLGARTH SURGERY/), 'Space');
  await press(page, page.getByRole('button', { name: 'Use this role' }), 'Enter');
  await expect(page.getByTestId('session-status')).toContainText('HALLGARTH SURGERY');
});

test('the review page and the batch-signing form ask for no passcode; the batch is signed and accepted', async () => {
  const created = await tabRpc<{ id?: string }>(page, 'prescription.create', {
    draft: {
      patient: {
        nhsNumber: '9449305552',
        prefix: 'MS',
        given: ['OCTAVIA'],
        family: 'CHISLETT',
        birthDate: '2008-09-20',
        gender: 'female',
        addressLines: ['1 TRINITY STREET', 'HEBDEN BRIDGE'],
        postcode: 'HX7 8AW',
        gpOdsCode: 'A83008',
        nominatedPharmacy: { odsCode: 'FCG71', name: 'WESTON PHARMACY' },
      },
      patientConfirmed: true,
      items: [
        {
          lineId: crypto.randomUUID(),
          medication: { code: '39732311000001104', display: 'Amoxicillin 250mg capsules' },
          quantity: { value: 21, unitCode: '428641000', unit: 'capsule' },
          dosageText: 'One capsule three times a day for 7 days',
        },
      ],
    },
  });
  draftId = created.id ?? '';
  expect(draftId, `a draft: ${JSON.stringify(created)}`).not.toBe('');
  await page.goto(new URL('/#/prescriptions', scrip.ready.url).toString());
  const row = page.locator(`[data-prescription="${draftId}"]`);
  await expect(row).toContainText('Ready to sign');
  await press(page, row.getByRole('link', { name: /Review/ }), 'Enter');
  await expect(page.getByRole('heading', { level: 1, name: 'Check the prescription before you sign' })).toBeVisible();
  await expect(page.getByTestId('pin-pad-sign'), 'the review says where the passcode goes').toContainText(
    'type your card passcode on the reader',
  );
  await expect(page.getByLabel('Card passcode'), 'and has no field for it').toHaveCount(0);

  await page.goto(new URL('/#/prescriptions', scrip.ready.url).toString());
  await press(page, page.getByLabel(/Select to sign: .*CHISLETT/i), 'Space');
  const form = page.getByRole('group', { name: 'Sign the selected prescriptions' });
  await expect(form.getByTestId('pin-pad-sign')).toBeVisible();
  await expect(form.getByLabel('Card passcode'), 'the batch form has no passcode field').toHaveCount(0);
  await noSeriousViolations(page, 'batch signing on a PIN-pad reader');
  await press(page, form.getByRole('button', { name: 'Sign 1 selected' }), 'Enter');
  await expect(page.getByTestId('sign-results')).toContainText('Signed 1 of 1', { timeout: 20_000 });
  await expect
    .poll(
      async () => {
        await tabRpc(page, 'prescription.send', {});
        return (await tabRpc<{ status?: string }>(page, 'prescription.get', { id: draftId })).status;
      },
      { message: 'EPS accepted the prescription signed on the PIN-pad token', timeout: 20_000 },
    )
    .toBe('accepted');
});
