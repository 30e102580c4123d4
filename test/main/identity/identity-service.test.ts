// The identity agent's logic over the in-process virtual card and an in-test broker that checks
// the card's signature on its challenge. (Over real HTTPS, pcscd and the sandbox: the itests.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, createVerify, X509Certificate } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PivCard } from '../../../sandbox/card/piv-card';
import { inProcessReader } from '../../../sandbox/card/in-process';
import { CardService } from '../../../main/card/card-service';
import { InProcessConnector } from '../../../main/card/in-process-connector';
import { IdentityService, type AuthResponseBuilder } from '../../../main/identity/identity-service';
import type { Broker, BrokerSession } from '../../../main/identity/broker';
import { EventBus, type ScripEvent } from '../../../main/events';
import { openDatabase } from '../../../main/store/database';
import { AuditLog } from '../../../main/store/audit';
import { Preferences } from '../../../main/store/preferences';
import { ScripError } from '../../../main/errors';
import { newCard } from '../../sandbox/card/fixture';
import { z } from 'zod';
import { defineCommand, Registry, type AnyCommand, type Caller } from '../../../main/commands/registry';
import { invokeCommand } from '../../../main/commands/invoke';
import type { Services } from '../../../main/services';

// Not a substring of the user id, so the audit check below means something.
const PIN = '482913';

const READER = 'Test Reader 00';
const roles = [
  {
    id: '555000111222',
    orgCode: 'A83008',
    orgName: 'HALLGARTH SURGERY',
    jobRoleName: '"Clinical":"Clinical Provision":"Clinical Practitioner Access Role"',
    jobRoleCode: 'S8000:G8000:R8000',
    activities: ['B0278', 'B0420'],
  },
  {
    id: '555000333444',
    orgCode: 'B81012',
    orgName: 'STIRLING MEDICAL CENTRE',
    jobRoleName: '"Admin & Clerical":"Admin":"Demographic Administrator"',
    jobRoleCode: 'S0001:G0001:R0001',
    activities: ['B0825'],
  },
];

// The test's broker verifies the card's RSA signature over its own challenge with the card's certificate.
const buildAuthResponse: AuthResponseBuilder = ({ signature, certificate }) =>
  JSON.stringify({ sig: Buffer.from(signature).toString('base64'), cert: Buffer.from(certificate).toString('base64') });

class TestBroker implements Broker {
  readonly baseUrl = 'https://broker.test';
  issued = new Set<string>();
  live = new Set<string>();
  loggedOut: string[] = [];
  selected = new Map<string, string>();
  idleSeconds = 600;
  async activate() {
    const c = randomBytes(48).toString('base64');
    this.issued.add(c);
    return { challenge: c, signature: 'server-mac' };
  }
  async validate(input: {
    challenge: string;
    signature: string;
    uid: string;
    response: string;
  }): Promise<BrokerSession> {
    if (!this.issued.delete(input.challenge)) throw new ScripError('service-error', 'unknown challenge');
    const { sig, cert } = JSON.parse(input.response) as { sig: string; cert: string };
    const x = new X509Certificate(Buffer.from(cert, 'base64'));
    const ok = createVerify('sha256')
      .update(Buffer.from(input.challenge, 'base64'))
      .verify(x.publicKey, Buffer.from(sig, 'base64'));
    if (!ok) throw new ScripError('service-error', 'signature does not verify');
    const token = randomBytes(16).toString('hex');
    this.live.add(token);
    return {
      token,
      userId: input.uid,
      name: 'Dr Test Person',
      roles: roles.map((r) => ({ ...r, jobRoleCode: null, activities: [] })),
      idleSeconds: this.idleSeconds,
      maxSeconds: 3600,
    };
  }
  async selectRole(token: string, roleId: string) {
    if (!this.live.has(token)) throw new ScripError('unauthenticated', 'token unknown');
    this.selected.set(token, roleId);
  }
  async roleAssertion(token: string) {
    if (!this.live.has(token)) throw new ScripError('unauthenticated', 'token unknown');
    return { xml: '<saml/>', selectedRoleId: this.selected.get(token) ?? null, roles };
  }
  async logout(token: string) {
    this.live.delete(token);
    this.loggedOut.push(token);
  }
}

function setup(opts: { warnBeforeMs?: number } = {}) {
  const slot = inProcessReader(new PivCard(newCard({ pin: PIN })));
  const cards = new CardService(new InProcessConnector({ [READER]: slot }));
  const events = new EventBus();
  const seen: ScripEvent[] = [];
  events.subscribe((e) => seen.push(e));
  const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'scrip-id-')), 'db.sqlite'));
  const audit = new AuditLog(db);
  const broker = new TestBroker();
  const identity = new IdentityService({
    cards,
    events,
    audit,
    preferences: new Preferences(db),
    broker: () => broker,
    environment: () => ({ name: 'sandbox', caPem: null }),
    buildAuthResponse,
    ...(opts.warnBeforeMs ? { warnBeforeMs: opts.warnBeforeMs } : {}),
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
  return { slot, identity, broker, seen, audit, readers };
}

test('insert → PIN → broker → roles; the only role or a chosen one is selected', async () => {
  const { identity, broker, readers, audit } = setup();
  readers(true);
  assert.equal(identity.view().state, 'card-present');
  const v = await identity.login({ pin: PIN, roleId: roles[0]!.id });
  assert.equal(v.state, 'role-selected');
  assert.equal(v.user?.id, '555123456789');
  assert.equal(v.selectedRole?.id, roles[0]!.id);
  assert.deepEqual(v.selectedRole?.activities, ['B0278', 'B0420'], 'activity codes come from the role assertion');
  assert.equal(broker.live.size, 1);
  assert.ok(
    audit.list().some((e) => e.action === 'session.start'),
    "audit.list().some((e) => e.action === 'session.start')",
  );
  assert.ok(!JSON.stringify(audit.list()).includes(PIN), 'the PIN is never in the audit log');
});

test('a wrong PIN costs a try, says how many are left, and changes no state', async () => {
  const { identity, readers } = setup();
  readers(true);
  await assert.rejects(
    identity.login({ pin: '000000' }),
    (e: unknown) => e instanceof ScripError && e.code === 'pin-wrong' && e.details?.retriesLeft === 2,
  );
  assert.equal(identity.view().state, 'card-present');
});

test('switching role keeps the session; a role not held is refused', async () => {
  const { identity, readers, broker } = setup();
  readers(true);
  await identity.login({ pin: PIN, roleId: roles[0]!.id });
  const token = [...broker.live][0]!;
  const v = await identity.selectRole(roles[1]!.id);
  assert.equal(v.selectedRole?.id, roles[1]!.id);
  assert.equal(broker.selected.get(token), roles[1]!.id);
  await assert.rejects(
    identity.selectRole('999999999999'),
    (e: unknown) => e instanceof ScripError && e.code === 'not-found',
  );
});

test('card removal ends the session at once: token destroyed at the broker, session.ended emitted, tickets refused', async () => {
  const { identity, readers, broker, seen } = setup();
  readers(true);
  await identity.login({ pin: PIN, roleId: roles[0]!.id });
  const ticket = identity.ticket({ label: 'API key "bot"', keyId: 'k1' });
  assert.ok(broker.live.has(ticket.token), 'broker.live.has(ticket.token)');
  readers(false);
  await new Promise((r) => setImmediate(r));
  assert.ok(broker.loggedOut.includes(ticket.token), 'authlogout was called with the token');
  assert.equal(broker.live.size, 0);
  assert.ok(
    seen.some((e) => e.type === 'session.ended' && e.data.reason === 'card-removed'),
    "seen.some((e) => e.type === 'session.ended' && e.data.reason === 'card-removed')",
  );
  assert.notEqual(identity.view().state, 'role-selected');
  assert.equal(identity.view().user, null, 'nothing of the session is left');
  assert.throws(
    () => identity.ticket({ label: 'x', keyId: null }),
    (e: unknown) => e instanceof ScripError && e.code === 'bad-state',
  );
});

test('commands in the wrong state are bad-state, not crashes', async () => {
  const { identity } = setup();
  await assert.rejects(identity.login({ pin: PIN }), (e: unknown) => e instanceof ScripError && e.code === 'bad-state');
  await assert.rejects(
    identity.selectRole('555000111222'),
    (e: unknown) => e instanceof ScripError && e.code === 'bad-state',
  );
  assert.throws(
    () => identity.logout(),
    (e: unknown) => e instanceof ScripError && e.code === 'bad-state',
  );
});

test('the remembered role is chosen next time; hand-outs are listed and audited', async () => {
  const { identity, readers, audit } = setup();
  readers(true);
  await identity.login({ pin: PIN, roleId: roles[1]!.id });
  identity.logout();
  const again = await identity.login({ pin: PIN });
  assert.equal(again.selectedRole?.id, roles[1]!.id);
  identity.ticket({ label: 'API key "emis-bridge"', keyId: 'abc' });
  assert.equal(identity.handouts()[0]?.to, 'API key "emis-bridge"');
  assert.ok(
    audit.list({ action: 'session.ticket' }).length === 1,
    "audit.list({ action: 'session.ticket' }).length === 1",
  );
  assert.ok(audit.verify().ok, 'audit.verify().ok');
});

test("the broker's idle timeout is honoured: a warning first, then the session ends and the token is destroyed", async () => {
  const { identity, readers, broker, seen } = setup({ warnBeforeMs: 700 });
  broker.idleSeconds = 1;
  readers(true);
  await identity.login({ pin: PIN, roleId: roles[0]!.id });
  const token = [...broker.live][0]!;
  const t0 = Date.now();
  await new Promise<void>((resolve) => {
    const check = () => (seen.some((e) => e.type === 'session.ended') ? resolve() : setTimeout(check, 20));
    check();
  });
  const warned = seen.find((e) => e.type === 'session.expiring');
  assert.ok(warned, 'a session.expiring warning came first');
  assert.equal(warned.type === 'session.expiring' && warned.data.reason, 'idle');
  assert.ok(
    seen.findIndex((e) => e.type === 'session.expiring') < seen.findIndex((e) => e.type === 'session.ended'),
    "seen.findIndex((e) => e.type === 'session.expiring') < seen.findIndex((e) => e.type === 'session.…",
  );
  assert.ok(Date.now() - t0 < 2000, 'Date.now() - t0 < 2000');
  assert.ok(
    seen.some((e) => e.type === 'session.ended' && e.data.reason === 'timeout'),
    "seen.some((e) => e.type === 'session.ended' && e.data.reason === 'timeout')",
  );
  assert.equal(identity.view().state, 'ended');
  await new Promise((r) => setImmediate(r));
  assert.ok(broker.loggedOut.includes(token), 'broker.loggedOut.includes(token)');
});

test('an unreachable broker leaves a clear state: not half logged in, and a retry works', async () => {
  const { identity, readers, broker } = setup();
  readers(true);
  const activate = broker.activate.bind(broker);
  broker.activate = async () => {
    throw new ScripError('service-unreachable', 'The security broker could not be reached.');
  };
  await assert.rejects(
    identity.login({ pin: PIN }),
    (e: unknown) => e instanceof ScripError && e.code === 'service-unreachable',
  );
  assert.equal(identity.view().state, 'card-present');
  assert.equal(identity.view().user, null);
  broker.activate = activate;
  assert.equal((await identity.login({ pin: PIN, roleId: roles[0]!.id })).state, 'role-selected');
});

test('invokeCommand enforces needs: bad-state with no role selected, forbidden naming the activity a role lacks', async () => {
  const { identity, readers } = setup();
  let ran = 0;
  const command = defineCommand({
    name: 'test.prescribe',
    summary: 'needs a prescribing role',
    http: { method: 'POST', path: '/test' },
    input: z.object({}),
    output: z.object({}),
    needs: { scope: 'prescribe', session: true, activity: 'prescribing' },
    run: async () => {
      ran++;
      return {};
    },
  });
  const registry = new Registry([command as unknown as AnyCommand]);
  const services = { identity } as unknown as Services;
  const caller: Caller = { kind: 'internal', scopes: new Set(['admin']), label: 'test' };
  await assert.rejects(
    invokeCommand(registry, services, 'test.prescribe', {}, caller),
    (e: unknown) => e instanceof ScripError && e.code === 'bad-state' && /test\.prescribe/.test(e.message),
    'logged out: bad-state naming the command',
  );
  readers(true);
  await identity.login({ pin: PIN, roleId: roles[1]!.id });
  await assert.rejects(
    invokeCommand(registry, services, 'test.prescribe', {}, caller),
    (e: unknown) =>
      e instanceof ScripError &&
      e.code === 'forbidden' &&
      /B0278 Perform Prescription Preparation/.test(e.message) &&
      /STIRLING MEDICAL CENTRE/.test(e.message),
    'a role without the activity: forbidden, naming it',
  );
  assert.equal(ran, 0, 'the command did not run');
  await identity.selectRole(roles[0]!.id);
  await invokeCommand(registry, services, 'test.prescribe', {}, caller);
  assert.equal(ran, 1, 'with a prescribing role it runs');
});

test('with cards in two readers: both are listed, either can be chosen before login, and pulling one arms the other', async () => {
  const SECOND = 'Test Reader 1';
  const first = inProcessReader(new PivCard(newCard({ pin: PIN })));
  const second = inProcessReader(
    new PivCard(newCard({ pin: PIN, userId: '555999999999', displayName: 'Dr Second Card' })),
  );
  const cards = new CardService(new InProcessConnector({ [READER]: first, [SECOND]: second }));
  const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'scrip-id-')), 'db.sqlite'));
  const broker = new TestBroker();
  const identity = new IdentityService({
    cards,
    events: new EventBus(),
    audit: new AuditLog(db),
    preferences: new Preferences(db),
    broker: () => broker,
    environment: () => ({ name: 'sandbox', caPem: null }),
    buildAuthResponse,
  });
  const row = (name: string, present: boolean) => ({
    name,
    present,
    atr: present ? '3B' : null,
    pinPad: false,
    cardType: null,
    inUse: false,
    pinRetries: null,
  });
  const readers = (a: boolean, b: boolean) =>
    identity.onReaders({ service: 'running', readers: [row(READER, a), row(SECOND, b)] });

  readers(true, true);
  assert.deepEqual(identity.view().cards, [READER, SECOND], 'both readers with a card are listed');
  assert.equal(identity.view().reader, READER, 'the first card is armed until another is chosen');
  assert.throws(
    () => identity.useCard('No Such Reader'),
    (e: unknown) => e instanceof ScripError && e.code === 'no-card',
    'a reader without a card cannot be chosen',
  );
  assert.equal(identity.useCard(SECOND).reader, SECOND, 'the second card is chosen');
  const v = await identity.login({ pin: PIN, roleId: roles[0]!.id });
  assert.equal(v.user?.id, '555999999999', 'the login used the chosen card, not the first');
  assert.throws(
    () => identity.useCard(READER),
    (e: unknown) => e instanceof ScripError && e.code === 'bad-state',
    'no other card can be chosen while a session runs',
  );
  readers(true, true);
  assert.equal(identity.view().state, 'role-selected', 'the other card staying put changes nothing');
  readers(true, false);
  assert.equal(
    identity.view().reader,
    READER,
    "pulling the session's card arms the card still in the other reader, with no further reader event",
  );
  assert.equal(identity.view().state, 'card-present', 'and the session is over');
  assert.equal(identity.view().user, null, 'no user remains from the ended session');
});

test('a broker that logs in through the browser: the card signs what the page asks; pulling the card stops a login still waiting', async () => {
  const { identity, broker, readers } = setup();
  // The browser route (decision 0017): the provider's page asks for the card's answer to its challenge.
  let stopped: unknown = null;
  let mode: 'sign' | 'wait' = 'sign';
  Object.assign(broker, {
    loginInBrowser: async (sign: (c: string) => Promise<{ uid: string; response: string }>, signal?: AbortSignal) => {
      if (mode === 'sign') {
        const { challenge } = await broker.activate();
        return broker.validate({ challenge, signature: 'server-mac', ...(await sign(challenge)) });
      }
      // Waiting on the browser until told to stop.
      return new Promise<BrokerSession>((_resolve, reject) => {
        signal?.addEventListener('abort', () => {
          stopped = signal.reason;
          reject(new ScripError('card-removed', 'The card was removed while logging in.'));
        });
      });
    },
  });
  readers(true);
  const v = await identity.login({ pin: PIN, roleId: roles[0]!.id });
  assert.equal(v.state, 'role-selected', "logged in with the card's signature over the page's challenge");
  identity.logout();
  mode = 'wait';
  const waiting = identity.login({ pin: PIN });
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(identity.loginInProgress(), true, 'the login waits on the browser');
  readers(false);
  await assert.rejects(
    waiting,
    (e: unknown) => e instanceof ScripError && e.code === 'card-removed',
    'the card leaving stops it',
  );
  assert.ok(stopped !== null, 'the broker was told to stop');
  assert.equal(identity.loginInProgress(), false, 'no login left in flight');
});
