// The local HTTP API over a real loopback socket: keys, Host/Origin rules, routes, SSE, browser mode.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../../support/test-app';

let t: TestApp;
const rendererDir = mkdtempSync(join(tmpdir(), 'scrip-renderer-'));
writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Scrip</title>');

before(async () => { t = await startTestApp({ rendererDir }); });
after(async () => { await t.close(); });

/** Raw request, so tests can send any Host header (fetch would not let us). */
function raw(path: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: t.server.port, path, method: opts.method ?? 'GET', headers: { host: `127.0.0.1:${t.server.port}`, ...opts.headers } }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
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
  assert.equal((await raw('/readers', { headers: { authorization: 'Bearer scrip_0000000000000000_' + 'A'.repeat(43) } })).status, 401);
});

test('a Host other than loopback is 403, even with a good key (DNS rebinding)', async () => {
  const r = await raw('/readers', { headers: { ...auth(), host: 'evil.example' } });
  assert.equal(r.status, 403);
  assert.equal(JSON.parse(r.body).code, 'forbidden');
});

test('an Origin that is not Scrip\'s own is 403', async () => {
  const r = await raw('/readers', { headers: { ...auth(), origin: 'https://evil.example' } });
  assert.equal(r.status, 403);
});

test('readers are listed with a key, and a read-only key may not issue keys', async () => {
  const r = await raw('/readers', { headers: auth() });
  assert.equal(r.status, 200);
  assert.deepEqual(JSON.parse(r.body).readers.map((x: { name: string }) => x.name), ['Test Reader 0']);
  const { key } = t.app.services.apiKeys.create('reader', ['read']);
  const denied = await raw('/api-keys', { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: '{"name":"x"}' });
  assert.equal(denied.status, 403);
});

test('bad input is 400 naming the field; junk JSON is 400; an oversized body is 413', async () => {
  const bad = await raw('/api-keys', { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: JSON.stringify({ name: '', scopes: ['root'] }) });
  assert.equal(bad.status, 400);
  const issues = JSON.parse(bad.body).details.issues.map((i: { path: string }) => i.path);
  assert.ok(issues.includes('name') && issues.some((p: string) => p.startsWith('scopes')), JSON.stringify(issues));
  assert.equal((await raw('/api-keys', { method: 'POST', headers: auth(), body: '{not json' })).status, 400);
  assert.equal((await raw('/api-keys', { method: 'POST', headers: auth(), body: 'x'.repeat(1024 * 1024 + 10) })).status, 413);
});

test('an API key is shown once and stored only as a hash', async () => {
  const r = await raw('/api-keys', { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: JSON.stringify({ name: 'bot', scopes: ['ticket'] }) });
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
  t.watch.set({ service: 'running', readers: [{ name: 'Test Reader 0', present: true, atr: '3B00', exclusive: false, inUse: false, mute: false }] });
  while (!text.includes('event: reader.changed')) text += decoder.decode((await reader.read()).value);
  while (!text.includes('\n\n', text.indexOf('event: reader.changed'))) text += decoder.decode((await reader.read()).value);
  const data = JSON.parse(text.slice(text.indexOf('data: ', text.indexOf('event: reader.changed')) + 6).split('\n')[0]!);
  assert.equal(data.type, 'reader.changed');
  assert.equal(data.data.readers[0].present, true);
  await reader.cancel();
});

test('browser mode: the one-time link sets an HttpOnly SameSite=Strict cookie, once', async () => {
  const pageUrl = new URL(t.server.issuePageUrl());
  const first = await raw(pageUrl.pathname + pageUrl.search);
  assert.equal(first.status, 303);
  const setCookie = String(first.headers['set-cookie']);
  assert.match(setCookie, /HttpOnly/);
  assert.match(setCookie, /SameSite=Strict/);
  const cookie = setCookie.split(';')[0]!;
  const again = await raw(pageUrl.pathname + pageUrl.search);
  assert.equal(again.status, 401, 'the token works once');
  const page = await raw('/', { headers: { cookie } });
  assert.equal(page.status, 200);
  assert.match(String(page.headers['content-security-policy']), /script-src 'self'/);
  const rpc = await raw('/rpc/readers.list', { method: 'POST', headers: { cookie, origin: `http://127.0.0.1:${t.server.port}`, 'content-type': 'application/json' }, body: '{}' });
  assert.equal(rpc.status, 200);
  const noOrigin = await raw('/rpc/readers.list', { method: 'POST', headers: { cookie }, body: '{}' });
  assert.equal(noOrigin.status, 403, 'cookie writes need Scrip\'s Origin');
  assert.equal((await raw('/rpc/readers.list', { method: 'POST', body: '{}' })).status, 401);
});

test('paths cannot escape the renderer folder', async () => {
  const r = await raw('/..%2f..%2fetc%2fpasswd');
  assert.equal(r.status, 404);
});
