// The system-browser route's client side against the sandbox's CIS2-style provider over real
// HTTPS and loopback HTTP, with the "browser" played by the opener: the card step signs only a
// challenge the provider issued for this login (another login's transaction, a card address off the
// provider's origin: refused, the card never asked); a cancel at the provider comes back as the
// provider's words; the opener for the agent says where to go when no browser opens.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type RunningSandbox } from '../../../sandbox/server';
import { ApplicationStore } from '../../../sandbox/cis2/applications';
import { Cis2Login } from '../../../main/identity/cis2/oidc-login';
import { runOpener, systemBrowserOpener } from '../../../main/identity/cis2/system-browser';
import { ServiceClient } from '../../../main/net/service-client';
import { ScripError } from '../../../main/errors';

const CLIENT = 'scrip-browser-test.apps.sandbox';
let sb: RunningSandbox, dir: string, http: ServiceClient;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'scrip-cis2-browser-'));
  sb = await startSandbox({ dataDir: dir });
  const jwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' });
  new ApplicationStore(dir).register({
    name: 'Scrip (browser test)',
    cis2ClientId: CLIENT,
    apimClientId: 'scrip-browser-test',
    redirectUris: ['http://127.0.0.1/callback'],
    keys: [{ kty: 'RSA', n: String(jwk.n), e: String(jwk.e), kid: 'k1' }],
  });
  http = new ServiceClient({ serviceName: 'CIS2', caPem: sb.context.ca.root.pem });
});
after(async () => {
  http.close();
  await sb.close();
  rmSync(dir, { recursive: true, force: true });
});

const login = () =>
  new Cis2Login(http, { issuer: `${sb.baseUrl}/cis2`, clientId: CLIENT }, () =>
    Promise.reject(new Error('no code is redeemed in these tests')),
  );

/** What the provider's login page says (the browser's view of it). */
async function loginPage(url: string): Promise<{ transaction: string; cardUrl: string; cancel: string }> {
  const res = await http.send(url, { headers: { accept: 'text/html' } });
  assert.equal(res.status, 200, `the login page is served: ${res.body.toString('utf8').slice(0, 200)}`);
  const html = res.body.toString('utf8');
  const meta = (n: string) => new RegExp(`<meta name="${n}" content="([^"]*)"`).exec(html)?.[1] ?? '';
  const unescape = (s: string) => s.replace(/&#(\d+);/g, (_m, d: string) => String.fromCharCode(Number(d)));
  return {
    transaction: meta('cis2-transaction'),
    cardUrl: unescape(meta('cis2-card-url')),
    cancel: unescape(/<a href="([^"]*)">Cancel the login<\/a>/.exec(html)?.[1] ?? ''),
  };
}

/** The page's request to the login's listener, as the browser sends it (with the page's Origin). */
async function askListener(
  redirectUri: string,
  body: { transaction: string; cardUrl: string },
): Promise<{ status: number; body: { error?: string } }> {
  const res = await fetch(redirectUri.replace('/callback', '/card'), {
    method: 'POST',
    headers: { origin: new URL(sb.baseUrl).origin, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as { error?: string } };
}

/** Follows the page's cancel link and delivers the provider's redirect to the listener, as a browser would. */
async function cancelAt(page: { cancel: string }): Promise<void> {
  const res = await http.send(page.cancel);
  assert.equal(res.status, 302, 'the provider sends the person back');
  await (await fetch(String(res.headers.location))).arrayBuffer();
}

test("another login's transaction is refused at the card step; the card is never asked; a cancel brings the provider's words back", async () => {
  let signed = 0;
  let seen = { status: 0, body: {} as { error?: string } };
  const attempt = login().loginInBrowser({
    timeoutMs: 20_000,
    signChallenge: () => {
      signed++;
      return Promise.resolve({ uid: 'x', response: 'y' });
    },
    open: async (url) => {
      const ours = new URL(url);
      // Someone else's authorization request (its own state) with Scrip's redirect URI.
      const theirs = new URL(ours);
      theirs.searchParams.set('state', 'not-scrips-state');
      const foreign = await loginPage(theirs.toString());
      seen = await askListener(ours.searchParams.get('redirect_uri')!, foreign);
      await cancelAt(await loginPage(url));
    },
  });
  await assert.rejects(
    attempt,
    (e: unknown) =>
      e instanceof ScripError &&
      e.details?.check === 'authorize' &&
      /access_denied: The user cancelled the login at the CIS2 login page/.test(e.message),
    "the provider's error= answer ends the login with its words",
  );
  assert.equal(seen.status, 400, 'the foreign transaction is refused');
  assert.match(seen.body.error ?? '', /not the one Scrip started/, 'and the page is told why');
  assert.equal(signed, 0, 'the card was never asked to sign');
});

test("a card address off the provider's origin is refused before the provider is asked", async () => {
  let signed = 0;
  let seen = { status: 0, body: {} as { error?: string } };
  const attempt = login().loginInBrowser({
    timeoutMs: 20_000,
    signChallenge: () => {
      signed++;
      return Promise.resolve({ uid: 'x', response: 'y' });
    },
    open: async (url) => {
      const page = await loginPage(url);
      seen = await askListener(new URL(url).searchParams.get('redirect_uri')!, {
        transaction: page.transaction,
        cardUrl: 'https://evil.example/cis2/authorize/card',
      });
      await cancelAt(page);
    },
  });
  await assert.rejects(attempt, /access_denied/, 'the login ends at the cancel');
  assert.equal(seen.status, 400, 'refused');
  assert.match(seen.body.error ?? '', /is not the provider's/, 'the page is told why');
  assert.equal(signed, 0, 'the card was never asked to sign');
});

test('a login stopped by its signal (the card left) closes the listener and says why', async () => {
  const stop = new AbortController();
  let redirect = '';
  const attempt = login().loginInBrowser({
    signal: stop.signal,
    open: (url) => {
      redirect = new URL(url).searchParams.get('redirect_uri')!;
      setTimeout(() => stop.abort(), 50);
      return Promise.resolve();
    },
  });
  await assert.rejects(attempt, (e: unknown) => e instanceof ScripError && e.code === 'card-removed', 'the card left');
  await assert.rejects(fetch(redirect), /fetch failed/, 'nothing listens any more');
});

test("the agent's opener runs the named command with the URL, and prints the address when it cannot open one", async () => {
  await runOpener(['true'], 'https://example.test/authorize');
  await assert.rejects(runOpener(['false'], 'https://example.test/'), /exited with code 1/, 'a failing opener is told');
  const told: string[] = [];
  await systemBrowserOpener({ SCRIP_BROWSER_OPENER: '/nonexistent/browser --new-window' }, (l) => told.push(l))(
    'https://cis2.example/authorize?state=s',
  );
  assert.equal(told.length, 1, 'one message');
  assert.match(told[0]!, /could not open a browser/, 'says what happened');
  assert.match(told[0]!, /https:\/\/cis2\.example\/authorize\?state=s$/, 'and gives the address to open by hand');
});
