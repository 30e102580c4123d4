// The Assurance page in real Chromium (browser mode), keyboard only: pick a scenario, run it against
// the agent's embedded sandbox (virtual cards in vpcd), watch the steps, read the summary; then the
// evidence pack's report.html itself, opened in Chromium, screenshot taken; axe finds nothing serious.
import { test, expect, type Page, type BrowserContext } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openScripInBrowser, type ScripProcess } from './support/scrip-process';

let scrip: ScripProcess;
let context: BrowserContext;
let page: Page;
const out = join(mkdtempSync(join(tmpdir(), 'scrip-e2e-assure-')), 'evidence');

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
  ({ scrip, context, page } = await openScripInBrowser(browser));
  await page.goto(new URL('/#/assurance', scrip.ready.url).toString());
});
test.afterAll(async () => {
  try {
    await context?.close();
  } finally {
    await scrip?.stop();
    rmSync(join(out, '..'), { recursive: true, force: true });
  }
});

async function noSeriousViolations(p: Page): Promise<void> {
  const r = await new AxeBuilder({ page: p }).analyze();
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}

test('the scenarios are listed with their requirements; the page passes axe', async () => {
  await expect(page.getByRole('heading', { level: 1, name: 'Assurance' })).toBeVisible();
  await expect(page.getByLabel(/ID-LOGIN-01: Log in with the smartcard/)).toBeVisible();
  await expect(page.getByText(/DISP-SCAL-1\.6\.9/)).toBeVisible();
  // The environment to run against: the embedded sandbox unless another configured one is chosen.
  await expect(page.getByLabel('Environment', { exact: true })).toHaveValue('sandbox');
  await noSeriousViolations(page);
});

test('keyboard only: choose one scenario, run it, watch the steps, read the summary', async () => {
  await page.getByLabel(/ID-LOGIN-01: Log in with the smartcard/).focus();
  await page.keyboard.press('Space');
  await expect(page.getByLabel(/ID-LOGIN-01/)).toBeChecked();
  await page.getByLabel('Folder for the evidence pack').focus();
  await page.keyboard.type(out);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('button', { name: 'Running…' })).toBeDisabled();
  await expect(page.getByRole('table', { name: 'Steps so far' })).toContainText('choose the Hallgarth Surgery role', {
    timeout: 60_000,
  });
  const summary = page.getByTestId('assurance-summary');
  await expect(summary).toContainText('Every scenario passed', { timeout: 90_000 });
  await expect(summary).toContainText('1 passed, 0 failed');
  await expect(summary).toContainText(out);
  await noSeriousViolations(page);
  // Like `scrip assure run`, the run had the sandbox clock fixed (at its start, to the minute).
  const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as {
    fixedClock: string | null;
    startedAt: string;
  };
  expect(results.fixedClock, 'the run had a fixed clock').toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:00\.000Z$/);
  expect(Date.parse(results.startedAt) - Date.parse(results.fixedClock!), "fixed at the run's start").toBeLessThan(
    120_000,
  );
});

test("the run's logins and logouts were its own lane's: the user's tab is not locked, the agent's session untouched", async () => {
  // Before, a run from the UI used the agent's own session: the scenario's logout ended it and
  // locked every browser tab (#15's tab lock), so the page asked for the passcode after the run.
  const fromTab = (name: string) =>
    page.evaluate(async (n) => {
      const res = await fetch(`/rpc/${n}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-scrip-session': sessionStorage.getItem('scrip.tab') ?? '' },
        body: '{}',
      });
      return { status: res.status, body: (await res.json()) as { code?: string; state?: string } };
    }, name);
  const list = await fromTab('prescription.list');
  expect([list.status, list.body.code], 'the tab still reads prescriptions (not tab-locked)').toEqual([200, undefined]);
  const session = await fromTab('session.get');
  expect(session.body.state, "the agent's session never started, so never ended").not.toBe('ended');
  await expect(page.getByTestId('session-notice')).toHaveCount(0);
});

test('the report itself: opened in Chromium, the requirement matrix is there; screenshot; axe clean', async () => {
  const report = await context.newPage();
  await report.goto(`file://${join(out, 'report.html')}`);
  await expect(report.getByRole('heading', { level: 1 })).toContainText('Assurance run passed: 1 passed');
  await expect(
    report.getByRole('table', { name: 'Each requirement and the scenarios that evidence it' }),
  ).toContainText('PRESC-SCAL-1.1.1');
  // The step marked `screenshot: role-chosen`: Scrip's UI photographed in browser mode, shown at its step.
  const shot = report.getByRole('img', { name: "Scrip's home page after step 3 of ID-LOGIN-01 (role-chosen)" });
  await expect(shot).toBeAttached();
  expect(
    await shot.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth),
    'the PNG decodes (1280 px wide)',
  ).toBe(1280);
  await report.screenshot({ path: join(out, '..', 'report.png'), fullPage: false });
  await noSeriousViolations(report);
  await report.close();
});
