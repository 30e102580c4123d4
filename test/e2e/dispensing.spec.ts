// The Dispense page as a pharmacist uses it, in real Chromium against `scrip start --browser`, by
// keyboard. The virtual card of the embedded sandbox is a prescriber's, so this spec starts its own
// sandbox (lifecycle-support: prescriptions signed without a card), makes it Scrip's environment
// (its CA bundle holds the Signing CA prescriber signatures chain to) and puts a card for the
// sandbox's pharmacist (WESTON PHARMACY, FCG71) into the real vpcd reader. Release by ID, see the
// signature verdict, record dispensed / not dispensed per item; a revoked signer is shown as "do not
// dispense" with the details viewable; return with a reason. axe-core checks every screen.
// Run it through the runner, which takes the machine-wide pcscd/vpcd lock: node scripts/run-suites.mjs e2e dispensing.spec
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect, type Page, type BrowserContext } from '@playwright/test';
import { openScripInBrowser, type ScripProcess } from './support/scrip-process';
import { noSeriousViolations, typeInto, press } from './support/pad';
import { LifecycleSandbox, PEOPLE, type Made } from '../sandbox/eps/lifecycle-support';
import { issueCard } from '../../sandbox/card/issue';
import { PivCard } from '../../sandbox/card/piv-card';
import { VpcdAttachment } from '../../sandbox/card/vpcd-client';
import { parseTrackerBundle, trackerQuery } from '../../protocols/eps/tracker';

const PIN = '482913';
const s = new LifecycleSandbox();
let scrip: ScripProcess;
let card: VpcdAttachment;
let context: BrowserContext;
let page: Page;
let good: Made, revoked: Made, toReturn: Made;

test.describe.configure({ mode: 'serial' });
test.use({ actionTimeout: 15_000 });

const rpc = (name: string, input: unknown) =>
  page.evaluate(
    async ([n, i]) => {
      const r = await fetch(`/rpc/${n as string}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-scrip-session': sessionStorage.getItem('scrip.tab') ?? '' },
        body: JSON.stringify(i),
      });
      return { status: r.status, body: await r.text() };
    },
    [name, input] as const,
  );

test.beforeAll(async ({ browser }) => {
  await s.start();
  ({ scrip, context, page } = await openScripInBrowser(browser));
  const caPem = readFileSync(s.sb.caCertPath, 'utf8') + readFileSync(join(s.dir, 'ca', 'sign-ca.pem'), 'utf8');
  const base = s.sb.baseUrl;
  const saved = await rpc('environments.save', {
    name: 'pharmacy',
    label: 'Pharmacy test sandbox',
    brokerUrl: base,
    epsUrl: `${base}/FHIR/R4`,
    pdsUrl: base,
    caPem,
  });
  expect(saved.status, saved.body).toBe(200);
  const used = await rpc('environments.use', { name: 'pharmacy' });
  expect(used.status, used.body).toBe(200);
  card = new VpcdAttachment(
    new PivCard(
      issueCard({
        userId: PEOPLE.pharmacist.user,
        displayName: 'MR AMIR PATEL',
        pin: PIN,
        puk: '12345678',
        ca: s.sb.context.ca,
      }).card,
    ),
    { port: 35963 },
  );
  good = await s.send({ items: 2 });
  const signer = s.signer(true);
  revoked = await s.send({ items: 1, signer });
  s.sb.context.ca.revoke(signer.serial, 'keyCompromise');
  toReturn = await s.send({ items: 1 });
});
test.afterAll(async () => {
  await card?.remove().catch(() => undefined);
  await context?.close();
  await scrip?.stop();
  await s.close();
});

const heading = (name: string | RegExp) => page.getByRole('heading', { level: 1, name });
const button = (name: string | RegExp) => page.getByRole('button', { name });
const trackerStatus = async (m: Made) =>
  parseTrackerBundle(
    (await s.call('prescriber', 'GET', `/FHIR/R4${trackerQuery({ prescriptionId: m.shortId })}`)).json,
  )[0]?.status.code;

async function releaseById(id: string) {
  await press(page, page.getByRole('link', { name: 'Dispense', exact: true }).first(), 'Enter');
  await expect(heading('Dispense')).toBeVisible();
  await typeInto(page, page.getByLabel('Release a prescription by its ID'), id);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('release-result')).toContainText(id);
}

test('log in with the card, by keyboard: the one pharmacy role is chosen', async () => {
  await card.insert();
  await expect(page.getByTestId('card-holder')).toContainText(PEOPLE.pharmacist.user);
  await typeInto(page, page.getByLabel('Passcode', { exact: true }), PIN);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('session-status')).toContainText('WESTON PHARMACY');
});

test('a pharmacist is not offered prescribing: the pad says why before any click', async () => {
  await press(page, page.getByRole('link', { name: 'Prescribe', exact: true }).first(), 'Enter');
  await expect(page.getByTestId('cannot-prescribe'), 'the pad explains the role cannot prescribe').toContainText(
    'cannot prescribe',
  );
  await expect(
    page.getByRole('button', { name: 'Start a new prescription' }),
    'and offers no new prescription',
  ).toHaveCount(0);
});

test('release by ID: a wrong ID is explained; the right one is released with a valid signature', async () => {
  await press(page, page.getByRole('link', { name: 'Dispense', exact: true }).first(), 'Enter');
  await expect(heading('Dispense')).toBeFocused();
  await noSeriousViolations(page, 'dispense start');
  const field = page.getByLabel('Release a prescription by its ID');
  await typeInto(page, field, 'not an id');
  await page.keyboard.press('Enter');
  await expect(page.locator('.nhsuk-error-summary')).toBeFocused();
  await expect(page.locator('.nhsuk-error-summary')).toContainText('18 characters');
  await expect(field).toHaveAttribute('aria-describedby', /error/);
  await noSeriousViolations(page, 'release with an error');
  await typeInto(page, field, good.shortId.toLowerCase());
  await page.keyboard.press('Enter');
  const result = page.getByTestId('release-result');
  await expect(result.getByRole('heading', { name: 'Released' })).toBeFocused();
  await expect(result).toContainText('Released 1 prescription to FCG71');
  await expect(result).toContainText(`${good.shortId} for`);
  await expect(page.locator(`[data-released="${good.shortId}"]`)).toContainText('Signature valid');
  await noSeriousViolations(page, 'released');
});

test('open it, see the verdict and items, record one dispensed and one not: EPS says dispensed', async () => {
  await press(page, page.getByTestId('release-result').getByRole('link', { name: good.shortId }), 'Enter');
  await expect(heading(`Prescription ${good.shortId}`)).toBeVisible();
  await expect(page.getByTestId('signature-verdict')).toHaveAttribute('data-ok', 'true');
  await expect(page.getByTestId('dispense-summary')).toContainText('HALLGARTH SURGERY');
  await expect(page.getByTestId('dispense-items').locator('tbody tr')).toHaveCount(2);
  await noSeriousViolations(page, 'prescription to dispense');
  // Sending with nothing chosen is caught.
  await press(page, button('Record and send to EPS'), 'Enter');
  await expect(page.locator('.nhsuk-error-summary')).toBeFocused();
  const form = page.getByTestId('record-form');
  await press(page, form.getByLabel('Dispensed in full').first(), 'Space');
  await press(page, form.getByLabel('Not dispensed').nth(1), 'Space');
  await press(page, button('Record and send to EPS'), 'Enter');
  await expect(page.getByTestId('dispense-done')).toContainText('Recorded and sent to EPS: dispensed');
  await expect(page.getByTestId('dispense-summary').locator('[data-status]')).toHaveAttribute(
    'data-status',
    'dispensed',
  );
  await expect(page.getByTestId('record-form')).toHaveCount(0);
  expect(await trackerStatus(good)).toBe('0006');
  await noSeriousViolations(page, 'dispensed');
});

test('a revoked signer: shown as "do not dispense", no way to record dispensing, details still viewable', async () => {
  await releaseById(revoked.shortId);
  await expect(page.getByTestId('release-result')).toContainText('must not be dispensed');
  await noSeriousViolations(page, 'released with a bad signature');
  await press(page, page.getByTestId('release-result').getByRole('link', { name: revoked.shortId }), 'Enter');
  const verdict = page.getByTestId('signature-verdict');
  await expect(verdict).toHaveAttribute('data-ok', 'false');
  await expect(verdict).toContainText('Do not dispense');
  await expect(verdict).toContainText('Certificate is revoked');
  await expect(page.getByTestId('record-form')).toHaveCount(0);
  await expect(page.getByTestId('dispense-summary')).toContainText(revoked.nhsNumber.slice(0, 3));
  await expect(page.getByTestId('dispense-items').locator('tbody tr')).toHaveCount(1);
  await noSeriousViolations(page, 'bad signature');
});

test('return a prescription to Spine with a reason', async () => {
  await releaseById(toReturn.shortId);
  await press(page, page.getByTestId('release-result').getByRole('link', { name: toReturn.shortId }), 'Enter');
  await expect(heading(`Prescription ${toReturn.shortId}`)).toBeVisible();
  await press(page, button('Return to Spine'), 'Enter');
  await expect(page.locator('.nhsuk-error-summary')).toBeFocused();
  await press(page, page.getByTestId('return-form').getByLabel('Patient requested release'), 'Space');
  await press(page, button('Return to Spine'), 'Enter');
  await expect(page.getByTestId('dispense-done')).toContainText('Returned to Spine');
  await expect(page.getByTestId('dispense-summary')).toContainText('Patient requested release');
  expect(await trackerStatus(toReturn)).toBe('0001');
  await noSeriousViolations(page, 'returned');
});
