// The local HTTP API over a real loopback socket: keys, Host/Origin rules, routes, SSE, browser mode.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { startTestApp, type TestApp } from '../../support/test-app';

let t: TestApp;
const rendererDir = mkdtempSync(join(tmpdir(), 'scrip-renderer-'));
writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Scrip</title>');

before(async () => {
  t = await startTestApp({ rendererDir });
});
after(async () => {
  await t.close();
});

/** Raw request, so tests can send any Host header (fetch would not let us). */
function raw(
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: t.server.port,
        path,
        method: opts.method ?? 'GET',
        headers: { host: `127.0.0.1:${t.server.port}`, ...opts.headers },
      },
      (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

const auth = () => ({ authorization: `Bearer ${t.adminKey}` });

test('status needs no key', async () => {
  const r = await raw('/status');
  assert.equal(r.status, 200);
  assert.equal(JSON.parse(r.body).name, 'scrip');
});

test('a command route without a key is 401 with a sentence and an action', async () => {
  const r = await raw('/readers');
  assert.equal(r.status, 401);
  const body = JSON.parse(r.body);
  assert.equal(body.code, 'unauthenticated');
  assert.match(body.action, /api-key create/);
});

test('a revoked or made-up key is 401', async () => {
  const { key, info } = t.app.services.apiKeys.create('short-lived', ['read']);
  assert.equal((await raw('/readers', { headers: { authorization: `Bearer ${key}` } })).status, 200);
  t.app.services.apiKeys.revoke(info.id);
  assert.equal((await raw('/readers', { headers: { authorization: `Bearer ${key}` } })).status, 401);
  assert.equal(
    (await raw('/readers', { headers: { authorization: 'Bearer scrip_0000000000000000_' + 'A'.repeat(43) } })).status,
    401,
  );
});

test('a Host other than loopback is 403, even with a good key (DNS rebinding)', async () => {
  const r = await raw('/readers', { headers: { ...auth(), host: 'evil.example' } });
  assert.equal(r.status, 403);
  assert.equal(JSON.parse(r.body).code, 'forbidden');
});

test("an Origin that is not Scrip's own is 403", async () => {
  const r = await raw('/readers', { headers: { ...auth(), origin: 'https://evil.example' } });
  assert.equal(r.status, 403);
});

test('readers are listed with a key, and a read-only key may not issue keys', async () => {
  const r = await raw('/readers', { headers: auth() });
  assert.equal(r.status, 200);
  assert.deepEqual(
    JSON.parse(r.body).readers.map((x: { name: string }) => x.name),
    ['Test Reader 0'],
  );
  const { key } = t.app.services.apiKeys.create('reader', ['read']);
  const denied = await raw('/api-keys', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: '{"name":"x"}',
  });
  assert.equal(denied.status, 403);
});

test('bad input is 400 naming the field; junk JSON is 400; an oversized body is 413', async () => {
  const bad = await raw('/api-keys', {
    method: 'POST',
    headers: { ...auth(), 'content-type': 'application/json' },
    body: JSON.stringify({ name: '', scopes: ['root'] }),
  });
  assert.equal(bad.status, 400);
  const issues = JSON.parse(bad.body).details.issues.map((i: { path: string }) => i.path);
  assert.ok(issues.includes('name') && issues.some((p: string) => p.startsWith('scopes')), JSON.stringify(issues));
  assert.equal((await raw('/api-keys', { method: 'POST', headers: auth(), body: '{not json' })).status, 400);
  assert.equal(
    (await raw('/api-keys', { method: 'POST', headers: auth(), body: 'x'.repeat(1024 * 1024 + 10) })).status,
    413,
  );
});

test('an API-key name with control characters is refused (it reaches the audit log and terminals)', async () => {
  for (const name of ['bot\u001b[2J', 'two\nlines', 'bidi\u202espoof']) {
    const r = await raw('/api-keys', {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: JSON.stringify({ name, scopes: ['read'] }),
    });
    assert.equal(r.status, 400, JSON.stringify(name));
    assert.match(r.body, /control characters/, 'says why');
  }
});

test('an API key is shown once and stored only as a hash', async () => {
  const r = await raw('/api-keys', {
    method: 'POST',
    headers: { ...auth(), 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bot', scopes: ['ticket'] }),
  });
  assert.equal(r.status, 200);
  const { key, info } = JSON.parse(r.body);
  const secret = key.slice('scrip_'.length + 17);
  const rows = t.app.db.prepare('SELECT * FROM api_keys WHERE id = ?').all(info.id);
  assert.equal(rows.length, 1);
  assert.ok(!JSON.stringify(rows).includes(secret), 'the secret is not in the database');
  const listed = JSON.parse((await raw('/api-keys', { headers: auth() })).body).keys;
  assert.ok(!JSON.stringify(listed).includes(secret), 'listing never shows a secret');
});

test('events arrive over SSE as they happen', async () => {
  const res = await fetch(`${t.server.url}/events`, { headers: auth() });
  assert.equal(res.status, 200);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const first = await reader.read(); // ": connected" — the stream is open
  text += decoder.decode(first.value);
  t.watch.set({
    service: 'running',
    readers: [{ name: 'Test Reader 0', present: true, atr: '3B00', exclusive: false, inUse: false, mute: false }],
  });
  while (!text.includes('event: reader.changed')) text += decoder.decode((await reader.read()).value);
  while (!text.includes('\n\n', text.indexOf('event: reader.changed')))
    text += decoder.decode((await reader.read()).value);
  const data = JSON.parse(
    text.slice(text.indexOf('data: ', text.indexOf('event: reader.changed')) + 6).split('\n')[0]!,
  );
  assert.equal(data.type, 'reader.changed');
  assert.equal(data.data.readers[0].present, true);
  await reader.cancel();
});

test('browser mode: the one-time token (in the fragment) is traded once for a tab secret sent as a header; no cookie', async () => {
  const link = new URL(t.server.issuePageUrl());
  assert.equal(link.search, '', 'the token is not in the request line');
  const token = /^#token=(.+)$/.exec(link.hash)?.[1];
  assert.ok(token, 'the link carries the token in its fragment');
  const origin = `http://127.0.0.1:${t.server.port}`;
  const trade = (headers: Record<string, string>) =>
    raw('/auth/tab', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ token }),
    });
  assert.equal((await trade({})).status, 403, "the trade needs Scrip's Origin");
  const first = await trade({ origin });
  assert.equal(first.status, 200, first.body);
  assert.equal(first.headers['set-cookie'], undefined, 'no cookie is set');
  const { secret, header } = JSON.parse(first.body) as { secret: string; header: string };
  assert.equal(header, 'x-scrip-session');
  assert.equal((await trade({ origin })).status, 401, 'the token works once');
  const page = await raw('/');
  assert.equal(page.status, 200);
  assert.match(String(page.headers['content-security-policy']), /script-src 'self'/);
  const rpc = await raw('/rpc/readers.list', {
    method: 'POST',
    headers: { 'x-scrip-session': secret, origin, 'content-type': 'application/json' },
    body: '{}',
  });
  assert.equal(rpc.status, 200, 'the tab secret is a credential');
  const bad = await raw('/rpc/readers.list', {
    method: 'POST',
    headers: { 'x-scrip-session': 'A'.repeat(43) },
    body: '{}',
  });
  assert.equal(bad.status, 401, 'a made-up tab secret is refused');
  assert.match(JSON.parse(bad.body).action, /scrip start --browser/);
  assert.equal((await raw('/rpc/readers.list', { method: 'POST', body: '{}' })).status, 401);
  assert.equal(
    (
      await raw('/rpc/readers.list', {
        method: 'POST',
        headers: { cookie: `scrip_session=${secret}`, origin },
        body: '{}',
      })
    ).status,
    401,
    'a cookie is no credential',
  );
});

test('an Origin of app://scrip is refused over HTTP (the Electron window speaks IPC)', async () => {
  const r = await raw('/readers', { headers: { ...auth(), origin: 'app://scrip' } });
  assert.equal(r.status, 403, r.body);
});

test('a bad %-escape in a path is 400, not 500 (static files and route parameters)', async () => {
  const stat = await raw('/%E0%A4%A');
  assert.equal(stat.status, 400, stat.body);
  assert.equal(JSON.parse(stat.body).code, 'invalid-input');
  const param = await raw('/api-keys/%E0%A4%A', { method: 'DELETE', headers: auth() });
  assert.equal(param.status, 400, param.body);
});

test("a path cannot reach a sibling folder whose name starts with the renderer folder's", async () => {
  const sibling = `${rendererDir}-old`;
  mkdirSync(sibling, { recursive: true });
  writeFileSync(join(sibling, 'secret.txt'), 'not for the web');
  const name = basename(sibling);
  const r = await raw(`/..%2f${name}%2fsecret.txt`);
  assert.equal(r.status, 404, 'the sibling folder is outside the renderer');
  assert.ok(!r.body.includes('not for the web'), 'nothing of the sibling is served');
});

test('/events sends each caller only the events its scopes may read', async () => {
  const { key } = t.app.services.apiKeys.create('pharmacy bot', ['dispense']);
  const res = await fetch(`${t.server.url}/events?unnamed=1`, { headers: { authorization: `Bearer ${key}` } });
  assert.equal(res.status, 200);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = decoder.decode((await reader.read()).value); // ": connected"
  t.app.services.events.emit('prescription.changed', {
    id: 'rx-1',
    status: 'draft',
    shortFormId: null,
    lastError: null,
  });
  t.app.services.events.emit('session.ticket', {
    at: new Date().toISOString(),
    to: 'someone',
    keyId: null,
    roleProfileId: null,
  });
  t.app.services.events.emit('dispensing.changed', { id: 'd-1', shortFormId: 'ABC', status: 'with-dispenser' });
  while (!text.includes('dispensing.changed')) text += decoder.decode((await reader.read()).value);
  await reader.cancel();
  assert.ok(!text.includes('prescription.changed'), 'a dispense-only key does not see prescriptions');
  assert.ok(!text.includes('session.ticket'), 'a dispense-only key does not see hand-outs');
});

test('paths cannot escape the renderer folder', async () => {
  const r = await raw('/..%2f..%2fetc%2fpasswd');
  assert.equal(r.status, 404);
});

test('browser mode: when the card session ends every tab is locked: readers and the session only, other commands 401 tab-locked, events filtered', async () => {
  const origin = `http://127.0.0.1:${t.server.port}`;
  const token = /^#token=(.+)$/.exec(new URL(t.server.issuePageUrl()).hash)![1]!;
  const traded = await raw('/auth/tab', {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin },
    body: JSON.stringify({ token }),
  });
  const { secret } = JSON.parse(traded.body) as { secret: string };
  const rpc = (name: string, body: unknown = {}) =>
    raw(`/rpc/${name}`, {
      method: 'POST',
      headers: { 'x-scrip-session': secret, origin, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  assert.equal((await rpc('prescription.list')).status, 200, 'an open tab reads prescriptions');
  const stream = await fetch(`${t.server.url}/events?unnamed=1`, { headers: { 'x-scrip-session': secret, origin } });
  assert.equal(stream.status, 200, 'the tab opened its event stream before the lock');
  const reader = stream.body!.getReader();
  const decoder = new TextDecoder();
  let text = decoder.decode((await reader.read()).value);

  t.app.services.events.emit('session.ended', {
    reason: 'card-removed',
    userId: '555086689106',
    at: new Date().toISOString(),
  });
  for (const [name, body] of [
    ['api-key.create', { name: 'walk-up', scopes: ['admin'] }],
    ['prescription.list', {}],
    ['audit.list', {}],
    ['environments.use', { name: 'sandbox' }],
  ] as const) {
    const r = await rpc(name, body);
    assert.equal(r.status, 401, `${name} from a locked tab is refused: ${r.body}`);
    const err = JSON.parse(r.body) as { code: string; action: string };
    assert.equal(err.code, 'tab-locked', `${name} says why with its own code`);
    assert.match(err.action, /log in with your passcode in this tab/, 'and says how to unlock');
  }
  const byRoute = await raw('/prescriptions', { headers: { 'x-scrip-session': secret, origin } });
  assert.equal(byRoute.status, 401, 'the REST route is locked too, not only /rpc');
  for (const name of ['readers.list', 'session.get'])
    assert.equal((await rpc(name)).status, 200, `${name} still answers a locked tab`);
  const login = await rpc('session.login', { pin: '123456' });
  assert.notEqual(
    JSON.parse(login.body).code,
    'tab-locked',
    'a locked tab may try to log in (here there is no card, so the login itself fails)',
  );
  assert.equal((await rpc('prescription.list')).status, 401, 'a failed login leaves the tab locked');

  t.app.services.events.emit('prescription.changed', {
    id: 'rx-locked',
    status: 'draft',
    shortFormId: null,
    lastError: null,
  });
  t.app.services.events.emit('reader.changed', t.app.services.readers.list());
  while (!text.includes('reader.changed')) text += decoder.decode((await reader.read()).value);
  await reader.cancel();
  assert.ok(text.includes('session.ended'), 'the locked tab hears that the session ended');
  assert.ok(!text.includes('rx-locked'), 'a stream opened before the lock carries no prescription events after it');
  const key = await raw('/rpc/prescription.list', {
    method: 'POST',
    headers: { ...auth(), 'content-type': 'application/json' },
    body: '{}',
  });
  assert.equal(key.status, 200, "API keys are not tabs: the lock is browser mode's");
});
