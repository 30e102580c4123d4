// The identity flow a person sees, in real Chromium against `scrip start --browser`, with a virtual
// card in the real vpcd reader and the embedded sandbox over HTTPS — by keyboard alone.
import { test, expect, type Page, type BrowserContext } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { openScripInBrowser, type ScripProcess } from './support/scrip-process';
import { virtualCardFor, type TestCard } from '../support/virtual-card';
import { sandboxSession } from '../support/sandbox-session';

const PIN = '482913';
let scrip: ScripProcess;
let card: TestCard;
let context: BrowserContext;
let page: Page;

test.describe.configure({ mode: 'serial' });

async function noSeriousViolations(p: Page): Promise<void> {
  const results = await new AxeBuilder({ page: p }).analyze();
  expect(
    results.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id}: ${v.help}`),
  ).toEqual([]);
}

test.beforeAll(async ({ browser }) => {
  ({ scrip, context, page } = await openScripInBrowser(browser));
  card = virtualCardFor(scrip.dataDir, { pin: PIN });
});
test.afterAll(async () => {
  await card?.remove().catch(() => undefined);
  await context?.close();
  await scrip?.stop();
});

test('insert the card: holder and passcode tries are shown before typing', async () => {
  await expect(page.getByTestId('login-hint')).toBeVisible();
  await card.insert();
  await expect(page.getByTestId('card-holder')).toContainText('DR CLARE BOIN');
  await expect(page.getByTestId('card-holder')).toContainText('555086689106');
  await expect(page.getByTestId('pin-retries')).toHaveText('3 of 3');
  await expect(page.getByTestId('live-region')).toContainText('Card inserted');
  await noSeriousViolations(page);
});

test('a badly formed passcode is caught without using a try; a wrong one costs one', async () => {
  const pin = page.getByLabel('Passcode', { exact: true });
  await pin.focus();
  await page.keyboard.type('12');
  await page.keyboard.press('Enter');
  await expect(page.locator('.nhsuk-error-message')).toContainText('6 to 8 digits');
  await expect(page.getByTestId('pin-retries')).toHaveText('3 of 3');
  await pin.fill('');
  await page.keyboard.type('000000');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('alert')).toContainText('Wrong passcode');
  await expect(page.getByTestId('pin-retries')).toHaveText('2 of 3');
});

test('the right passcode logs in; a role is chosen and switched, by keyboard', async () => {
  await page.getByLabel('Passcode', { exact: true }).focus();
  await page.keyboard.type(PIN);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: /Logged in as DR CLARE BOIN/ })).toBeVisible();
  await page.getByLabel(/at HALLGARTH SURGERY/).focus();
  await page.keyboard.press('Space');
  await page.getByRole('button', { name: 'Use this role' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('selected-role')).toContainText('HALLGARTH SURGERY');
  await expect(page.getByTestId('session-status')).toContainText(
    'Clinical Practitioner Access Role at HALLGARTH SURGERY',
  );
  await page.getByLabel(/at STIRLING MEDICAL CENTRE/).focus();
  await page.keyboard.press('Space');
  await page.getByRole('button', { name: 'Switch role' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('selected-role')).toContainText('STIRLING MEDICAL CENTRE');
  await noSeriousViolations(page);
});

test('pulling the card locks the UI within a second and the token dies at the broker', async () => {
  const ticket = (await page.evaluate(async () =>
    (
      await fetch('/rpc/ticket.get', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-scrip-session': sessionStorage.getItem('scrip.tab') ?? '' },
        body: '{}',
      })
    ).json(),
  )) as { token: string };
  expect((await sandboxSession(scrip, ticket.token)).active).toBe(true);
  const pulledAt = Date.now();
  await card.remove();
  await expect(page.getByTestId('session-notice')).toContainText('your card was removed', { timeout: 5000 });
  const lockedMs = Date.now() - pulledAt;
  expect(lockedMs, `UI locked ${lockedMs} ms after the card was pulled`).toBeLessThan(1000);
  await expect(page.getByTestId('session-status')).toHaveText('Not logged in');
  await expect.poll(async () => (await sandboxSession(scrip, ticket.token)).active, { timeout: 2000 }).toBe(false);
  const again = (await page.evaluate(async () =>
    (
      await fetch('/rpc/ticket.get', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-scrip-session': sessionStorage.getItem('scrip.tab') ?? '' },
        body: '{}',
      })
    ).json(),
  )) as { code: string };
  expect(again.code, 'the tab is locked with the card session (decision 0008)').toBe('tab-locked');
});

/** A command from the tab, as the page sends it. */
const rpc = (name: string, input: unknown) =>
  page.evaluate(
    async ([n, i]) => {
      const r = await fetch(`/rpc/${n}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-scrip-session': sessionStorage.getItem('scrip.tab') ?? '' },
        body: JSON.stringify(i),
      });
      return { status: r.status, json: await r.json() };
    },
    [name, input] as const,
  );

test('API keys: issue one shown once, see it listed, revoke it — by keyboard, accessibly', async () => {
  // The tab was locked when the card was pulled: the next holder logs in from it to unlock it.
  await card.insert();
  await expect(
    page.getByTestId('session-notice'),
    'the next card holder is not told that someone else was logged out',
  ).toHaveCount(0);
  await expect
    .poll(async () => ((await rpc('session.get', {})).json as { state: string }).state, { timeout: 10_000 })
    .toBe('card-present');
  expect((await rpc('session.login', { pin: PIN, role: '200102238987' })).status).toBe(200);
  await page.goto(new URL('/#/api-keys', scrip.ready.url).toString());
  await expect(page.getByRole('heading', { level: 1, name: 'API keys' })).toBeVisible();
  await page.getByLabel('Program name').focus();
  await page.keyboard.type('practice bridge');
  await page.getByLabel(/^Ticket:/).focus();
  await page.keyboard.press('Space');
  await page.getByRole('button', { name: 'Issue key' }).focus();
  await page.keyboard.press('Enter');
  const key = await page.getByLabel('API key').inputValue();
  expect(key).toMatch(/^scrip_[0-9a-f]{16}_/);
  const ticketCall = await fetch(`${scrip.ready.url}/session`, { headers: { authorization: `Bearer ${key}` } });
  expect(ticketCall.status).toBe(200);
  // The keys table (the hand-outs table lists the key's name too, once it has had the session).
  const row = page.getByRole('table', { name: 'API keys' }).locator('tr', { hasText: 'practice bridge' });
  await expect(row).toContainText('read, ticket');
  const auth = { authorization: `Bearer ${key}` };
  expect(
    (await fetch(`${scrip.ready.url}/ticket`, { headers: auth })).status,
    "a program's first hand-out waits for the user",
  ).toBe(403);
  await expect(page.getByTestId('ticket-notice'), 'the user sees the request as it happens').toContainText(
    'practice bridge',
  );
  await page.locator('[data-asked]').getByRole('button', { name: /Allow/ }).focus();
  await page.keyboard.press('Enter');
  await expect(page.locator('[data-allowed]'), 'the approval is listed, with a way to withdraw it').toHaveCount(1);
  expect(
    (await fetch(`${scrip.ready.url}/ticket`, { headers: auth })).status,
    'allowed: the hand-out goes through',
  ).toBe(200);
  await noSeriousViolations(page);
  await row.getByRole('button', { name: /Revoke/ }).focus();
  await page.keyboard.press('Enter');
  await expect(row).toContainText('Revoked');
  expect((await fetch(`${scrip.ready.url}/session`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(401);
});

test('Prescriptions: a prescription signed with the card shows as accepted by EPS, live, accessibly', async () => {
  // Logged in again (in the API keys test) with the role that prescribes.
  await page.goto(new URL('/#/prescriptions', scrip.ready.url).toString());
  const patient = (await rpc('patients.get', { nhsNumber: '9449305552' })).json;
  const created = (
    await rpc('prescription.create', {
      draft: {
        patient,
        patientConfirmed: true,
        items: [
          {
            lineId: crypto.randomUUID(),
            medication: { code: '39732311000001104', display: 'Amoxicillin 250mg capsules' },
            quantity: { value: 21, unitCode: '428641000', unit: 'capsule' },
            dosageText: 'One capsule three times a day',
          },
        ],
      },
    })
  ).json as { id: string };
  const row = page.locator(`[data-prescription="${created.id}"]`);
  await expect(row).toHaveAttribute('data-status', 'draft');
  const signed = (await rpc('prescription.sign', { ids: [created.id], pin: PIN })).json as {
    results: Array<{ ok: boolean; shortFormId: string }>;
  };
  expect(signed.results[0]?.ok).toBe(true);
  await expect(row).toHaveAttribute('data-status', 'accepted', { timeout: 15_000 });
  await expect(row).toContainText(signed.results[0]!.shortFormId);
  await noSeriousViolations(page);
});
