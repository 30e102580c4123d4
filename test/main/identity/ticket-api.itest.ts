// The identity agent as a running process: real pcscd + vpcd + a virtual card, the embedded
// sandbox over HTTPS, the local API. Login, the Ticket API and its key scopes, and card removal.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startScrip, type ScripProcess } from '../../e2e/support/scrip-process';
import { virtualCardFor, type TestCard } from '../../support/virtual-card';
import { need, requirements } from '../../support/system';
import { openStores } from '../../../main/app';
import { sandboxSession } from '../../support/sandbox-session';

const PIN = '482913';
let scrip: ScripProcess;
let card: TestCard;
let admin: string;

async function api(
  path: string,
  init: { method?: string; key?: string; body?: unknown; headers?: Record<string, string> } = {},
) {
  const res = await fetch(`${scrip.ready.url}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      ...(init.key ? { authorization: `Bearer ${init.key}` } : {}),
      ...(init.body ? { 'content-type': 'application/json' } : {}),
      ...init.headers,
    },
    ...(init.body ? { body: JSON.stringify(init.body) } : {}),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function waitFor<T>(f: () => Promise<T>, ok: (v: T) => boolean, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  let v = await f();
  while (!ok(v) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 50));
    v = await f();
  }
  return v;
}

const sandboxKnows = (token: string) => sandboxSession(scrip, token);

before(async () => {
  scrip = await startScrip(['agent'], { SCRIP_VIRTUAL_CARD: 'off' });
  // Keys are signed by a secret in the OS keychain: without a Secret Service the test below is skipped.
  if (!requirements.secretService.check()) {
    const { db, apiKeys } = openStores(scrip.dataDir);
    admin = apiKeys.create('test admin', ['admin']).key;
    db.close();
  }
  card = virtualCardFor(scrip.dataDir, { pin: PIN });
});
after(async () => {
  await card?.remove().catch(() => undefined);
  await scrip?.stop();
});

test('log in with the card, read a ticket with a ticket key; read-only, revoked and foreign callers are refused; removal kills the token', async (t) => {
  if (!need(t, requirements.pcscd, requirements.secretService)) return;
  await card.insert();
  const present = await waitFor(
    () => api('/session', { key: admin }),
    (r) => r.json.state === 'card-present',
  );
  assert.equal(present.json.state, 'card-present');

  const wrong = await api('/session', { method: 'POST', key: admin, body: { pin: '000000' } });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.json.code, 'pin-wrong');
  assert.equal((wrong.json.details as { retriesLeft: number }).retriesLeft, 2);
  const badFormat = await api('/session', { method: 'POST', key: admin, body: { pin: '12' } });
  assert.equal(badFormat.json.code, 'pin-format');
  assert.equal(
    ((await api('/card', { key: admin })).json.pin as { retriesLeft: number }).retriesLeft,
    2,
    'a badly formed PIN costs no try',
  );

  const login = await api('/session', { method: 'POST', key: admin, body: { pin: PIN, role: '200102238987' } });
  assert.equal(login.status, 200, JSON.stringify(login.json));
  assert.equal(login.json.state, 'role-selected');

  const ticketKey = (
    await api('/api-keys', { method: 'POST', key: admin, body: { name: 'gp-system', scopes: ['ticket'] } })
  ).json as { key: string; info: { id: string } };
  const readKey = (
    await api('/api-keys', { method: 'POST', key: admin, body: { name: 'dashboard', scopes: ['read'] } })
  ).json as { key: string };
  const asked = await api('/ticket', { key: ticketKey.key });
  assert.equal(asked.status, 403, "a program's first hand-out waits for the user's yes");
  assert.equal((asked.json.details as { approvalNeeded?: boolean }).approvalNeeded, true, 'and says so');
  assert.equal(
    (await api(`/ticket/approvals/${ticketKey.info.id}`, { method: 'PUT', key: admin })).status,
    200,
    'the user allows it',
  );
  const ticket = await api('/ticket', { key: ticketKey.key });
  assert.equal(ticket.status, 200);
  assert.equal(ticket.json.roleProfileId, '200102238987');
  const token = String(ticket.json.token);
  assert.equal((await sandboxKnows(token)).active, true);
  assert.equal((await api('/ticket', { key: readKey.key })).status, 403);
  assert.equal((await api('/ticket', { key: ticketKey.key, headers: { origin: 'https://evil.example' } })).status, 403);
  const handouts = await api('/session/handouts', { key: readKey.key });
  assert.equal((handouts.json.handouts as Array<{ to: string }>)[0]?.to, 'API key "gp-system"');
  await api(`/api-keys/${ticketKey.info.id}`, { method: 'DELETE', key: admin });
  assert.equal((await api('/ticket', { key: ticketKey.key })).status, 401, 'a revoked key is refused');

  const switched = await api('/session/role', { method: 'PUT', key: admin, body: { role: '200102238988' } });
  assert.equal(
    (switched.json.selectedRole as { id: string }).id,
    '200102238988',
    'role switched without removing the card',
  );

  const pulledAt = Date.now();
  await card.remove();
  const ended = await waitFor(
    () => sandboxKnows(token),
    (s) => !s.active,
  );
  const elapsed = Date.now() - pulledAt;
  assert.equal(ended.active, false, 'the sandbox no longer honours the token');
  assert.equal(ended.endReason, 'logged-out');
  assert.ok(elapsed < 2500, `token destroyed ${elapsed} ms after the card was pulled`);
  const after = await api('/ticket', { key: admin });
  assert.equal(after.status, 409, 'no ticket without a card');
  const audit = await api('/audit/verification', { method: 'POST', key: admin });
  assert.equal(audit.json.ok, true);
});
