// The CIS2 system-browser route (RFC 8252, decision 0017) end to end: `scrip start --browser` with
// the embedded sandbox as a CIS2 + APIM environment reached through the system browser
// (SCRIP_SANDBOX_CIS2_LOGIN=system-browser). The "system browser" is a second Chromium context that
// the test drives: Scrip opens the authorization request through SCRIP_BROWSER_OPENER, a command the
// test supplies that records the URL; the test opens it there. The sandbox's login page asks the
// login's own loopback listener to have the virtual card (real vpcd reader) sign its challenge, and
// the browser brings the code back to the listener. Then: a role chosen, a prescription accepted
// over the APIM route, the callback replayed and refused, the token nowhere, the card pulled.
import { test, expect, type Page, type BrowserContext } from '@playwright/test';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openScripInBrowser, type ScripProcess } from './support/scrip-process';
import { noSeriousViolations, press, typeInto } from './support/pad';
import { virtualCardFor, type TestCard } from '../support/virtual-card';
import { sandboxAccessToken, sandboxGet } from '../support/sandbox-session';

const PIN = '482913';
let scrip: ScripProcess;
let card: TestCard;
let context: BrowserContext;
let page: Page;
/** The user's "system browser": its own context, as another application would be. */
let system: BrowserContext;
let openerDir: string;
let urlsFile: string;
let accessToken = '';
let callbackUrl = '';

test.describe.configure({ mode: 'serial' });
test.use({ actionTimeout: 15_000 });

test.beforeAll(async ({ browser }) => {
  // The opener Scrip runs with the authorization URL: it only writes it down for the test.
  openerDir = mkdtempSync(join(tmpdir(), 'scrip-opener-'));
  urlsFile = join(openerDir, 'urls.txt');
  const opener = join(openerDir, 'open-url.sh');
  writeFileSync(opener, '#!/bin/sh\nprintf \'%s\\n\' "$2" >> "$1"\n');
  chmodSync(opener, 0o700);
  ({ scrip, context, page } = await openScripInBrowser(
    browser,
    {},
    {
      SCRIP_SANDBOX_AUTH: 'cis2-apim',
      SCRIP_SANDBOX_CIS2_LOGIN: 'system-browser',
      SCRIP_BROWSER_OPENER: `${opener} ${urlsFile}`,
    },
  ));
  card = virtualCardFor(scrip.dataDir, { pin: PIN });
  // The sandbox's CA is Scrip's environment's, not the browser's: this browser is told to accept it.
  system = await browser.newContext({ ignoreHTTPSErrors: true });
});
test.afterAll(async () => {
  await card?.remove().catch(() => undefined);
  await system?.close();
  await context?.close();
  await scrip?.stop();
  rmSync(openerDir, { recursive: true, force: true });
});

const heading = (name: string | RegExp) => page.getByRole('heading', { level: 1, name });
const button = (name: string | RegExp) => page.getByRole('button', { name });

/** The n-th URL Scrip asked the system browser to open. */
async function openedUrl(n: number): Promise<URL> {
  await expect
    .poll(() => (existsSync(urlsFile) ? readFileSync(urlsFile, 'utf8').trim().split('\n').length : 0), {
      message: 'Scrip opened the authorization request in the system browser',
      timeout: 15_000,
    })
    .toBeGreaterThanOrEqual(n);
  return new URL(readFileSync(urlsFile, 'utf8').trim().split('\n')[n - 1]!);
}

/** A GET on loopback from outside any browser: its status, or the connection error's code. */
function probe(url: string): Promise<string> {
  return new Promise((resolve) => {
    request(url, (res) => {
      res.resume();
      resolve(String(res.statusCode));
    })
      .on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message))
      .end();
  });
}

test('cancelling at the provider ends the login with its words, and the listener closes', async () => {
  await card.insert();
  await expect(page.getByTestId('card-holder')).toContainText('555086689106');
  await typeInto(page, page.getByLabel('Passcode', { exact: true }), PIN);
  await page.keyboard.press('Enter');
  const url = await openedUrl(1);
  const tab = await system.newPage();
  // The person cancels before the page reaches the card: its script is held back in this tab.
  await tab.route('**/authorize/login.js', (r) => r.abort());
  await tab.goto(url.toString());
  await expect(tab.getByRole('heading', { name: 'Log in with your smartcard' })).toBeVisible();
  await tab.getByRole('link', { name: 'Cancel the login' }).click();
  await expect(tab.locator('body')).toContainText('The login was refused (access_denied');
  await expect(page.getByRole('alert')).toContainText('The user cancelled the login at the CIS2 login page');
  const redirect = new URL(url.searchParams.get('redirect_uri')!);
  expect(await probe(`${redirect.origin}/callback?state=x`), 'the listener is gone after the answer').toBe(
    'ECONNREFUSED',
  );
  await tab.close();
});

test('log in through the system browser: PKCE S256, state, nonce, a loopback redirect; the page gets the card through Scrip', async () => {
  await typeInto(page, page.getByLabel('Passcode', { exact: true }), PIN);
  await page.keyboard.press('Enter');
  const url = await openedUrl(2);
  const q = url.searchParams;
  expect(q.get('code_challenge_method'), 'PKCE S256').toBe('S256');
  expect(q.get('code_challenge')?.length, 'a 43-character S256 challenge').toBe(43);
  expect(q.get('state')?.length ?? 0, 'a random state').toBeGreaterThanOrEqual(32);
  expect(q.get('nonce')?.length ?? 0, 'a random nonce').toBeGreaterThanOrEqual(32);
  expect(q.get('redirect_uri'), 'a loopback redirect on an ephemeral port (RFC 8252 §7.3)').toMatch(
    /^http:\/\/127\.0\.0\.1:\d+\/callback$/,
  );
  // Until the browser brings the login back, Scrip's page says where it is waiting.
  await expect(page.getByTestId('browser-login'), 'Scrip says the login waits in the web browser').toContainText(
    'Finish logging in in your web browser',
  );
  await expect(button('Waiting for your web browser…'), 'the Log in button says what it waits for').toBeDisabled();
  const tab = await system.newPage();
  await tab.goto(url.toString());
  // The page asks Scrip's listener, Scrip's card signs, the page posts, the provider redirects back.
  await expect(tab.locator('body')).toContainText('You are logged in', { timeout: 20_000 });
  callbackUrl = tab.url();
  expect(new URL(callbackUrl).searchParams.get('state'), 'the callback carried the state').toBe(q.get('state'));
  await expect(page.getByRole('heading', { name: /Logged in as DR CLARE BOIN/ })).toBeVisible({ timeout: 20_000 });
  await expect(page.getByTestId('browser-login'), 'the waiting notice goes once the login is back').toHaveCount(0);
  await press(page, page.getByLabel(/at HALLGARTH SURGERY/), 'Space');
  await press(page, button('Use this role'), 'Enter');
  await expect(page.getByTestId('session-status')).toContainText('HALLGARTH SURGERY');
  accessToken = (await page.evaluate(async () => {
    const res = await fetch('/rpc/ticket.get', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-scrip-session': sessionStorage.getItem('scrip.tab') ?? '' },
      body: '{}',
    });
    return ((await res.json()) as { token: string }).token;
  })) as string;
  expect((await sandboxAccessToken(scrip, accessToken)).state, 'an APIM access token the gateway honours').toBe('live');
  await tab.close();
  await noSeriousViolations(page, 'logged in through the system browser');
});

test('the callback replayed in the browser is refused: the listener closed after the one answer', async () => {
  const tab = await system.newPage();
  const replay = await tab.goto(callbackUrl).then(
    () => 'answered',
    (e: Error) => e.message,
  );
  expect(replay, 'nothing listens at the loopback address any more').toMatch(/ERR_CONNECTION_REFUSED/);
  expect(await probe(callbackUrl), 'nor from outside a browser').toBe('ECONNREFUSED');
  await tab.close();
  expect((await sandboxAccessToken(scrip, accessToken)).state, 'the session is untouched by the replay').toBe('live');
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
  const log = JSON.parse(await sandboxGet(scrip, '/_log?since=0')) as {
    exchanges: Array<{ path: string; status: number; method?: string }>;
  };
  expect(
    log.exchanges.some((x) => x.path.endsWith('/$process-message') && x.status === 200),
    'EPS accepted the prescription',
  ).toBe(true);
  expect(
    log.exchanges.some((x) => x.path === '/cis2/authorize/card' && x.status === 302),
    "the browser posted the card's answer to the provider, which redirected it to Scrip",
  ).toBe(true);
  expect(
    log.exchanges.some((x) => x.path === '/oauth2/token' && x.status === 200),
    'the ID token was exchanged at APIM',
  ).toBe(true);
});

test('the token is in no page, log or audit entry, and dies at APIM when the card is pulled', async () => {
  expect(await page.content(), 'the UI never shows the token').not.toContain(accessToken);
  expect(await sandboxGet(scrip, '/_log?since=0'), 'the message log never holds the token').not.toContain(accessToken);
  expect(
    JSON.stringify(
      await page.evaluate(async () => {
        const res = await fetch('/rpc/audit.list', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-scrip-session': sessionStorage.getItem('scrip.tab') ?? '' },
          body: '{}',
        });
        return (await res.json()) as unknown;
      }),
    ),
    'the audit log never holds the token',
  ).not.toContain(accessToken);
  const logFile = join(scrip.dataDir, 'logs', 'scrip.log');
  expect(existsSync(logFile), "Scrip's own log file exists").toBe(true);
  expect(readFileSync(logFile, 'utf8'), "Scrip's log never holds the token").not.toContain(accessToken);
  await card.remove();
  await expect(page.getByTestId('session-notice')).toContainText('your card was removed', { timeout: 5000 });
  await expect
    .poll(async () => (await sandboxAccessToken(scrip, accessToken)).state, {
      message: 'revoked at the gateway',
      timeout: 5000,
    })
    .toBe('revoked');
});
