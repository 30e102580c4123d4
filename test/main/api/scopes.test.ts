// Each scope does what its name says (issue #15, Medium 5): a `ticket` key takes the session and
// nothing else; PIN attempts need `login`, are all audited, and a program may not spend the last try.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../support/test-app';
import { InProcessConnector } from '../../../main/card/in-process-connector';
import { inProcessReader } from '../../../sandbox/card/in-process';
import { PivCard } from '../../../sandbox/card/piv-card';
import { newCard, PIN } from '../../sandbox/card/fixture';
import { scopes } from '../../../main/api/scopes';

const READER = 'Test Reader 0';
let t: TestApp;

before(async () => {
  const slot = inProcessReader(new PivCard(newCard()));
  t = await startTestApp({}, new InProcessConnector({ [READER]: slot }));
  t.watch.set({
    service: 'running',
    readers: [{ name: READER, present: true, atr: '3B00', exclusive: false, inUse: false, mute: false }],
  });
});
after(async () => {
  await t.close();
});

async function call(
  key: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: { code?: string; details?: Record<string, unknown> } }> {
  const res = await fetch(`${t.server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as { code?: string } };
}

test('a ticket key cannot verify the PIN, log in, switch role or log out', async () => {
  const { key } = t.app.services.apiKeys.create('gp system', ['ticket']);
  for (const [method, path, body] of [
    ['POST', '/card/pin/verification', { pin: PIN }],
    ['POST', '/session', { pin: PIN }],
    ['PUT', '/session/role', { role: '123456789012' }],
    ['DELETE', '/session', undefined],
  ] as const) {
    const r = await call(key, method, path, body);
    assert.equal(r.status, 403, `${method} ${path} with a ticket key`);
    assert.equal(r.body.details?.needs, 'login', `${method} ${path} names the scope it needs`);
  }
  const ticket = await call(key, 'GET', '/ticket');
  assert.equal(ticket.body.details?.needs, undefined, 'the ticket key has the scope to ask for the session');
  assert.equal(ticket.body.details?.approvalNeeded, true, "(it waits only for the user's yes)");
});

test('the OpenAPI document carries the scope matrix, and it matches what the server enforces', async () => {
  const doc = (await (await fetch(`${t.server.url}/openapi.json`)).json()) as {
    'x-scrip-scopes': Record<string, { commands: string[]; meaning: string }>;
  };
  const matrix = doc['x-scrip-scopes'];
  assert.deepEqual(Object.keys(matrix), [...scopes], 'every scope is described');
  assert.deepEqual(
    matrix.ticket!.commands.sort(),
    ['ticket.get', 'ticket.request'],
    'ticket opens the Ticket API only',
  );
  assert.deepEqual(
    matrix.login!.commands.sort(),
    ['card.verify-pin', 'role.use', 'session.login', 'session.logout', 'session.use-card'],
    'login opens the card session commands',
  );
  assert.equal(matrix.admin!.commands.length, t.app.registry.all().length, 'admin opens everything');
  for (const s of scopes) assert.ok(matrix[s]!.meaning.length > 10, `${s} says what it means`);
});

test('every PIN attempt is audited (never the PIN); a program may not spend the last try', async () => {
  const { key } = t.app.services.apiKeys.create('pin bot', ['login']);
  const wrong1 = await call(key, 'POST', '/card/pin/verification', { pin: '000000' });
  assert.equal(wrong1.body.code, 'pin-wrong', 'first wrong PIN');
  const wrong2 = await call(key, 'POST', '/card/pin/verification', { pin: '000000' });
  assert.equal(wrong2.body.code, 'pin-wrong', 'second wrong PIN');
  assert.equal(wrong2.body.details?.retriesLeft, 1, 'one try left');
  const last = await call(key, 'POST', '/card/pin/verification', { pin: PIN });
  assert.equal(last.status, 409, 'the last try is refused to a program, even with the right PIN');
  assert.equal(last.body.code, 'bad-state');
  const card = await call(t.adminKey, 'GET', '/card');
  assert.equal((card.body as { pin?: { retriesLeft: number } }).pin?.retriesLeft, 1, 'the card still has its last try');
  const entries = t.app.services.audit.list({ action: 'card.pin-attempt' });
  assert.deepEqual(
    entries.map((e) => e.detail.outcome).reverse(),
    ['pin-wrong', 'pin-wrong', 'refused-last-try'],
    'each attempt is in the audit log',
  );
  assert.ok(
    entries.every((e) => e.actor === 'API key "pin bot"'),
    'with who tried',
  );
  const details = JSON.stringify(entries.map((e) => e.detail));
  assert.ok(!details.includes(PIN) && !details.includes('000000'), 'no PIN is in the audit log');
});

test("a program's first hand-out waits for the user's yes, remembered per key and revocable; hand-outs are kept in the audit log", async () => {
  const { key, info } = t.app.services.apiKeys.create('gp system 2', ['ticket']);
  const asked: string[] = [];
  const stop = t.app.services.events.subscribe((e) => {
    if (e.type === 'session.ticket-asked') asked.push(e.data.keyId);
  });
  try {
    const first = await call(key, 'GET', '/ticket');
    assert.equal(first.status, 403, 'refused until the user allows it');
    assert.equal(first.body.details?.approvalNeeded, true, 'says an approval is needed');
    assert.deepEqual(asked, [info.id], 'the user is asked as it happens (event)');
    const approved = await call(t.adminKey, 'PUT', `/ticket/approvals/${info.id}`);
    assert.equal(approved.status, 200, 'the user allows it');
    const listed = await call(t.adminKey, 'GET', '/ticket/approvals');
    assert.ok(JSON.stringify(listed.body).includes(info.id), 'the approval is listed');
    const second = await call(key, 'GET', '/ticket');
    assert.equal(second.body.code, 'bad-state', 'allowed now: only the missing session stops it');
    assert.equal(
      (await call(t.adminKey, 'DELETE', `/ticket/approvals/${info.id}`)).status,
      200,
      'the user withdraws it',
    );
    assert.equal((await call(key, 'GET', '/ticket')).status, 403, 'refused again');
    assert.equal(
      (await call(key, 'PUT', `/ticket/approvals/${info.id}`)).status,
      403,
      'a ticket key cannot allow itself',
    );
  } finally {
    stop();
  }
  t.app.services.audit.append('555086689106', 'session.ticket', {
    to: 'API key "gp system 2"',
    keyId: info.id,
    roleProfileId: '200102238987',
    handedOutAt: '2026-12-06T10:00:00.000Z',
  });
  const handouts = await call(t.adminKey, 'GET', '/session/handouts');
  assert.deepEqual(
    (handouts.body as { handouts?: unknown[] }).handouts?.[0],
    { at: '2026-12-06T10:00:00.000Z', to: 'API key "gp system 2"', keyId: info.id, roleProfileId: '200102238987' },
    'hand-outs are read back from the durable audit log',
  );
});
