// The `cis2-apim` authentication kind as a prescriber uses it, in real Chromium against
// `scrip start --browser` with the embedded sandbox as a CIS2 + APIM environment
// (SCRIP_SANDBOX_AUTH=cis2-apim), the virtual card in the real vpcd reader and the application key
// in a real Secret Service: log in with the card (the CIS2-style provider checks the card's
// signature; the ID token is exchanged at the APIM-style gateway), choose a role, sign a
// prescription that EPS accepts over the APIM route; the token shows nowhere and dies with the card,
// and so does the CIS2 login session (RP-initiated logout at its end_session_endpoint).
import { test, expect, type Page, type BrowserContext } from '@playwright/test';
import { openScripInBrowser, type ScripProcess } from './support/scrip-process';
import { noSeriousViolations, press, typeInto } from './support/pad';
import { virtualCardFor, type TestCard } from '../support/virtual-card';
import { sandboxAccessToken, sandboxGet } from '../support/sandbox-session';

const PIN = '482913';
let scrip: ScripProcess;
let card: TestCard;
let context: BrowserContext;
let page: Page;
let accessToken = '';

test.describe.configure({ mode: 'serial' });
test.use({ actionTimeout: 15_000 });

test.beforeAll(async ({ browser }) => {
  ({ scrip, context, page } = await openScripInBrowser(browser, {}, { SCRIP_SANDBOX_AUTH: 'cis2-apim' }));
  card = virtualCardFor(scrip.dataDir, { pin: PIN });
});
test.afterAll(async () => {
  await card?.remove().catch(() => undefined);
  await context?.close();
  await scrip?.stop();
});

const rpc = <T>(name: string, input: unknown = {}): Promise<T> =>
  page.evaluate(
    async ([n, i]) =>
      (await (
        await fetch(`/rpc/${n as string}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-scrip-session': sessionStorage.getItem('scrip.tab') ?? '' },
          body: JSON.stringify(i),
        })
      ).json()) as unknown,
    [name, input] as const,
  ) as Promise<T>;
const heading = (name: string | RegExp) => page.getByRole('heading', { level: 1, name });
const button = (name: string | RegExp) => page.getByRole('button', { name });

test('the environment is cis2-apim, and its check reaches CIS2 discovery, the JWKS and APIM', async () => {
  const list = await rpc<{ environments: Array<{ name: string; auth: string; cis2: { issuer: string } | null }> }>(
    'environments.list',
  );
  const sandbox = list.environments.find((e) => e.name === 'sandbox');
  expect(sandbox?.auth, 'the embedded sandbox uses CIS2 + APIM').toBe('cis2-apim');
  const check = await rpc<{ ok: boolean; services: Array<{ service: string; ok: boolean; detail: string }> }>(
    'environments.check',
    { name: 'sandbox' },
  );
  expect(check.services.map((s) => s.service).sort(), 'no security broker; discovery, JWKS and APIM checked').toEqual([
    'apim',
    'cis2',
    'eps',
    'jwks',
    'pds',
  ]);
  expect(
    check.services.filter((s) => !s.ok).map((s) => `${s.service}: ${s.detail}`),
    'every service answers',
  ).toEqual([]);
  expect(check.services.find((s) => s.service === 'jwks')?.detail).toMatch(/1 signing key/);
});

test('log in with the card through CIS2 and choose a prescribing role, by keyboard', async () => {
  await card.insert();
  await expect(page.getByTestId('card-holder')).toContainText('555086689106');
  await typeInto(page, page.getByLabel('Passcode', { exact: true }), PIN);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: /Logged in as DR CLARE BOIN/ })).toBeVisible({ timeout: 20_000 });
  await press(page, page.getByLabel(/at HALLGARTH SURGERY/), 'Space');
  await press(page, button('Use this role'), 'Enter');
  await expect(page.getByTestId('session-status')).toContainText('HALLGARTH SURGERY');
  accessToken = (await rpc<{ token: string }>('ticket.get')).token;
  expect(
    (await sandboxAccessToken(scrip, accessToken)).state,
    'the session is an APIM access token the gateway honours',
  ).toBe('live');
  expect((await sandboxAccessToken(scrip, accessToken)).cis2Session?.state, 'from a live CIS2 login session').toBe(
    'live',
  );
  await noSeriousViolations(page, 'logged in through CIS2');
});

test('a prescription signed with the card is accepted by EPS over the APIM route', async () => {
  await page.goto(new URL('/#/prescribe', scrip.ready.url).toString());
  await press(page, button('Start a new prescription'), 'Enter');
  await typeInto(page, page.getByLabel('NHS number'), '9000000017');
  await page.keyboard.press('Enter');
  await press(page, button(/^Prescribe for /), 'Enter');
  await expect(heading('Write the prescription')).toBeVisible();
  await typeInto(page, page.getByRole('combobox', { name: 'Medicine' }), 'azith');
  await expect(page.getByRole('option', { name: /Azithromycin 250mg capsules/ })).toBeVisible();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await typeInto(page, page.getByLabel('Dose', { exact: true }), '2 od 3d');
  await page.keyboard.press('Enter');
  await expect(page.locator('[data-item]')).toContainText('6 capsules');
  await press(page, button('Continue to review'), 'Enter');
  await expect(heading('Check the prescription before you sign')).toBeVisible();
  await typeInto(page, page.getByLabel('Card passcode'), PIN);
  await press(page, button('Sign and send'), 'Enter');
  await expect(heading('Prescription signed')).toBeVisible({ timeout: 20_000 });
  await expect(page.getByTestId('sent-status')).toHaveAttribute('data-status', 'accepted', { timeout: 20_000 });
  // EPS saw the APIM bearer: the sandbox's message log has the accepted $process-message (token redacted).
  const log = JSON.parse(await sandboxGet(scrip, '/_log?since=0')) as {
    exchanges: Array<{ path: string; status: number }>;
  };
  expect(
    log.exchanges.some((x) => x.path.endsWith('/$process-message') && x.status === 200),
    'EPS accepted the prescription',
  ).toBe(true);
  expect(
    log.exchanges.some((x) => x.path === '/oauth2/token' && x.status === 200),
    'the ID token was exchanged at APIM',
  ).toBe(true);
  await noSeriousViolations(page, 'signed and sent over APIM');
});

test('the token is in no page, log or audit entry, and dies at APIM when the card is pulled', async () => {
  expect(await page.content(), 'the UI never shows the token').not.toContain(accessToken);
  expect(await sandboxGet(scrip, '/_log?since=0'), 'the message log never holds the token').not.toContain(accessToken);
  expect(JSON.stringify(await rpc('audit.list', {})), 'the audit log never holds the token').not.toContain(accessToken);
  await card.remove();
  await expect(page.getByTestId('session-notice')).toContainText('your card was removed', { timeout: 5000 });
  await expect
    .poll(async () => (await sandboxAccessToken(scrip, accessToken)).state, {
      message: 'revoked at the gateway',
      timeout: 5000,
    })
    .toBe('revoked');
  // RP-initiated logout: the CIS2 login session itself is over, and every provider token of it.
  await expect
    .poll(async () => (await sandboxAccessToken(scrip, accessToken)).cis2Session, {
      message: 'the CIS2 session ended at its end_session_endpoint',
      timeout: 5000,
    })
    .toEqual({ state: 'ended', liveTokens: 0 });
});
