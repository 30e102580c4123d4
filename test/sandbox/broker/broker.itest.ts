// The sandbox's security broker over real HTTPS: a card-style login, role selection, SAML, logout,
// and each way a login can be wrong — refused with its own error, changing nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createSign, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { startSandbox, type RunningSandbox } from '../../../sandbox/server';
import { openTestCa } from '../../../sandbox/ca';
import { SessionStore } from '../../../sandbox/broker/sessions';
import { encodeGpObject, parseGpObject, gpValue } from '../../../protocols/spine/gpobject';
import { buildSignedData, wrapSmime } from '../../../protocols/spine/cms';
import { rolesFromGp } from '../../../protocols/spine/roles';
import { parseRoleAssertion } from '../../../protocols/spine/saml';
import { httpsClient, type Reply } from '../support/sandbox-client';

const GP = '555086689106';
const ROLE_A = '200102238987',
  ROLE_B = '200102238988';
let sb: RunningSandbox;
let send: ReturnType<typeof httpsClient>;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'scrip-sandbox-'));
  sb = await startSandbox({ dataDir: dir, clock: '2026-11-22T10:00:00Z', idleSeconds: 900, maxSeconds: 43200 });
  send = httpsClient(sb.baseUrl, sb.caCertPath);
});
after(async () => {
  await sb.close();
  rmSync(dir, { recursive: true, force: true });
});

function card(userId = GP, ca = sb.context.ca) {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const cert = ca.issueAuthCertificate({ userId, displayName: 'Test', publicKey });
  return { privateKey, cert, userId };
}
type Card = ReturnType<typeof card>;

async function activate(): Promise<{ challenge: string; signature: string }> {
  const r = await send('/login/authactivate', {
    method: 'POST',
    body: encodeGpObject([
      { name: 'auth_method', value: '3' },
      { name: 'app_url', value: 'NHST' },
      { name: 'log_session_id', value: 'abc123defg' },
      { name: 'device_id', value: 'x1,ClientIP=127.0.0.1' },
      { name: 'service', value: 'ACTIVATION' },
    ]),
  });
  assert.equal(r.status, 200, r.body);
  const p = parseGpObject(r.body);
  return { challenge: gpValue(p, 'challenge')!, signature: gpValue(p, 'signature')! };
}

function respond(c: Card, challenge: string, opts: { key?: KeyObject; content?: Buffer } = {}): string {
  const content = opts.content ?? Buffer.from(challenge, 'base64');
  const signature = createSign('sha256')
    .update(content)
    .sign(opts.key ?? c.privateKey);
  return wrapSmime(buildSignedData({ content, certificateDer: c.cert.der, signature, digest: 'sha256' }));
}

function validate(ch: { challenge: string; signature: string }, uid: string, response: string): Promise<Reply> {
  return send('/login/authvalidate', {
    method: 'POST',
    body: encodeGpObject([
      { name: 'auth_method', value: '3' },
      { name: 'app_url', value: 'NHST' },
      { name: 'log_session_id', value: 'abc123defg' },
      { name: 'service', value: 'AUTHENTICATION' },
      { name: 'challenge', value: ch.challenge },
      { name: 'signature', value: ch.signature },
      { name: 'uid', value: uid },
      { name: 'card_type', value: 'p11' },
      { name: 'response', value: response, attrs: { encoding: 'base64' } },
      { name: 'mobility', value: '0' },
    ]),
  });
}

const failure = (r: Reply) => gpValue(parseGpObject(r.body), 'error');
const sessions = async () =>
  Number((sb.context.db.prepare('SELECT COUNT(*) AS n FROM sso_sessions').get() as { n: number }).n);

async function login(c = card()): Promise<string> {
  const ch = await activate();
  const r = await validate(ch, c.userId, respond(c, ch.challenge));
  assert.equal(r.status, 200, r.body);
  return gpValue(parseGpObject(r.body), 'sso_ticket')!;
}

test('card login, roles, role selection, SAML assertion, logout', async () => {
  const c = card();
  const ch = await activate();
  const r = await validate(ch, GP, respond(c, ch.challenge));
  assert.equal(r.status, 200, r.body);
  const p = parseGpObject(r.body);
  const token = gpValue(p, 'sso_ticket')!;
  assert.match(token, /^AQIC5wM2LY4S.+@AAJTSQACMDE=#$/);
  assert.equal(gpValue(p, 'cn'), 'DR CLARE BOIN');
  assert.deepEqual(
    rolesFromGp(p).map((x) => x.id),
    [ROLE_A, ROLE_B],
  );
  const sel = await send(`/saml/RoleSelectionGP.jsp?token=${encodeURIComponent(token)}&selectedRoleUid=${ROLE_B}`);
  assert.equal(sel.body, '<HTML><STATUS>OK</STATUS></HTML>');
  const saml = parseRoleAssertion((await send(`/saml/RoleAssertion?token=${encodeURIComponent(token)}`)).body);
  assert.equal(saml.selectedRoleId, ROLE_B);
  assert.deepEqual(saml.roles.find((x) => x.id === ROLE_A)?.activities, ['B0278', 'B0420', 'B0401', 'B0068']);
  const out = await send('/login/authlogout', {
    method: 'POST',
    body: encodeGpObject([
      { name: 'service', value: 'LOGOUT' },
      { name: 'sso_ticket', value: token },
      { name: 'uid', value: GP },
    ]),
  });
  assert.equal(out.status, 200);
  const state = JSON.parse((await send(`/_sessions/${encodeURIComponent(token)}`)).body);
  assert.equal(state.active, false);
  assert.equal(state.endReason, 'logged-out');
  const after = await send(`/saml/RoleAssertion?token=${encodeURIComponent(token)}`);
  assert.equal(after.status, 401);
  assert.equal(failure(after), 'token-logged-out');
});

test('a wrong signature is refused and changes nothing: the same challenge still works afterwards', async () => {
  const c = card();
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const ch = await activate();
  const before = await sessions();
  const bad = await validate(ch, GP, respond(c, ch.challenge, { key: other }));
  assert.equal(bad.status, 401);
  assert.equal(failure(bad), 'signature-invalid');
  assert.equal(await sessions(), before);
  assert.equal((await validate(ch, GP, respond(c, ch.challenge))).status, 200);
});

test('each way a login can be wrong has its own error', async () => {
  const c = card();
  // replayed challenge
  const ch = await activate();
  assert.equal((await validate(ch, GP, respond(c, ch.challenge))).status, 200);
  assert.equal(failure(await validate(ch, GP, respond(c, ch.challenge))), 'challenge-replayed');
  // signed content is not the challenge
  const ch2 = await activate();
  assert.equal(
    failure(await validate(ch2, GP, respond(c, ch2.challenge, { content: Buffer.from('something else') }))),
    'content-mismatch',
  );
  // forged challenge
  const forged = {
    ...ch2,
    challenge: Buffer.from(Buffer.from(ch2.challenge, 'base64').map((b, i) => (i === 3 ? b ^ 1 : b))).toString(
      'base64',
    ),
  };
  assert.equal(failure(await validate(forged, GP, respond(c, forged.challenge))), 'challenge-forged');
  // server signature not echoed
  assert.equal(
    failure(await validate({ ...ch2, signature: 'AAAA' }, GP, respond(c, ch2.challenge))),
    'server-signature-mismatch',
  );
  // uid is not the certificate holder
  assert.equal(failure(await validate(ch2, '555086690109', respond(c, ch2.challenge))), 'uid-mismatch');
  // certificate from another CA
  const foreign = openTestCa(mkdtempSync(join(tmpdir(), 'scrip-other-ca-')));
  const f = card(GP, foreign);
  const ch3 = await activate();
  assert.equal(failure(await validate(ch3, GP, respond(f, ch3.challenge))), 'certificate-untrusted');
  // unknown user
  const stranger = card('555999999999');
  assert.equal(failure(await validate(ch3, '555999999999', respond(stranger, ch3.challenge))), 'unknown-user');
  // revoked certificate
  const revoked = card();
  sb.context.ca.revoke(revoked.cert.serial);
  assert.equal(failure(await validate(ch3, GP, respond(revoked, ch3.challenge))), 'certificate-revoked');
  // garbage response
  const garbage = await validate(ch3, GP, 'bm90IGEgcmVzcG9uc2U=');
  assert.equal(garbage.status, 400);
  assert.equal(failure(garbage), 'response-malformed');
});

test('a role the user does not hold is refused', async () => {
  const token = await login();
  const r = await send(`/saml/RoleSelectionGP.jsp?token=${encodeURIComponent(token)}&selectedRoleUid=200102240002`);
  assert.equal(r.status, 403);
  assert.equal(failure(r), 'role-not-held');
});

test('challenges expire, and idle sessions time out, by the sandbox clock', async () => {
  const c = card();
  const ch = await activate();
  const token = await login(c);
  await send('/_clock', { method: 'POST', body: JSON.stringify({ advanceSeconds: 6 * 60 }) });
  assert.equal(failure(await validate(ch, GP, respond(c, ch.challenge))), 'challenge-expired');
  assert.equal(
    (await send(`/saml/RoleAssertion?token=${encodeURIComponent(token)}`)).status,
    200,
    'six minutes idle is within 15',
  );
  await send('/_clock', { method: 'POST', body: JSON.stringify({ advanceSeconds: 16 * 60 }) });
  const r = await send(`/saml/RoleAssertion?token=${encodeURIComponent(token)}`);
  assert.equal(r.status, 401);
  assert.equal(failure(r), 'token-idle-timeout');
});

test('fuzzed and oversized requests get 4xx, never 5xx, and the log redacts tokens', async () => {
  const paths = [
    '/login/authactivate',
    '/login/authvalidate',
    '/login/authlogout',
    '/saml/RoleAssertion?token=x',
    '/Patient/9449305552',
    '/Patient?family=x',
    '/nope',
  ];
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...paths),
      fc.constantFrom('GET', 'POST', 'PUT'),
      fc.string({ maxLength: 300 }),
      async (path, method, body) => {
        const r = await send(path, {
          method,
          body,
          headers: { authorization: `Bearer ${body.slice(0, 20).replace(/[^\x21-\x7e]/g, '')}x` },
        });
        return r.status >= 200 && r.status < 500;
      },
    ),
    { numRuns: 60 },
  );
  const big = await send('/login/authvalidate', { method: 'POST', body: 'x'.repeat(3 * 1024 * 1024) });
  assert.equal(big.status, 413);
  const token = await login();
  await send(`/saml/RoleAssertion?token=${encodeURIComponent(token)}`);
  const log = JSON.parse(
    (await send('/_log?since=0', { headers: { authorization: `Bearer ${sb.adminSecret}` } })).body,
  ) as { exchanges: Array<{ request: string; response: string; path: string }> };
  assert.ok(log.exchanges.length > 10, 'log.exchanges.length > 10');
  assert.ok(!JSON.stringify(log).includes(token), 'no session token appears in the message log');
});

test('a SHA-1 signature made with node-forge (as the legacy Identity Agent sends) is accepted', async () => {
  const c = card();
  const ch = await activate();
  const content = Buffer.from(ch.challenge, 'base64');
  const key = forge.pki.privateKeyFromPem(c.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString());
  const md = forge.md.sha1.create();
  md.update(content.toString('binary'));
  const signature = Buffer.from(key.sign(md), 'binary');
  const r = await validate(
    ch,
    GP,
    wrapSmime(buildSignedData({ content, certificateDer: c.cert.der, signature, digest: 'sha1' })),
  );
  assert.equal(r.status, 200, r.body);
  assert.match(gpValue(parseGpObject(r.body), 'sso_ticket')!, /^AQIC/);
});

test('every refusal changes nothing: no session is made and the challenge stays usable', async () => {
  const c = card();
  const ch = await activate();
  const usedChallenges = () =>
    Number((sb.context.db.prepare('SELECT COUNT(*) AS n FROM used_challenges').get() as { n: number }).n);
  const [s0, u0] = [await sessions(), usedChallenges()];
  const foreign = card(GP, openTestCa(mkdtempSync(join(tmpdir(), 'scrip-other-ca-'))));
  const revoked = card();
  sb.context.ca.revoke(revoked.cert.serial);
  const stranger = card('555999999997');
  const signingKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signingCard = {
    privateKey: signingKeys.privateKey,
    cert: sb.context.ca.issueSigningCertificate({ userId: GP, displayName: 'Test', publicKey: signingKeys.publicKey }),
    userId: GP,
  };
  const wrongKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const refusals: Array<[string, Promise<Reply>]> = [
    ['signature-invalid', validate(ch, GP, respond(c, ch.challenge, { key: wrongKey }))],
    ['uid-mismatch', validate(ch, '555086690109', respond(c, ch.challenge))],
    ['certificate-untrusted', validate(ch, GP, respond(foreign, ch.challenge))],
    ['certificate-revoked', validate(ch, GP, respond(revoked, ch.challenge))],
    ['certificate-untrusted', validate(ch, GP, respond(signingCard, ch.challenge))],
    ['unknown-user', validate(ch, '555999999997', respond(stranger, ch.challenge))],
    ['content-mismatch', validate(ch, GP, respond(c, ch.challenge, { content: Buffer.from('x') }))],
    ['server-signature-mismatch', validate({ ...ch, signature: 'AAAA' }, GP, respond(c, ch.challenge))],
  ];
  for (const [want, reply] of refusals) {
    const r = await reply;
    assert.equal(failure(r), want);
    assert.ok(r.status === 401 || r.status === 400, `${want}: ${r.status}`);
  }
  assert.equal(await sessions(), s0);
  assert.equal(usedChallenges(), u0);
  assert.equal(
    (await validate(ch, GP, respond(c, ch.challenge))).status,
    200,
    'the challenge was not consumed by the refusals',
  );
});

test('a refused role selection keeps the role already selected', async () => {
  const token = await login();
  assert.equal(
    (await send(`/saml/RoleSelectionGP.jsp?token=${encodeURIComponent(token)}&selectedRoleUid=${ROLE_A}`)).status,
    200,
  );
  assert.equal(
    failure(await send(`/saml/RoleSelectionGP.jsp?token=${encodeURIComponent(token)}&selectedRoleUid=200102240002`)),
    'role-not-held',
  );
  assert.equal(JSON.parse((await send(`/_sessions/${encodeURIComponent(token)}`)).body).selectedRole, ROLE_A);
  assert.equal(failure(await send('/saml/RoleAssertion?token=AQIC5wM2LY4Snot-a-token')), 'token-unknown');
});

test('after logout the token is refused everywhere, including the services', async () => {
  const token = await login();
  await send(`/saml/RoleSelectionGP.jsp?token=${encodeURIComponent(token)}&selectedRoleUid=${ROLE_A}`);
  const pds = (t: string) =>
    send('/Patient/9449305552', {
      headers: { authorization: `Bearer ${t}`, 'nhsd-session-urid': ROLE_A, 'x-request-id': randomUUID() },
    });
  assert.equal((await pds(token)).status, 200);
  const out = await send('/login/authlogout', {
    method: 'POST',
    body: encodeGpObject([
      { name: 'service', value: 'LOGOUT' },
      { name: 'sso_ticket', value: token },
    ]),
  });
  assert.equal(out.body, '<HTML><STATUS>OK</STATUS></HTML>');
  assert.equal((await pds(token)).status, 401);
  assert.equal(
    failure(await send(`/saml/RoleSelectionGP.jsp?token=${encodeURIComponent(token)}&selectedRoleUid=${ROLE_A}`)),
    'token-logged-out',
  );
});

test('oversized and odd headers get 4xx, never 5xx', async () => {
  const huge = await send('/login/authactivate', { method: 'POST', headers: { 'x-filler': 'a'.repeat(20 * 1024) } });
  assert.equal(huge.status, 431);
  await fc.assert(
    fc.asyncProperty(
      fc.string({ unit: fc.constantFrom(...'abcXYZ019 -_:;,.=/+%"\'<>&'.split('')), maxLength: 200 }),
      fc.constantFrom('/login/authvalidate', '/Patient/9449305552', '/saml/RoleAssertion?token=x'),
      async (v, path) => {
        const r = await send(path, {
          method: path.startsWith('/login') ? 'POST' : 'GET',
          headers: { authorization: v, 'nhsd-session-urid': v, 'x-request-id': v, 'content-type': v },
          body: v,
        });
        return r.status >= 400 && r.status < 500;
      },
    ),
    { numRuns: 60 },
  );
  const weird = await send('/Patient/%E0%A4%A', { headers: {} });
  assert.ok(weird.status >= 400 && weird.status < 500, String(weird.status));
});

test('an expired certificate is refused, and sessions end at their maximum length however busy', async () => {
  const c = card();
  const token = await login(c);
  for (let i = 0; i < 12 * 6 - 1; i++) {
    await send('/_clock', { method: 'POST', body: JSON.stringify({ advanceSeconds: 600 }) });
    assert.equal(
      (await send(`/saml/RoleAssertion?token=${encodeURIComponent(token)}`)).status,
      200,
      `after ${(i + 1) * 10} minutes`,
    );
  }
  await send('/_clock', { method: 'POST', body: JSON.stringify({ advanceSeconds: 600 }) });
  const r = await send(`/saml/RoleAssertion?token=${encodeURIComponent(token)}`);
  assert.equal(r.status, 401);
  assert.equal(failure(r), 'token-expired');
  await send('/_clock', { method: 'POST', body: JSON.stringify({ advanceSeconds: 3 * 365 * 86400 }) });
  const ch = await activate();
  assert.equal(failure(await validate(ch, GP, respond(c, ch.challenge))), 'certificate-expired');
});

test('a card session ends at the first request after its certificate is revoked; other sessions go on', async () => {
  const c = card();
  const token = await login(c);
  const other = await login(card('555086690109'));
  assert.equal((await send(`/saml/RoleAssertion?token=${encodeURIComponent(token)}`)).status, 200);
  // Revoked in the CA alone (as another process might): nothing told the broker, which checks per request.
  openTestCa(sb.context.ca.dir).revoke(c.cert.serial, 'keyCompromise');
  const r = await send(`/saml/RoleAssertion?token=${encodeURIComponent(token)}`);
  assert.equal(r.status, 401);
  assert.equal(failure(r), 'token-revoked');
  const state = JSON.parse((await send(`/_sessions/${encodeURIComponent(token)}`)).body) as {
    active: boolean;
    endReason: string;
  };
  assert.deepEqual([state.active, state.endReason], [false, 'revoked']);
  assert.equal((await send(`/saml/RoleAssertion?token=${encodeURIComponent(other)}`)).status, 200);
});

test('ending every session of a user ends exactly theirs', async () => {
  const scripted = sb.context.broker.scriptedSession(GP, ROLE_A);
  assert.ok(typeof scripted !== 'string', "typeof scripted !== 'string'");
  const mine = [await login(), await login(), scripted.token];
  const theirs = await login(card('555086690109'));
  const live = sb.context.db
    .prepare('SELECT COUNT(*) AS n FROM sso_sessions WHERE user_id = ? AND ended_at IS NULL')
    .get(GP) as { n: number };
  const store = new SessionStore(sb.context.db, sb.context.clock, 900, 43200);
  assert.equal(store.endAllOf(GP, 'revoked'), live.n);
  for (const token of mine)
    assert.equal(failure(await send(`/saml/RoleAssertion?token=${encodeURIComponent(token)}`)), 'token-revoked');
  assert.equal((await send(`/saml/RoleAssertion?token=${encodeURIComponent(theirs)}`)).status, 200);
  assert.equal(store.endAllOf(GP, 'revoked'), 0, 'nothing left to end');
});
