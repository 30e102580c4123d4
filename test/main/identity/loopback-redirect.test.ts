// The RFC 8252 loopback listener over real loopback HTTP: one callback with the right state, then
// the port is closed; wrong or missing state refused while it keeps waiting; an error= answer
// delivered with the provider's words; a timeout; and the card step served once, to the provider's
// origin only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { openLoopbackRedirect } from '../../../main/identity/cis2/loopback-redirect';
import { ScripError } from '../../../main/errors';

interface Answer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** A raw HTTP request (fetch would hide the Origin header we need to set). */
function call(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', headers: init.headers ?? {} }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8'), headers: res.headers }),
      );
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

const STATE = 'state-abc';

test('the callback with the right state is taken once, its page sent, and the port closed afterwards', async () => {
  const r = await openLoopbackRedirect(STATE);
  assert.match(r.redirectUri, /^http:\/\/127\.0\.0\.1:\d+\/callback$/, 'an ephemeral port on 127.0.0.1');
  const ok = await call(`${r.redirectUri}?code=c1&state=${STATE}`);
  assert.equal(ok.status, 200, 'the browser is answered');
  assert.match(ok.body, /You are logged in/, 'with a page saying what happened');
  assert.equal(ok.headers['cache-control'], 'no-store', 'not cached');
  const url = await r.result;
  assert.equal(url.searchParams.get('code'), 'c1', 'the code is handed over');
  assert.equal(r.listening, false, 'the listener says it has stopped');
  await assert.rejects(
    call(`${r.redirectUri}?code=c2&state=${STATE}`),
    (e: NodeJS.ErrnoException) => e.code === 'ECONNREFUSED',
    'a replayed callback finds the port closed',
  );
});

test('a wrong or missing state is refused and the listener keeps waiting for the real answer', async () => {
  const r = await openLoopbackRedirect(STATE);
  try {
    const wrong = await call(`${r.redirectUri}?code=evil&state=other`);
    assert.equal(wrong.status, 400, 'wrong state refused');
    assert.match(wrong.body, /state is wrong or missing/, 'the page says why');
    const missing = await call(`${r.redirectUri}?code=evil`);
    assert.equal(missing.status, 400, 'missing state refused');
    const elsewhere = await call(r.redirectUri.replace('/callback', '/other') + `?state=${STATE}`);
    assert.equal(elsewhere.status, 404, 'another path is not the callback');
    assert.equal(r.listening, true, 'still listening');
    await call(`${r.redirectUri}?code=good&state=${STATE}`);
    assert.equal((await r.result).searchParams.get('code'), 'good', 'only the right answer is taken');
  } finally {
    r.close();
  }
});

test("an error= answer is delivered with the provider's words, and the page shows them", async () => {
  const r = await openLoopbackRedirect(STATE);
  const page = await call(
    `${r.redirectUri}?error=access_denied&error_description=${encodeURIComponent('The user cancelled <b>')}&state=${STATE}`,
  );
  assert.equal(page.status, 200, 'answered');
  assert.match(page.body, /access_denied: The user cancelled &#60;b&#62;/, 'escaped provider words on the page');
  const url = await r.result;
  assert.equal(url.searchParams.get('error'), 'access_denied', 'the error reaches the login');
  assert.equal(r.listening, false, 'and the listener closes');
});

test('a login not completed in time fails with a clear error and the port is closed', async () => {
  const r = await openLoopbackRedirect(STATE, { timeoutMs: 150 });
  await assert.rejects(
    r.result,
    (e: unknown) =>
      e instanceof ScripError && e.details?.check === 'timeout' && /not completed in the browser/.test(e.message),
    'a timeout says the login was not completed',
  );
  assert.equal(r.listening, false, 'stopped listening');
  await assert.rejects(
    call(`${r.redirectUri}?code=late&state=${STATE}`),
    (e: NodeJS.ErrnoException) => e.code === 'ECONNREFUSED',
    'a late callback finds the port closed',
  );
});

test('close() stops a login still waiting and frees the port', async () => {
  const r = await openLoopbackRedirect(STATE);
  r.close();
  await assert.rejects(r.result, /stopped/, 'the waiting login is told');
  await assert.rejects(
    call(`${r.redirectUri}?code=x&state=${STATE}`),
    (e: NodeJS.ErrnoException) => e.code === 'ECONNREFUSED',
    'nothing listens',
  );
});

test("the card step is served once, to the provider's origin only, with CORS for that origin alone", async () => {
  const origin = 'https://127.0.0.1:9443';
  const asked: Array<{ transaction: string; cardUrl: string }> = [];
  const r = await openLoopbackRedirect(STATE, {
    cardStep: {
      origin,
      sign: (req) => {
        asked.push(req);
        return Promise.resolve({ uid: '555086689106', response: 'signed' });
      },
    },
  });
  const cardUrl = r.redirectUri.replace('/callback', '/card');
  const body = JSON.stringify({ transaction: 't1', cardUrl: `${origin}/cis2/authorize/card` });
  try {
    const foreign = await call(cardUrl, {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'content-type': 'application/json' },
      body,
    });
    assert.equal(foreign.status, 403, 'another origin is refused');
    const none = await call(cardUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    assert.equal(none.status, 403, 'a request with no Origin (not a page of the provider) is refused');
    assert.equal(asked.length, 0, 'the card was not asked for either');
    const pre = await call(cardUrl, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST' },
    });
    assert.equal(pre.status, 204, 'preflight answered');
    assert.equal(pre.headers['access-control-allow-origin'], origin, 'for the provider origin only');
    const ok = await call(cardUrl, {
      method: 'POST',
      headers: { origin, 'content-type': 'application/json' },
      body,
    });
    assert.equal(ok.status, 200, `the provider's page is answered: ${ok.body}`);
    assert.deepEqual(JSON.parse(ok.body), { uid: '555086689106', response: 'signed' }, 'with the card answer');
    assert.deepEqual(asked, [{ transaction: 't1', cardUrl: `${origin}/cis2/authorize/card` }], 'asked once');
    const again = await call(cardUrl, {
      method: 'POST',
      headers: { origin, 'content-type': 'application/json' },
      body,
    });
    assert.equal(again.status, 409, 'a second card request is refused');
    assert.equal(asked.length, 1, 'and the card is not asked again');
  } finally {
    r.close();
  }
});

test('the card step is not served at all when the login has none (a real provider does its own)', async () => {
  const r = await openLoopbackRedirect(STATE);
  try {
    const res = await call(r.redirectUri.replace('/callback', '/card'), {
      method: 'POST',
      headers: { origin: 'https://127.0.0.1:9443', 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(res.status, 404, 'no card step');
  } finally {
    r.close();
  }
});
