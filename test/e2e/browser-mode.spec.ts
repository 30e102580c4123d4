// The real UI in real Chromium, served by `scrip start --browser`, reading the real PC/SC stack:
// pcscd + vpcd, with a card dropped on the vpcd socket while the page watches.
import { test, expect, type Page, type BrowserContext } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
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

/** Calls a command from Scrip's own tab, as the page does: with the tab's secret in a header. */
function invokeFromTab(p: Page, name: string, input: unknown = {}): Promise<{ status: number; body: unknown }> {
  return p.evaluate(
    async ([n, i]) => {
      const res = await fetch(`/rpc/${n}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-scrip-session': sessionStorage.getItem('scrip.tab') ?? '' },
        body: JSON.stringify(i),
      });
      return { status: res.status, body: (await res.json()) as unknown };
    },
    [name, input] as const,
  );
}

test("the link file is the user's alone; its token becomes a per-tab secret, no cookie, and leaves the address bar", async () => {
  const file = fileURLToPath(scrip.ready.open!);
  expect(statSync(file).mode & 0o777, 'only the user may read the link file').toBe(0o600);
  expect(new URL(page.url()).origin, 'the file sent the browser to Scrip').toBe(scrip.ready.url);
  expect(new URL(page.url()).hash, 'the token left the address bar').toBe('#/');
  expect(await context.cookies(), 'browser mode sets no cookie').toEqual([]);
  expect(await page.evaluate(() => sessionStorage.getItem('scrip.tab')), 'the tab holds its secret').toMatch(
    /^[A-Za-z0-9_-]{43}$/,
  );
  expect((await invokeFromTab(page, 'readers.list')).status, "the tab's secret works").toBe(200);
});

test('a page served on another loopback port gets no credential and cannot use the session', async () => {
  // The stranger: another server on 127.0.0.1 (another user could run it), visited in the same browser.
  const seen: IncomingHttpHeaders[] = [];
  const stranger = createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>stranger</title><p>hello</p>');
  });
  await new Promise<void>((r) => stranger.listen(0, '127.0.0.1', () => r()));
  const strangerUrl = `http://127.0.0.1:${(stranger.address() as AddressInfo).port}`;
  const other = await context.newPage();
  try {
    await other.goto(`${strangerUrl}/`);
    const attempts = await other.evaluate(async (scripUrl) => {
      const out: string[] = [];
      const key = JSON.stringify({ name: 'stranger', scopes: ['admin'] });
      // What an ambient credential would let through: a simple (no-preflight) request with credentials.
      for (const path of ['/rpc/api-key.create', '/api-keys']) {
        try {
          const r = await fetch(`${scripUrl}${path}`, {
            method: 'POST',
            credentials: 'include',
            mode: 'no-cors',
            headers: { 'content-type': 'text/plain' },
            body: key,
          });
          out.push(`${path}: ${r.type}`);
        } catch (e) {
          out.push(`${path}: ${String(e)}`);
        }
      }
      await fetch('/echo', { credentials: 'include' });
      return out;
    }, scrip.ready.url);
    expect(attempts.length, 'both attempts were made').toBe(2);
    expect(seen.length, "the stranger's server saw its page and the echo").toBeGreaterThanOrEqual(2);
    expect(
      seen.filter((h) => h.cookie !== undefined).map((h) => h.cookie),
      "no cookie of Scrip's reaches another port",
    ).toEqual([]);
    const keys = await invokeFromTab(page, 'api-key.list');
    expect(keys.status, "Scrip's own tab still works").toBe(200);
    expect(JSON.stringify(keys.body), 'the stranger created no key').not.toContain('stranger');
    expect(
      await other.evaluate(() => sessionStorage.length),
      "the stranger's origin holds none of Scrip's storage",
    ).toBe(0);
  } finally {
    await other.close();
    stranger.close();
  }
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
  const token = /#token=([A-Za-z0-9_-]+)/.exec(readFileSync(fileURLToPath(scrip.ready.open!), 'utf8'))?.[1];
  expect(token, 'the link file carries the token').toBeTruthy();
  const other = await browser.newContext();
  const p = await other.newPage();
  await p.goto(scrip.ready.open!);
  await p.waitForURL(`${scrip.ready.url}/**`);
  expect(await p.evaluate(() => sessionStorage.getItem('scrip.tab')), 'no secret for a used token').toBeNull();
  expect((await invokeFromTab(p, 'readers.list')).status, 'the second browser is refused').toBe(401);
  await other.close();
});
