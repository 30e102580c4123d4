// CIS2 login and the APIM token exchange over real HTTPS loopback: the identity agent, the
// in-process virtual card (issued by the sandbox's CA), oauth4webapi/jose on the client, and the
// sandbox's CIS2-style provider and APIM-style gateway. Each way a login can be wrong is refused
// with its own error; no token reaches the message log, the audit log or an event.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createSign, generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { startSandbox, type RunningSandbox } from '../../../sandbox/server';
import { issueCard } from '../../../sandbox/card/issue';
import { PivCard } from '../../../sandbox/card/piv-card';
import { inProcessReader } from '../../../sandbox/card/in-process';
import { ApplicationStore } from '../../../sandbox/cis2/applications';
import { CardService } from '../../../main/card/card-service';
import { InProcessConnector } from '../../../main/card/in-process-connector';
import { IdentityService } from '../../../main/identity/identity-service';
import { buildAuthResponse } from '../../../main/identity/http-broker';
import { brokerFor } from '../../../main/identity/broker-for';
import { Cis2Login } from '../../../main/identity/cis2/oidc-login';
import { ApimClient } from '../../../main/identity/cis2/apim-client';
import { appKeyAccount, loadAppKey } from '../../../main/identity/cis2/app-key';
import { ServiceClient, type ServiceResponse } from '../../../main/net/service-client';
import { EpsClient } from '../../../main/prescribing/eps-client';
import { EventBus, type ScripEvent } from '../../../main/events';
import { openDatabase } from '../../../main/store/database';
import { AuditLog } from '../../../main/store/audit';
import { Preferences } from '../../../main/store/preferences';
import { ScripError } from '../../../main/errors';
import { memoryKeychain } from '../../../native/keychain/keychain';
import { buildSignedData, wrapSmime } from '../../../protocols/spine/cms';
import { httpsClient } from '../../sandbox/support/sandbox-client';
import type { Environment } from '../../../main/environments/environments';

const USER = '555086689106',
  ROLE_A = '200102238987',
  PIN = '482913',
  READER = 'Test Reader 00';
const CIS2_CLIENT = 'scrip-test.apps.sandbox',
  APIM_CLIENT = 'scrip-test-apim';
let sb: RunningSandbox, dir: string, send: ReturnType<typeof httpsClient>;
const keychain = memoryKeychain();

/** A ServiceClient that keeps every answer, so the test knows each token the services handed out. */
class RecordingClient extends ServiceClient {
  readonly answers: ServiceResponse[] = [];
  override async send(url: string, init: Parameters<ServiceClient['send']>[1] = {}): Promise<ServiceResponse> {
    const r = await super.send(url, init);
    this.answers.push(r);
    return r;
  }
  secrets(): string[] {
    const out: string[] = [];
    for (const a of this.answers) {
      const loc = a.headers.location;
      if (typeof loc === 'string') {
        const c = new URL(loc).searchParams.get('code');
        if (c) out.push(c);
      }
      try {
        const j = JSON.parse(a.body.toString('utf8')) as Record<string, unknown>;
        for (const k of ['access_token', 'id_token', 'refresh_token']) if (typeof j[k] === 'string') out.push(j[k]);
      } catch {
        /* not JSON */
      }
    }
    return out;
  }
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'scrip-cis2-'));
  sb = await startSandbox({ dataDir: dir });
  send = httpsClient(sb.baseUrl, sb.caCertPath);
});
after(async () => {
  await sb.close();
  rmSync(dir, { recursive: true, force: true });
});

function environment(): Environment {
  return {
    name: 'sandbox-cis2',
    label: 'Sandbox (CIS2)',
    brokerUrl: sb.baseUrl,
    epsUrl: `${sb.baseUrl}/FHIR/R4`,
    pdsUrl: sb.baseUrl,
    challengeDigest: 'sha256',
    caPem: sb.context.ca.root.pem,
    auth: 'cis2-apim',
    cis2Login: 'agent', // this file proves the agent route; test/e2e/cis2-loopback.spec.ts the system browser
    cis2Issuer: `${sb.baseUrl}/cis2`,
    cis2ClientId: CIS2_CLIENT,
    apimTokenUrl: `${sb.baseUrl}/oauth2/token`,
    apimClientId: APIM_CLIENT,
    registerAppKey: ({ kid, jwk }) =>
      new ApplicationStore(dir).register({
        name: 'Scrip under test',
        cis2ClientId: CIS2_CLIENT,
        apimClientId: APIM_CLIENT,
        redirectUris: ['http://127.0.0.1/callback'],
        keys: [{ ...jwk, kty: 'RSA', n: String(jwk.n), e: String(jwk.e), kid }],
      }),
  };
}

function setup() {
  const card = issueCard({ userId: USER, displayName: 'DR CLARE BOIN', pin: PIN, ca: sb.context.ca }).card;
  const slot = inProcessReader(new PivCard(card));
  const cards = new CardService(new InProcessConnector({ [READER]: slot }));
  const events = new EventBus();
  const seen: ScripEvent[] = [];
  events.subscribe((e) => seen.push(e));
  const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'scrip-cis2-db-')), 'db.sqlite'));
  const audit = new AuditLog(db);
  const http = new RecordingClient({ serviceName: 'CIS2 and APIM', caPem: sb.context.ca.root.pem });
  const env = environment();
  const identity: IdentityService = new IdentityService({
    cards,
    events,
    audit,
    preferences: new Preferences(db),
    buildAuthResponse,
    environment: () => ({ name: env.name, caPem: env.caPem }),
    broker: () =>
      brokerFor(env, {
        http: () => http,
        keychain: () => keychain,
        dataDir: dir,
        onLost: () => identity.sessionLost(),
      }),
  });
  const readers = (present: boolean) =>
    identity.onReaders({
      service: 'running',
      readers: [
        {
          name: READER,
          present,
          atr: present ? '3B' : null,
          pinPad: false,
          cardType: null,
          inUse: false,
          pinRetries: null,
        },
      ],
    });
  readers(true);
  return { identity, readers, audit, seen, http, env };
}

const faults = async (f: Record<string, unknown>) =>
  assert.equal((await send('/_cis2/faults', { method: 'POST', body: JSON.stringify(f) })).status, 200, 'faults set');
const tokenInfo = async (t: string) =>
  JSON.parse((await send(`/_apim/tokens/${encodeURIComponent(t)}`)).body) as {
    state: string;
    cis2Session: { state: string; liveTokens: number } | null;
  };
const tokenState = async (t: string) => (await tokenInfo(t)).state;
/** Polls until the CIS2 session the APIM token came from is no longer live (end-session runs after the state change). */
async function cis2SessionAfter(t: string): Promise<{ state: string; liveTokens: number } | null> {
  for (let i = 0; i < 100; i++) {
    const s = (await tokenInfo(t)).cis2Session;
    if (s?.state !== 'live') return s;
    await new Promise((r) => setTimeout(r, 20));
  }
  return (await tokenInfo(t)).cis2Session;
}

function refusal(check: string, text: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof ScripError, `a ScripError, not ${String(e)}`);
    assert.equal(e.details?.check, check, `refused for ${check}: ${e.message}`);
    assert.match(e.message, text, 'the message says what was wrong');
    return true;
  };
}

test('card → CIS2 (AAL3 ID token checked) → APIM token → EPS with bearer and NHSD-Session-URID; card removal revokes it', async () => {
  const { identity, readers, audit, seen, http } = setup();
  const v = await identity.login({ pin: PIN });
  assert.equal(v.state, 'authenticated', 'two roles and none chosen at the provider: the user chooses in Scrip');
  assert.deepEqual(v.roles.map((r) => r.id).sort(), [ROLE_A, '200102238988'], 'roles from nhsid_nrbac_roles');
  assert.deepEqual(
    v.roles.find((r) => r.id === ROLE_A)?.activities,
    ['B0278', 'B0420', 'B0401', 'B0068'],
    'activity codes from nhsid_nrbac_roles',
  );
  assert.equal(v.user?.name, 'DR CLARE BOIN', 'name from userinfo');
  const chosen = await identity.selectRole(ROLE_A);
  assert.equal(chosen.state, 'role-selected', 'role chosen');
  const s = identity.requireRole();
  assert.equal(await tokenState(s.token), 'live', 'the session token is an APIM access token the gateway knows');
  assert.deepEqual(
    (await tokenInfo(s.token)).cis2Session,
    { state: 'live', liveTokens: 1 },
    'it came from a live CIS2 session',
  );
  const eps = new EpsClient(
    new ServiceClient({ serviceName: 'EPS', caPem: sb.context.ca.root.pem }),
    `${sb.baseUrl}/FHIR/R4`,
  );
  const bundle = await eps.track({ nhsNumber: '9449304424' }, { token: s.token, roleProfileId: s.role.id });
  assert.equal(bundle.resourceType, 'Bundle', 'EPS accepted the APIM bearer with the role as NHSD-Session-URID');
  await assert.rejects(
    eps.track({ nhsNumber: '9449304424' }, { token: s.token, roleProfileId: '200102240001' }),
    (e: unknown) =>
      e instanceof ScripError && e.code === 'unauthenticated' && /NHSD-Session-URID is invalid/.test(e.message),
    "another user's role is refused",
  );

  const ended = new Promise<void>((resolve) => {
    const t = setInterval(() => {
      void tokenState(s.token).then((st) => {
        if (st === 'revoked') {
          clearInterval(t);
          resolve();
        }
      });
    }, 20);
  });
  readers(false);
  assert.equal(identity.view().state, 'ended', 'the card left: the session is over at once');
  await ended;
  assert.equal(await tokenState(s.token), 'revoked', 'the APIM token was revoked at the gateway');
  assert.deepEqual(
    await cis2SessionAfter(s.token),
    { state: 'ended', liveTokens: 0 },
    'the CIS2 session was ended at its end_session_endpoint, its tokens with it',
  );

  const secrets = http.secrets();
  assert.ok(secrets.length >= 4, `code, id, access and refresh tokens were seen (${secrets.length})`);
  const log = JSON.stringify(
    (await send('/_log?since=0', { headers: { authorization: `Bearer ${sb.adminSecret}` } })).body,
  );
  const audited = JSON.stringify(audit.list());
  const events = JSON.stringify(seen);
  for (const secret of secrets) {
    assert.ok(!log.includes(secret), 'no token or code in the sandbox message log');
    assert.ok(!audited.includes(secret), 'no token or code in the audit log');
    assert.ok(!events.includes(secret), 'no token or code in any event');
  }
  assert.ok(!audited.includes(PIN) && !log.includes(PIN), 'the PIN is nowhere');
});

test('an ID token below AAL3, for another audience, expired, or with another nonce is refused by Scrip', async () => {
  const cases: Array<[Record<string, unknown>, string, RegExp]> = [
    [{ acr: 'AAL2_ANY' }, 'acr', /acr is AAL2_ANY, but prescribing needs AAL3/],
    [{ audience: 'someone-else.apps.national' }, 'aud', /is for "someone-else\.apps\.national", not this application/],
    [{ lifetimeSeconds: -120 }, 'exp', /the ID token expired at/],
    [{ nonce: 'not-the-nonce' }, 'nonce', /nonce is not the one this login sent/],
  ];
  try {
    for (const [fault, check, text] of cases) {
      await faults(fault);
      const { identity } = setup();
      await assert.rejects(identity.login({ pin: PIN }), refusal(check, text), `refused: ${check}`);
      assert.equal(identity.view().state, 'card-present', 'a refused login leaves no session');
    }
  } finally {
    await faults({});
  }
});

/** One authorization up to the code, with a card key issued by the sandbox CA. */
async function authorize(login: Cis2Login) {
  const p = await login.begin();
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const cert = sb.context.ca.issueAuthCertificate({ userId: USER, displayName: 'DR CLARE BOIN', publicKey });
  const content = Buffer.from(p.challenge, 'base64');
  const response = wrapSmime(
    buildSignedData({
      content,
      certificateDer: cert.der,
      signature: createSign('sha256').update(content).sign(privateKey),
      digest: 'sha256',
    }),
  );
  const r = await send(p.cardUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ transaction: p.transaction, uid: USER, response }).toString(),
  });
  assert.equal(r.status, 302, `the card step redirects with a code: ${r.body}`);
  p.redirect.close();
  return { p, code: new URL(String(r.headers.location)).searchParams.get('code')! };
}

test('a replayed authorization code is refused, and what it bought is withdrawn', async () => {
  const env = environment();
  const http = new ServiceClient({ serviceName: 'CIS2', caPem: sb.context.ca.root.pem });
  const key = () =>
    loadAppKey(keychain, appKeyAccount(dir, env.name), { create: true }).then((k) => {
      env.registerAppKey!(k);
      return k;
    });
  const login = new Cis2Login(http, { issuer: env.cis2Issuer!, clientId: CIS2_CLIENT }, key);
  const k = await key();
  const { p, code } = await authorize(login);
  const redeem = async () =>
    send('/cis2/access_token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: p.redirect.redirectUri,
        code_verifier: p.verifier,
        client_id: CIS2_CLIENT,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: await new SignJWT({})
          .setProtectedHeader({ alg: 'RS512', kid: k.kid })
          .setIssuer(CIS2_CLIENT)
          .setSubject(CIS2_CLIENT)
          .setAudience(env.cis2Issuer!)
          .setJti(randomUUID())
          .setExpirationTime('5m')
          .sign(k.key),
      }).toString(),
    });
  const first = await redeem();
  assert.equal(first.status, 200, `the code is redeemed once: ${first.body}`);
  const access = (JSON.parse(first.body) as { access_token: string }).access_token;
  assert.equal(
    (await send('/cis2/userinfo', { headers: { authorization: `Bearer ${access}` } })).status,
    200,
    'userinfo answers for the token',
  );
  const again = await redeem();
  assert.equal(again.status, 400, 'the second use is refused');
  assert.deepEqual(
    JSON.parse(again.body),
    {
      error: 'invalid_grant',
      error_description: 'The authorization code was already used; the tokens issued for it are revoked',
    },
    'named precisely',
  );
  assert.equal(
    (await send('/cis2/userinfo', { headers: { authorization: `Bearer ${access}` } })).status,
    401,
    'the token the code bought is withdrawn',
  );
});

test('APIM refuses a client assertion signed by a key the application did not register, or with the wrong algorithm', async () => {
  const env = environment();
  const http = new ServiceClient({ serviceName: 'APIM', caPem: sb.context.ca.root.pem });
  const good = await loadAppKey(keychain, appKeyAccount(dir, env.name), { create: true });
  env.registerAppKey!(good);
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const impostor = {
    kid: good.kid,
    key: await crypto.subtle.importKey(
      'pkcs8',
      privateKey.export({ type: 'pkcs8', format: 'der' }),
      { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-512' },
      false,
      ['sign'],
    ),
  };
  const apim = new ApimClient(http, { tokenUrl: env.apimTokenUrl!, clientId: APIM_CLIENT }, async () => impostor);
  await assert.rejects(
    apim.exchange('x.y.z'),
    (e: unknown) =>
      e instanceof ScripError &&
      /signature does not verify with the key registered for this application/.test(e.message),
    'wrong key named',
  );
  const rs256 = await new SignJWT({})
    .setProtectedHeader({ alg: 'RS256', kid: good.kid })
    .setIssuer(APIM_CLIENT)
    .setSubject(APIM_CLIENT)
    .setAudience(env.apimTokenUrl!)
    .setJti(randomUUID())
    .setExpirationTime('5m')
    .sign(
      await crypto.subtle.importKey(
        'pkcs8',
        privateKey.export({ type: 'pkcs8', format: 'der' }),
        { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
        false,
        ['sign'],
      ),
    );
  const r = await send('/oauth2/token', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token_type: 'urn:ietf:params:oauth:token-type:id_token',
      subject_token: 'x.y.z',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: rs256,
    }).toString(),
  });
  assert.equal(r.status, 400, 'wrong algorithm refused');
  assert.match(
    (JSON.parse(r.body) as { error_description: string }).error_description,
    /must be 'RS512'/,
    'named precisely',
  );
  const ok = new ApimClient(http, { tokenUrl: env.apimTokenUrl!, clientId: APIM_CLIENT }, async () => good);
  await assert.rejects(
    ok.exchange('x.y.z'),
    (e: unknown) =>
      e instanceof ScripError && /not an ID token signed by this environment's CIS2 provider/.test(e.message),
    'a forged subject token is refused after a good assertion',
  );
});

test('a refresh replaces the access token in place; the old one dies', async () => {
  const { identity } = setup();
  await identity.login({ pin: PIN });
  await identity.selectRole(ROLE_A);
  const before = identity.requireRole().token;
  const broker = identity.requireRole().broker as unknown as { refresh(): Promise<void> };
  await broker.refresh();
  const after = identity.requireRole().token;
  assert.notEqual(after, before, 'a new access token');
  assert.equal(await tokenState(before), 'revoked', 'the old one is rotated out');
  assert.equal(await tokenState(after), 'live', 'the new one works');
  identity.logout();
});

test('an environment configured for APIM only refuses broker sessions at EPS, naming why', async () => {
  const only = await startSandbox({ dataDir: mkdtempSync(join(dir, 'apim-only-')), serviceAuth: 'cis2-apim' });
  try {
    const s = only.context.broker.scriptedSession(USER, ROLE_A);
    assert.ok(typeof s !== 'string', 'a broker session exists');
    const r = await httpsClient(only.baseUrl, only.caCertPath)(
      '/FHIR/R4/Task?patient:identifier=https://fhir.nhs.uk/Id/nhs-number|9449304424',
      { headers: { authorization: `Bearer ${s.token}`, 'nhsd-session-urid': ROLE_A } },
    );
    assert.equal(r.status, 401, 'refused');
    assert.match(r.body, /accepts only APIM access tokens/, 'the reason is named');
  } finally {
    await only.close();
  }
});

test("logging out ends the login's CIS2 session (RP-initiated logout); the provider refuses a logout it cannot tie to one of its sessions", async () => {
  const { identity, http } = setup();
  await identity.login({ pin: PIN });
  await identity.selectRole(ROLE_A);
  const token = identity.requireRole().token;
  const idToken = http.answers
    .map((a) => {
      try {
        return (JSON.parse(a.body.toString('utf8')) as { id_token?: string }).id_token;
      } catch {
        return undefined;
      }
    })
    .find((t) => typeof t === 'string')!;
  assert.ok(idToken, 'the login had an ID token');
  const discovery = JSON.parse((await send('/cis2/.well-known/openid-configuration')).body) as {
    end_session_endpoint?: string;
  };
  assert.equal(
    discovery.end_session_endpoint,
    `${sb.baseUrl}/cis2/connect/endSession`,
    'discovery names the end-session endpoint',
  );
  identity.logout();
  assert.deepEqual(
    await cis2SessionAfter(token),
    { state: 'ended', liveTokens: 0 },
    'logout ended the CIS2 session and its tokens',
  );

  const end = (params: Record<string, string>) =>
    send('/cis2/connect/endSession', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params).toString(),
    });
  const title = (body: string) => /<title>([^<]*)<\/title>/.exec(body)?.[1] ?? body;
  const none = await end({});
  assert.equal(none.status, 400, 'no hint: refused');
  assert.match(none.body, /id_token_hint is required/, 'saying what is missing');
  const other = await end({ id_token_hint: idToken, client_id: 'someone-else.apps.sandbox' });
  assert.equal(other.status, 400, 'another client cannot end this session');
  assert.match(other.body, /client_id is not the audience/, 'named');
  const forgedKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const forged = await new SignJWT({ sid: 'x' })
    .setProtectedHeader({ alg: 'RS256' })
    .setIssuer(`${sb.baseUrl}/cis2`)
    .setAudience(CIS2_CLIENT)
    .setExpirationTime('5m')
    .sign(forgedKey);
  const f = await end({ id_token_hint: forged });
  assert.equal(f.status, 400, 'a hint the provider did not sign is refused');
  assert.match(f.body, /not an ID token this provider issued/, 'named');
  const back = await end({
    id_token_hint: idToken,
    client_id: CIS2_CLIENT,
    post_logout_redirect_uri: 'https://evil.example/after',
    state: 's',
  });
  assert.equal(back.status, 400, `an unregistered post-logout address is refused: ${title(back.body)}`);
  const again = await end({
    id_token_hint: idToken,
    client_id: CIS2_CLIENT,
    post_logout_redirect_uri: 'http://127.0.0.1:5555/callback',
    state: 's1',
  });
  assert.equal(
    again.status,
    302,
    `a registered loopback address is sent back to, once the session is ended (again): ${title(again.body)}`,
  );
  assert.equal(again.headers.location, 'http://127.0.0.1:5555/callback?state=s1', 'with the state');
  const log = (await send('/_log?since=0', { headers: { authorization: `Bearer ${sb.adminSecret}` } })).body;
  assert.ok(!log.includes(idToken), 'the ID token sent as id_token_hint is not in the message log');
});

test('an expired ID token still names its session for logout (logging out late must work)', async () => {
  const env = environment();
  const http = new ServiceClient({ serviceName: 'CIS2', caPem: sb.context.ca.root.pem });
  const key = () =>
    loadAppKey(keychain, appKeyAccount(dir, env.name), { create: true }).then((k) => {
      env.registerAppKey!(k);
      return k;
    });
  const login = new Cis2Login(http, { issuer: env.cis2Issuer!, clientId: CIS2_CLIENT }, key);
  const k = await key();
  await faults({ lifetimeSeconds: -120 });
  let redeemed: { id_token: string; access_token: string };
  try {
    const { p, code } = await authorize(login);
    const r = await send('/cis2/access_token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: p.redirect.redirectUri,
        code_verifier: p.verifier,
        client_id: CIS2_CLIENT,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: await new SignJWT({})
          .setProtectedHeader({ alg: 'RS512', kid: k.kid })
          .setIssuer(CIS2_CLIENT)
          .setSubject(CIS2_CLIENT)
          .setAudience(env.cis2Issuer!)
          .setJti(randomUUID())
          .setExpirationTime('5m')
          .sign(k.key),
      }).toString(),
    });
    assert.equal(r.status, 200, `redeemed: ${r.body}`);
    redeemed = JSON.parse(r.body) as typeof redeemed;
  } finally {
    await faults({});
  }
  assert.equal(
    (await send('/cis2/userinfo', { headers: { authorization: `Bearer ${redeemed.access_token}` } })).status,
    200,
    "the session's access token works",
  );
  await login.endSession(redeemed.id_token);
  assert.equal(
    (await send('/cis2/userinfo', { headers: { authorization: `Bearer ${redeemed.access_token}` } })).status,
    401,
    'the expired hint ended the session: its token is refused',
  );
  http.close();
});
