// The real UI in real Chromium, served by `scrip start --browser`, reading the real PC/SC stack:
// pcscd + vpcd, with a card dropped on the vpcd socket while the page watches.
import { test, expect, type Page, type BrowserContext } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { openScripInBrowser, type ScripProcess } from './support/scrip-process';
import { insertMinimalCard } from '../support/minimal-vicc';

const READER = 'Virtual PCD 00 00';
let scrip: ScripProcess;
let context: BrowserContext;
let page: Page;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
  ({ scrip, context, page } = await openScripInBrowser(browser));
});
test.afterAll(async () => {
  await context?.close();
  await scrip?.stop();
});

test('the one-time link is traded for a cookie and leaves the address bar', async () => {
  expect(new URL(page.url()).search).toBe('');
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === 'scrip_session');
  expect(session?.httpOnly).toBe(true);
  expect(session?.sameSite).toBe('Strict');
});

test('lists the vpcd readers and shows a card arrive and leave, live', async () => {
  const reader = page.locator(`[data-reader="${READER}"]`).first();
  await expect(reader).toBeVisible();
  await expect(reader).toHaveAttribute('data-card-present', 'false');
  const card = await insertMinimalCard(35963);
  try {
    await expect(reader).toHaveAttribute('data-card-present', 'true');
    await expect(reader).toContainText(card.atr);
  } finally {
    await card.remove();
  }
  await expect(reader).toHaveAttribute('data-card-present', 'false');
});

test('has no serious or critical accessibility violations', async () => {
  await expect(page.locator(`[data-reader="${READER}"]`).first()).toBeVisible();
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`)).toEqual([]);
});

test('the one-time link cannot be used again by another browser', async ({ browser }) => {
  const other = await browser.newContext();
  const res = await (await other.newPage()).goto(scrip.ready.open!);
  expect(res?.status()).toBe(401);
  await other.close();
});
