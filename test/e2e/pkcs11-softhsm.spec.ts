// The PKCS#11 tier over SoftHSM2, as a prescriber meets it, in real Chromium against
// `scrip start --browser`: a SoftHSM2 token holds the keys and certificates the embedded sandbox's
// CA issued (as test/main/card/pkcs11-tier.itest.ts sets it up), the module is chosen, and the
// identity agent and the pad work unchanged: log in with the passcode, choose a role, sign a
// prescription the sandbox's EPS accepts. SoftHSM2 cannot take its token away (it reads its tokens
// once), so the session is ended by logging out, and the broker's session dies with it.
import { test, expect, type Page, type BrowserContext } from '@playwright/test';
import { join } from 'node:path';
import { openScripInBrowser, tabRpc, type ScripProcess } from './support/scrip-process';
import { logInWithRole, noSeriousViolations, press, signOnePrescription } from './support/pad';
import { sandboxSession } from '../support/sandbox-session';
import { softHsmDir, softHsmTokenFor, SOFTHSM_MODULE, type SoftHsmDir } from '../support/softhsm-token';

const PIN = '482913';
let scrip: ScripProcess;
let hsm: SoftHsmDir;
let context: BrowserContext;
let page: Page;
let token = '';

test.describe.configure({ mode: 'serial' });
test.use({ actionTimeout: 15_000 });

test.beforeAll(async ({ browser }) => {
  hsm = softHsmDir();
  ({ scrip, context, page } = await openScripInBrowser(
    browser,
    {},
    { SOFTHSM2_CONF: hsm.conf, SCRIP_PKCS11_MANAGED: join(hsm.dir, 'no-managed.json') },
  ));
});
test.afterAll(async () => {
  await context?.close();
  await scrip?.stop();
  hsm?.remove();
});

test('a SoftHSM2 token with sandbox-issued keys is read through PKCS#11: holder and tries shown before typing', async () => {
  softHsmTokenFor(hsm, scrip.dataDir, { pin: PIN });
  const set = await tabRpc<{ modules?: Array<{ loaded: boolean }> }>(page, 'pkcs11.set-modules', {
    modules: [{ path: SOFTHSM_MODULE, cards: 'none' }],
  });
  expect(set.modules?.[0]?.loaded, `SoftHSM2 loaded: ${JSON.stringify(set)}`).toBe(true);
  await expect(page.getByTestId('card-holder'), 'the token is read as a card').toContainText('DR CLARE BOIN', {
    timeout: 20_000,
  });
  await expect(page.getByTestId('pin-retries'), "tries come from the token's flags").toHaveText(
    'No wrong tries recorded',
  );
  const card = await tabRpc<{ cardType: string }>(page, 'card.status');
  expect(card.cardType, 'the PKCS#11 driver reads it').toBe('pkcs11');
  await noSeriousViolations(page, 'SoftHSM2 token inserted');
});

test('log in with the passcode, choose a role, and sign a prescription the sandbox accepts', async () => {
  await logInWithRole(page, PIN);
  token = (await tabRpc<{ token: string }>(page, 'ticket.get')).token;
  expect((await sandboxSession(scrip, token)).active, 'the broker session is live').toBe(true);
  await signOnePrescription(page, scrip.ready.url!, PIN);
  await noSeriousViolations(page, 'signed with SoftHSM2');
});

test('logging out ends the session here and at the broker', async () => {
  await page.goto(new URL('/#/', scrip.ready.url).toString());
  await press(page, page.getByRole('button', { name: 'Log out' }), 'Enter');
  await expect(page.getByTestId('session-status')).toHaveText('Not logged in');
  await expect
    .poll(async () => (await sandboxSession(scrip, token)).active, {
      message: 'the broker no longer honours the token',
      timeout: 5000,
    })
    .toBe(false);
});
