// The pharmacist's side against the real sandbox over HTTPS: a running app, logged in with a card
// (attached in-process, so no vpcd is needed) for a user whose role is a pharmacy's (FCG71);
// prescriptions put into the sandbox signed without a card (lifecycle-support). EPS is reached
// through a TCP relay this test can make lose the answers, to prove retries are the same request.
//   release by ID → Scrip verifies the signature → dispense → the tracker says dispensed;
//   nominated release; a revoked signer (EPS refuses it) and a signer Scrip does not trust (EPS
//   releases it) are both shown as invalid, dispensing refused, details viewable; a tampered
//   Bundle fails Scrip's check; return puts it back (another pharmacy can release it); withdraw;
//   answers lost in transit: the retry carries the same X-Request-ID and nothing is recorded twice.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { createApp, type App } from '../../../main/app';
import { sandboxEnvironment } from '../../../main/embedded';
import { InProcessConnector } from '../../../main/card/in-process-connector';
import { invokeCommand } from '../../../main/commands/invoke';
import type { Caller } from '../../../main/commands/registry';
import { toScripError } from '../../../main/errors';
import type { Environment } from '../../../main/environments/environments';
import type { DispensingView, ReleaseResult } from '../../../main/dispensing/dispensing-service';
import { caCertificates, checkSignature } from '../../../main/dispensing/verify';
import { issueCard } from '../../../sandbox/card/issue';
import { PivCard } from '../../../sandbox/card/piv-card';
import { inProcessReader } from '../../../sandbox/card/in-process';
import { buildReleaseParameters } from '../../../protocols/eps/dispensing';
import { FakeReaderWatch } from '../../support/fake-reader-watch';
import { LifecycleSandbox, PEOPLE } from '../../sandbox/eps/lifecycle-support';

const PIN = '482913';
const READER = 'Test Reader 0';
type Json = Record<string, unknown>;
type Failure = { error: { code: string; message: string; action: string } };
const s = new LifecycleSandbox();
let app: App;
let dataDir: string;
let env: Environment;
let rootOnly: string;
let withSigningCa: string;
const caller: Caller = { kind: 'internal', scopes: new Set(['dispense', 'read']), label: 'test' };

async function call<T = DispensingView>(name: string, input: unknown): Promise<T> {
  return (await invokeCommand(app.registry, app.services, name, input, caller)) as T;
}
async function fails(name: string, input: unknown): Promise<Failure['error']> {
  try {
    await call(name, input);
  } catch (e) {
    const err = toScripError(e);
    return { code: err.code, message: err.message, action: err.action };
  }
  assert.fail(`${name} should have failed`);
}

/** A TCP relay in front of the sandbox; with `lose` set, each answer is cut off before the client sees it. */
class Relay {
  server!: Server;
  port = 0;
  lose = false;
  readonly sockets = new Set<Socket>();
  async start(target: number): Promise<void> {
    this.server = createServer((client) => {
      const up = connect(target, '127.0.0.1');
      this.sockets.add(client);
      this.sockets.add(up);
      // A request is only lost once it has reached the sandbox: the TLS handshake (a new connection
      // sends well under 1,200 bytes before its first request) always goes through.
      let sent = 0;
      client.on('data', (d: Buffer) => {
        sent += d.length;
        up.write(d);
      });
      up.on('data', (d) => {
        if (this.lose && sent > 1200) {
          up.destroy();
          client.destroy();
        } else client.write(d);
      });
      const end = () => {
        client.destroy();
        up.destroy();
        this.sockets.delete(client);
        this.sockets.delete(up);
      };
      client.on('close', end);
      up.on('close', end);
      client.on('error', end);
      up.on('error', end);
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as { port: number }).port;
  }
  async close(): Promise<void> {
    for (const so of this.sockets) so.destroy();
    await new Promise((r) => this.server.close(r));
  }
}
const relay = new Relay();

before(async () => {
  await s.start();
  await relay.start(Number(new URL(s.sb.baseUrl).port));
  dataDir = mkdtempSync(join(tmpdir(), 'scrip-dispense-'));
  rootOnly = readFileSync(s.sb.caCertPath, 'utf8');
  // The environment's CA bundle holds the Signing CA too: that is what prescriber signatures chain to.
  withSigningCa = rootOnly + readFileSync(join(s.dir, 'ca', 'sign-ca.pem'), 'utf8');
  env = { ...sandboxEnvironment(s.sb), epsUrl: `https://127.0.0.1:${relay.port}/FHIR/R4`, caPem: withSigningCa };
  const card = new PivCard(
    issueCard({
      userId: PEOPLE.pharmacist.user,
      displayName: 'MR AMIR PATEL',
      pin: PIN,
      puk: '12345678',
      ca: s.sb.context.ca,
    }).card,
  );
  const watch = new FakeReaderWatch();
  app = await createApp({
    dataDir,
    readerWatch: watch,
    cardConnector: new InProcessConnector({ [READER]: inProcessReader(card) }),
    environment: () => env,
  });
  watch.set({
    service: 'running',
    readers: [{ name: READER, present: true, atr: '3B', exclusive: false, inUse: false, mute: false }],
  });
  const v = await app.services.identity.login({ pin: PIN, roleId: PEOPLE.pharmacist.role });
  assert.equal(v.state, 'role-selected');
});
after(async () => {
  app?.services.identity.logout();
  await new Promise((r) => setTimeout(r, 300));
  await app?.close();
  await relay.close();
  await s.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const tracked = async (id: string) => {
  const t = await app.services.dispensing.track(id);
  assert.ok(t, 'the tracker knows the prescription');
  return t;
};

test('release by prescription ID, signature verified by Scrip, dispense every item: the tracker says dispensed', async () => {
  const made = await s.send({ items: 2 });
  const r = await call<ReleaseResult>('dispense.release', { prescriptionId: made.shortId.toLowerCase() });
  assert.equal(r.released.length, 1, r.message);
  assert.equal(r.refused.length, 0);
  const rx = r.released[0]!;
  assert.equal(rx.shortFormId, made.shortId);
  assert.equal(rx.status, 'with-pharmacy');
  assert.equal(rx.signature.ok, true);
  assert.equal(rx.signature.scrip.ok, true, rx.signature.scrip.errors.join('; '));
  assert.equal(rx.signature.service.ok, true);
  assert.match(rx.signature.scrip.signer?.subject ?? '', new RegExp(PEOPLE.prescriber.user));
  assert.equal(rx.patient?.nhsNumber, made.nhsNumber);
  assert.equal(rx.prescriber?.organisation, 'HALLGARTH SURGERY');
  assert.deepEqual(
    rx.items.map((i) => i.lineId),
    made.items,
  );
  assert.ok(
    rx.items.every((i) => i.statusCode === '0008'),
    'items are with the dispenser',
  );
  assert.equal(rx.canDispense, true);
  assert.equal((await tracked(rx.id)).status.code, '0002');

  // Kept on this computer: the list and get read the store.
  const listed = await call<{ prescriptions: DispensingView[] }>('dispense.list', {});
  assert.ok(
    listed.prescriptions.some((p) => p.id === rx.id),
    'listed.prescriptions.some((p) => p.id === rx.id)',
  );

  const done = await call('dispense.record', {
    id: rx.id,
    items: [
      { lineId: made.items[0], outcome: 'dispensed' },
      { lineId: made.items[1], outcome: 'not-dispensed' },
    ],
  });
  assert.equal(done.status, 'dispensed');
  assert.equal(done.prescriptionStatusCode, '0006');
  assert.deepEqual(
    done.items.map((i) => i.statusCode),
    ['0001', '0002'],
  );
  assert.equal(done.items[0]!.dispensedQuantity, rx.items[0]!.quantity?.value);
  const t = await tracked(rx.id);
  assert.equal(t.status.code, '0006');
  assert.deepEqual(t.items.map((i) => i.status.code).sort(), ['0001', '0002']);

  // Nothing more can be recorded, and the same item cannot be dispensed twice.
  assert.equal(
    (await fails('dispense.record', { id: rx.id, items: [{ lineId: made.items[0], outcome: 'dispensed' }] })).code,
    'bad-state',
  );
});

test('bad input is refused before anything is sent, naming the problem', async () => {
  const bad = await fails('dispense.release', { prescriptionId: '24F5DA-A83008-7EFE6X' });
  assert.equal(bad.code, 'invalid-input');
  assert.match(bad.message, /not a prescription ID/);
  const made = await s.send({ items: 1 });
  const rx = (await call<ReleaseResult>('dispense.release', { prescriptionId: made.shortId })).released[0]!;
  const prescribed = rx.items[0]!.quantity!.value;
  const partial = await fails('dispense.record', {
    id: rx.id,
    items: [{ lineId: made.items[0], outcome: 'partial', quantity: prescribed }],
  });
  assert.equal(partial.code, 'invalid-input');
  assert.match(partial.message, /partial supply is less than/);
  const unknown = await fails('dispense.record', {
    id: rx.id,
    items: [{ lineId: 'no-such-line', outcome: 'dispensed' }],
  });
  assert.match(unknown.message, /no line item no-such-line/);
  assert.equal((await tracked(rx.id)).status.code, '0002', 'nothing was sent');
  // Not found at EPS: in a pharmacist's words.
  const missing = await fails('dispense.release', { prescriptionId: s.make().shortId });
  assert.equal(missing.code, 'not-found');
});

test('nominated release: everything nominated to the pharmacy, then "no more prescriptions"', async () => {
  // Drain whatever earlier tests left nominated, so the count below is exact.
  await call<ReleaseResult>('dispense.release', {});
  const a = await s.send({ items: 1 }),
    b = await s.send({ items: 2 });
  await s.send({ items: 1, nominated: 'FA565' });
  const r = await call<ReleaseResult>('dispense.release', {});
  assert.deepEqual(r.released.map((x) => x.shortFormId).sort(), [a.shortId, b.shortId].sort(), r.message);
  assert.ok(
    r.released.every((x) => x.signature.ok && x.ods === 'FCG71'),
    "r.released.every((x) => x.signature.ok && x.ods === 'FCG71')",
  );
  const again = await call<ReleaseResult>('dispense.release', {});
  assert.equal(again.released.length, 0);
  assert.match(again.message, /No more prescriptions/);
});

test('a revoked signer: EPS will not release it; Scrip shows it invalid, refuses dispensing, keeps the details viewable', async () => {
  const signer = s.signer(true);
  const made = await s.send({ items: 1, signer });
  s.sb.context.ca.revoke(signer.serial, 'keyCompromise');
  const r = await call<ReleaseResult>('dispense.release', { prescriptionId: made.shortId });
  assert.equal(r.released.length, 0);
  assert.equal(r.refused.length, 1);
  const rx = r.refused[0]!;
  assert.equal(rx.status, 'signature-invalid');
  assert.equal(rx.signature.ok, false);
  assert.deepEqual(rx.signature.service.errors, ['Certificate is revoked']);
  assert.equal(rx.canDispense, false);
  assert.match(r.message, /not valid and must not be dispensed/);
  const err = await fails('dispense.record', { id: rx.id, items: [{ lineId: made.items[0], outcome: 'dispensed' }] });
  assert.equal(err.code, 'signature-invalid');
  assert.match(err.message, /Certificate is revoked/);
  // The details stay viewable.
  const seen = await call('dispense.get', { id: rx.id });
  assert.equal(seen.patient?.nhsNumber, made.nhsNumber);
  assert.equal(seen.items.length, 1);
  assert.ok(seen.items[0]!.medication.display.length > 3, 'seen.items[0]!.medication.display.length > 3');
  assert.equal((await tracked(rx.id)).status.code, '0001', 'EPS kept it: nothing is with this pharmacy');
});

test('a signer outside the CA bundle: EPS releases it, Scrip blocks dispensing; return with 0005 puts it back', async () => {
  const made = await s.send({ items: 2 });
  env = { ...env, caPem: rootOnly };
  let rx: DispensingView;
  try {
    const r = await call<ReleaseResult>('dispense.release', { prescriptionId: made.shortId });
    assert.equal(r.refused.length, 1);
    rx = r.refused[0]!;
  } finally {
    env = { ...env, caPem: withSigningCa };
  }
  assert.equal(rx.signature.service.ok, true);
  assert.deepEqual(rx.signature.scrip.errors, ['Certificate not trusted']);
  assert.equal(rx.canDispense, false);
  assert.equal(rx.canReturn, true);
  assert.equal(
    (await fails('dispense.record', { id: rx.id, items: [{ lineId: made.items[0], outcome: 'dispensed' }] })).code,
    'signature-invalid',
  );
  assert.equal((await tracked(rx.id)).status.code, '0002');
  const back = await call('dispense.return', { id: rx.id, reason: '0005' });
  assert.equal(back.status, 'returned');
  assert.equal(back.returnReason, '0005');
  assert.equal((await tracked(rx.id)).status.code, '0001');
  // Trusted again (the bundle has the Signing CA): released afresh under the same local ID.
  const again = await call<ReleaseResult>('dispense.release', { prescriptionId: made.shortId });
  assert.equal(again.released[0]?.id, rx.id);
  assert.equal(again.released[0]?.canDispense, true);
});

test("a tampered prescription fails Scrip's own check (the signature no longer matches)", async () => {
  const made = await s.send({ items: 1 });
  const rx = (await call<ReleaseResult>('dispense.release', { prescriptionId: made.shortId })).released[0]!;
  const bundle = JSON.parse(JSON.stringify(made.bundle)) as Json;
  const cas = caCertificates(withSigningCa);
  assert.equal((await checkSignature(bundle, cas)).ok, true);
  const mr = (bundle.entry as Json[])
    .map((e) => e.resource as Json)
    .find((r) => r.resourceType === 'MedicationRequest')!;
  ((mr.dispenseRequest as Json).quantity as Json).value = 200;
  const tampered = await checkSignature(bundle, cas);
  assert.equal(tampered.ok, false);
  assert.ok(tampered.errors.includes("Signature doesn't match prescription"), tampered.errors.join('; '));
  assert.equal(rx.signature.ok, true);
});

test('return puts a prescription back on Spine: another pharmacy can release it', async () => {
  const made = await s.send({ items: 1 });
  const rx = (await call<ReleaseResult>('dispense.release', { prescriptionId: made.shortId })).released[0]!;
  const back = await call('dispense.return', { id: rx.id, reason: '0003' });
  assert.equal(back.status, 'returned');
  assert.equal((await tracked(rx.id)).status.code, '0001');
  assert.equal((await fails('dispense.return', { id: rx.id, reason: '0003' })).code, 'bad-state');
  const p = PEOPLE.otherPharmacist;
  const other = await s.call(
    'otherPharmacist',
    'POST',
    '/FHIR/R4/Task/$release',
    buildReleaseParameters({ ods: p.ods, roleProfileId: p.role, userId: p.user }, made.shortId),
  );
  assert.equal(other.status, 200, other.body);
  assert.match(other.body, new RegExp(made.shortId));
  // Now it is with FA565: releasing it here again says so, in a pharmacist's words.
  const err = await fails('dispense.release', { prescriptionId: made.shortId });
  assert.equal(err.code, 'with-another-dispenser');
  assert.match(err.message, /FA565/);
});

test('withdraw the latest dispense record: the items are back with the dispenser', async () => {
  const made = await s.send({ items: 2 });
  const rx = (await call<ReleaseResult>('dispense.release', { prescriptionId: made.shortId })).released[0]!;
  // The command line's form of an item: "lineId:outcome:quantity".
  const part = await call('dispense.record', { id: rx.id, items: [`${made.items[0]}:partial:5`] });
  assert.equal(part.items[0]!.dispensedQuantity, 5);
  assert.equal(part.status, 'partly-dispensed');
  assert.equal(part.prescriptionStatusCode, '0003');
  assert.equal(part.canReturn, false);
  assert.equal((await tracked(rx.id)).status.code, '0003');
  const undone = await call('dispense.withdraw', { id: rx.id, reason: 'QU' });
  assert.equal(undone.status, 'with-pharmacy');
  assert.deepEqual(
    undone.items.map((i) => i.statusCode),
    ['0008', '0008'],
  );
  assert.equal(undone.lastNotificationId, null);
  const t = await tracked(rx.id);
  assert.equal(t.status.code, '0002');
  assert.equal((await fails('dispense.withdraw', { id: rx.id, reason: 'QU' })).code, 'bad-state');
});

test('answers lost in transit: each retry is the same request (same X-Request-ID) and nothing is recorded twice', async () => {
  const logSince = async () =>
    (await s.call('prescriber', 'GET', '/_log?since=0')).json.exchanges as Array<{
      path: string;
      requestId: string | null;
      status: number;
      method: string;
      request: string;
    }>;
  const made = await s.send({ items: 1 });
  relay.lose = true;
  let err: Failure['error'];
  try {
    err = await fails('dispense.release', { prescriptionId: made.shortId });
  } finally {
    relay.lose = false;
  }
  assert.equal(err.code, 'service-unreachable');
  assert.match(err.action, /same request/);
  // The release happened at EPS; without the same X-Request-ID a second release would be refused.
  const r = await call<ReleaseResult>('dispense.release', { prescriptionId: made.shortId });
  assert.equal(r.released.length, 1, r.message);
  const rx = r.released[0]!;

  relay.lose = true;
  try {
    assert.equal(
      (await fails('dispense.record', { id: rx.id, items: [{ lineId: made.items[0], outcome: 'dispensed' }] })).code,
      'service-unreachable',
    );
  } finally {
    relay.lose = false;
  }
  assert.equal(
    (await call('dispense.get', { id: rx.id })).status,
    'with-pharmacy',
    'not recorded locally until EPS answers',
  );
  // Another record now could be a second one at EPS: refused, naming the one without an answer.
  const other = await fails('dispense.record', {
    id: rx.id,
    items: [{ lineId: made.items[0], outcome: 'not-dispensed' }],
  });
  assert.equal(other.code, 'bad-state');
  assert.match(other.message, /has had no answer from EPS/);
  assert.match(other.message, /item fully dispensed/);
  const done = await call('dispense.record', { id: rx.id, items: [{ lineId: made.items[0], outcome: 'dispensed' }] });
  assert.equal(done.status, 'dispensed');
  assert.equal((await tracked(rx.id)).status.code, '0006');

  const log = await logSince();
  const releases = log.filter((x) => x.path === '/FHIR/R4/Task/$release' && x.request.includes(made.shortId));
  // The HTTPS client may itself resend once on a reset kept-alive socket (X-Request-ID makes that
  // harmless), so count attempts as "more than one", all with one ID.
  assert.ok(releases.length >= 2, 'releases.length >= 2');
  assert.equal(new Set(releases.map((x) => x.requestId)).size, 1);
  const notifications = log.filter(
    (x) =>
      x.path === '/FHIR/R4/$process-message' &&
      x.request.includes('dispense-notification') &&
      x.request.includes(made.shortId),
  );
  assert.ok(notifications.length >= 2, 'notifications.length >= 2');
  assert.equal(new Set(notifications.map((x) => x.requestId)).size, 1);
  // One notification at EPS: a withdraw of it leaves none to withdraw.
  await call('dispense.withdraw', { id: rx.id, reason: 'OC' });
  assert.equal((await tracked(rx.id)).status.code, '0002');
});
