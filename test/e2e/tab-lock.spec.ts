// Browser tabs end with the card session (decision 0008): in real Chromium against `scrip start
// --browser`, a virtual card in the real vpcd reader and the embedded sandbox. Once the card is
// pulled the tab can no longer act as the user (no API key, no prescriptions) until someone logs in
// again with a card and its passcode from that tab.
import { test, expect, type Page, type BrowserContext } from '@playwright/test';
import { openScripInBrowser, type ScripProcess } from './support/scrip-process';
import { virtualCardFor, type TestCard } from '../support/virtual-card';

const PIN = '482913';
let scrip: ScripProcess;
let card: TestCard;
let context: BrowserContext;
let page: Page;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
  // The file store: creating an API key needs a key store, and this suite needs no D-Bus.
  ({ scrip, context, page } = await openScripInBrowser(browser, {}, { SCRIP_KEYCHAIN: 'file' }));
  card = virtualCardFor(scrip.dataDir, { pin: PIN });
});
test.afterAll(async () => {
  await card?.remove().catch(() => undefined);
  await context?.close();
  await scrip?.stop();
});

/** Calls a command from the tab as the page does: with its secret in a header. */
function fromTab(
  name: string,
  input: unknown = {},
): Promise<{ status: number; body: { code?: string; action?: string } & Record<string, unknown> }> {
  return page.evaluate(
    async ([n, i]) => {
      const res = await fetch(`/rpc/${n}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-scrip-session': sessionStorage.getItem('scrip.tab') ?? '' },
        body: JSON.stringify(i),
      });
      return { status: res.status, body: (await res.json()) as { code?: string } & Record<string, unknown> };
    },
    [name, input] as const,
  );
}

async function logIn(): Promise<void> {
  await expect(page.getByTestId('card-holder')).toContainText('DR CLARE BOIN');
  await page.getByLabel('Passcode', { exact: true }).fill(PIN);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: /Logged in as DR CLARE BOIN/ })).toBeVisible();
}

test('logged in, the tab can create an API key and read prescriptions', async () => {
  await card.insert();
  await logIn();
  expect(
    (await fromTab('api-key.create', { name: 'before-pull', scopes: ['read'] })).status,
    'an open tab creates a key',
  ).toBe(200);
  expect((await fromTab('prescription.list')).status, 'an open tab reads prescriptions').toBe(200);
});

test('the card pulled, the tab is locked: no API key, no prescriptions, each refused with tab-locked; readers and the session still answer', async () => {
  await card.remove();
  await expect(page.getByTestId('session-notice')).toContainText('your card was removed', { timeout: 5000 });
  const key = await fromTab('api-key.create', { name: 'walk-up', scopes: ['admin'] });
  expect(key.status, 'a locked tab cannot create a key').toBe(401);
  expect(key.body.code, 'refused with its own code').toBe('tab-locked');
  expect(key.body.action, 'the refusal says how to unlock').toMatch(/log in with your passcode in this tab/);
  const list = await fromTab('prescription.list');
  expect([list.status, list.body.code], 'a locked tab cannot read prescriptions').toEqual([401, 'tab-locked']);
  expect((await fromTab('readers.list')).status, 'the readers still answer').toBe(200);
  expect((await fromTab('session.get')).status, 'the session state still answers').toBe(200);
  // The tab keeps its secret: it is locked, not ended (no new link needed).
  expect(await page.evaluate(() => sessionStorage.getItem('scrip.tab')), 'the tab still holds its secret').toMatch(
    /^[A-Za-z0-9_-]{43}$/,
  );
});

test('a card login from the tab unlocks it', async () => {
  await card.insert();
  await logIn();
  const key = await fromTab('api-key.create', { name: 'after-login', scopes: ['read'] });
  expect(key.status, `the unlocked tab creates a key: ${JSON.stringify(key.body)}`).toBe(200);
  expect((await fromTab('prescription.list')).status, 'and reads prescriptions').toBe(200);
  const names = JSON.stringify((await fromTab('api-key.list')).body);
  expect(names, "the locked tab's attempt made no key").not.toContain('walk-up');
});
