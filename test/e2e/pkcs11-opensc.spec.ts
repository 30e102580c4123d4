// The PKCS#11 tier over OpenSC, as a prescriber meets it, in real Chromium against
// `scrip start --browser`: OpenSC's opensc-pkcs11.so is chosen for every card, Scrip's virtual PIV
// card goes into the real vpcd reader, and the identity agent and the pad work unchanged over the
// module: log in with the passcode, choose a role, sign a prescription the sandbox's EPS accepts;
// pulling the card (OpenSC's C_WaitForSlotEvent) ends the session here and at the broker.
import { test, expect, type Page, type BrowserContext } from '@playwright/test';
import { openScripInBrowser, tabRpc, type ScripProcess } from './support/scrip-process';
import { logInWithRole, noSeriousViolations, signOnePrescription } from './support/pad';
import { virtualCardFor, type TestCard } from '../support/virtual-card';
import { sandboxSession } from '../support/sandbox-session';
import { OPENSC_MODULE } from '../support/softhsm-token';
import { waitForReader } from '../sandbox/card/vpcd-harness';

const PIN = '482913';
let scrip: ScripProcess;
let card: TestCard;
let context: BrowserContext;
let page: Page;
let token = '';

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

test('with OpenSC chosen for every card, the virtual card is read through PKCS#11', async () => {
  const set = await tabRpc<{ modules?: Array<{ loaded: boolean; events: string }> }>(page, 'pkcs11.set-modules', {
    modules: [{ path: OPENSC_MODULE, cards: 'all' }],
  });
  expect(set.modules?.[0]?.loaded, `OpenSC loaded: ${JSON.stringify(set)}`).toBe(true);
  // A pcscd restarted by an earlier suite takes a moment to load vpcd; until then nothing takes the card.
  await waitForReader('Virtual PCD 00 00', false, 15_000);
  await card.insert();
  await expect(page.getByTestId('card-holder'), 'the card is read').toContainText('DR CLARE BOIN', { timeout: 20_000 });
  const status = await tabRpc<{ cardType: string }>(page, 'card.status');
  expect(status.cardType, 'the driver table sends the card to OpenSC').toBe('pkcs11');
  await noSeriousViolations(page, 'OpenSC card inserted');
});

test('log in with the passcode, choose a role, and sign a prescription the sandbox accepts', async () => {
  await logInWithRole(page, PIN);
  token = (await tabRpc<{ token: string }>(page, 'ticket.get')).token;
  expect((await sandboxSession(scrip, token)).active, 'the broker session is live').toBe(true);
  await signOnePrescription(page, scrip.ready.url!, PIN);
  await noSeriousViolations(page, 'signed through OpenSC');
});

test('pulling the card ends the session in the UI and at the broker', async () => {
  const pulledAt = Date.now();
  await card.remove();
  await expect(page.getByTestId('session-notice')).toContainText('your card was removed', { timeout: 5000 });
  const ms = Date.now() - pulledAt;
  // The PC/SC tier's bound is 1 s (identity.spec.ts); OpenSC's event thread measured 31–359 ms.
  expect(ms, `UI locked ${ms} ms after the card was pulled`).toBeLessThan(3000);
  await expect(page.getByTestId('session-status')).toHaveText('Not logged in');
  await expect
    .poll(async () => (await sandboxSession(scrip, token)).active, {
      message: 'the broker no longer honours the token',
      timeout: 5000,
    })
    .toBe(false);
});
