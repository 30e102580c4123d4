// The sandbox server as other services use it: a route module mounted with the bearer-token check
// (the interface EPS plugs into), hostile bodies, and the message log.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { startSandbox, type RunningSandbox } from '../../sandbox/server';
import { isRefusal, type RouteModule } from '../../sandbox/http/context';
import { json, readJson } from '../../sandbox/http/router';
import { PRESCRIBING_ACTIVITIES } from '../../sandbox/directory/directory';
import { httpsClient } from './support/sandbox-client';

const probe: RouteModule = (ctx) => [
  {
    method: 'POST',
    path: '/FHIR/R4/$probe',
    handle: (req) => {
      const caller = ctx.authorise(req, { activities: PRESCRIBING_ACTIVITIES });
      if (isRefusal(caller)) return caller;
      const body = readJson(req) as { n?: unknown };
      return json(200, {
        userId: caller.userId,
        roleId: caller.roleId,
        org: caller.role?.orgCode,
        n: body.n ?? null,
        at: ctx.clock.now().toISOString(),
      });
    },
  },
];

let sb: RunningSandbox;
let send: ReturnType<typeof httpsClient>;
let dir: string;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'scrip-server-'));
  sb = await startSandbox({ dataDir: dir, clock: '2026-11-22T10:00:00Z', routes: [probe] });
  send = httpsClient(sb.baseUrl, sb.caCertPath);
});
after(async () => {
  await sb.close();
  rmSync(dir, { recursive: true, force: true });
});

const session = (user: string, role: string) => {
  const s = sb.context.broker.scriptedSession(user, role);
  assert.ok(typeof s !== 'string', String(s));
  return s.token;
};
const code = (body: string) =>
  (JSON.parse(body) as { issue: Array<{ details: { coding: Array<{ code: string }> } }> }).issue[0]!.details.coding[0]!
    .code;

test('a mounted service gets the caller, role and activities checked, and the sandbox clock', async () => {
  const gp = session('555086689106', '200102238988');
  const call = (token: string, urid: string | null, body = '{"n":1}') =>
    send('/FHIR/R4/$probe', {
      method: 'POST',
      body,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/fhir+json',
        ...(urid ? { 'nhsd-session-urid': urid } : {}),
      },
    });
  const ok = await call(gp, '200102238988');
  assert.equal(ok.status, 200, ok.body);
  assert.deepEqual(JSON.parse(ok.body), {
    userId: '555086689106',
    roleId: '200102238988',
    org: 'B81012',
    n: 1,
    at: '2026-11-22T10:00:00.000Z',
  });
  const noUrid = await call(gp, null);
  assert.equal(noUrid.status, 400);
  assert.equal(code(noUrid.body), 'MISSING_VALUE');
  assert.equal((await call(gp, '200102238987')).status, 403, 'a role the user holds but did not select');
  const admin = await call(session('555086692103', '200102240003'), '200102240003');
  assert.equal(admin.status, 403, 'no prescribing activity');
  assert.equal(code(admin.body), 'ACCESS_DENIED');
  assert.equal((await call('AQIC5wM2LY4Sunknown', '200102238988')).status, 401);
  assert.equal((await call(gp, '200102238988', '{"n":')).status, 400, 'malformed JSON');
  assert.equal((await call(gp, '200102238988', '')).status, 400, 'empty body');
  assert.equal((await call(gp, '200102238988', '['.repeat(200_000))).status, 400, 'deep nesting');
});

test('binary and hostile bodies on every route get 4xx, never 5xx', async () => {
  const routes: Array<[string, string]> = [
    ['POST', '/login/authactivate'],
    ['POST', '/login/authvalidate'],
    ['POST', '/login/authlogout'],
    ['POST', '/_clock'],
    ['POST', '/FHIR/R4/$probe'],
    ['GET', '/Patient?family=A'],
    ['GET', '/_sessions/%00'],
  ];
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...routes), fc.uint8Array({ maxLength: 2000 }), async ([method, path], body) => {
      const r = await send(path, { method, body: Buffer.from(body) });
      return r.status >= 400 && r.status < 500;
    }),
    { numRuns: 80 },
  );
  const laughs = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><gpOBJECT><gpPARAM name="service">&lol2;</gpPARAM></gpOBJECT>`;
  const xxe = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><gpOBJECT><gpPARAM name="service">&e;</gpPARAM></gpOBJECT>`;
  for (const xml of [laughs, xxe]) {
    const r = await send('/login/authactivate', { method: 'POST', body: xml });
    assert.equal(r.status, 400);
    assert.ok(!r.body.includes('root:'), 'no external entity was read');
  }
});

test('the message log pages by sequence number, is not written by reading it, and never shows a token', async () => {
  const token = session('555086689106', '200102238987');
  await send(`/saml/RoleAssertion?token=${encodeURIComponent(token)}`);
  const admin = { authorization: `Bearer ${sb.adminSecret}` };
  const all = JSON.parse((await send('/_log?since=0', { headers: admin })).body) as {
    exchanges: Array<{ seq: number; path: string; status: number; response: string }>;
    last: number;
    more: boolean;
  };
  assert.ok(all.exchanges.length > 3, 'the exchanges so far are listed');
  const last = all.exchanges.at(-1)!;
  assert.match(last.path, /^\/saml\/RoleAssertion\?token=\[redacted\]/, 'the token in the query is redacted');
  assert.equal(last.status, 200, 'the status is kept');
  assert.equal(all.last, last.seq, 'last is the since of the next page');
  assert.equal(all.more, false, 'one page holds them all');
  // A poller reading again and again sees nothing new: reading is not an exchange the log keeps.
  for (let i = 0; i < 3; i++) {
    const later = JSON.parse((await send(`/_log?since=${last.seq}`, { headers: admin })).body) as {
      exchanges: Array<{ path: string }>;
    };
    assert.deepEqual(
      later.exchanges.map((e) => e.path),
      [],
      `poll ${i}: only exchanges newer than since, and reads are not among them`,
    );
  }
  await send('/_status');
  const next = JSON.parse((await send(`/_log?since=${last.seq}`, { headers: admin })).body) as {
    exchanges: Array<{ path: string; seq: number }>;
  };
  assert.deepEqual(
    next.exchanges.map((e) => e.path),
    ['/_status'],
    'the one exchange since the last poll',
  );
  assert.ok(!JSON.stringify(all).includes(token), 'no token anywhere in the page');
});
