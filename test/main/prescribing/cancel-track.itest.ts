// The pad's client side of the prescription lifecycle against the real sandbox over HTTPS: a
// running app (the virtual card attached in-process, so no vpcd is needed) signs a batch, sends it,
// tracks it, and cancels items; a pharmacist (a scripted sandbox session) releases and dispenses
// in between so every cancellation answer EPS gives is seen as a prescriber would see it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { App } from '../../../main/app';
import { isErrorBody, ScripError } from '../../../main/errors';
import { ServiceClient } from '../../../main/net/service-client';
import { openStores } from '../../../main/app';
import type { ScripEvent } from '../../../main/events';
import { buildDispenseNotification, buildReleaseParameters } from '../../../protocols/eps/dispensing';
import { canonicalFragments } from '../../../protocols/eps/fragments';
import { withoutProvenance } from '../../../protocols/eps/signature';
import { LifecycleSandbox, PEOPLE } from '../../sandbox/eps/lifecycle-support';
import { startPrescriberApp, MEDS, PATIENT, PIN, READER, type Json, type PrescriberApp } from './prescriber-app';

let rx: PrescriberApp;
let s: LifecycleSandbox;
let app: App;
let dataDir: string;
const events: ScripEvent[] = [];
const call = (name: string, input: unknown): Promise<Json> => rx.call(name, input);

before(async () => {
  rx = await startPrescriberApp('scrip-cancel-');
  ({ sandbox: s, app, dataDir } = rx);
  app.services.events.subscribe((e) => events.push(e));
});
after(async () => {
  await rx?.close();
});

const MARKUP = '<script>alert("x")</script> & ]]> \'quoted\'';
function draft(items: number, text = 'One tablet'): Json {
  const meds = MEDS;
  return {
    patient: PATIENT,
    patientConfirmed: true,
    items: meds.slice(0, items).map((m) => ({
      lineId: randomUUID(),
      medication: { code: m.code, display: m.display },
      quantity: { value: m.qty, unitCode: m.unitCode, unit: m.unit },
      dosageText: text,
      additionalInstructions: text,
    })),
    patientInformation: text,
  };
}
const create = async (d: Json) => {
  const r = await call('prescription.create', { draft: d });
  assert.ok(!r.error, JSON.stringify(r.error));
  return String(r.id);
};
const pinRetries = async () => (await app.services.cards.pinInfo(READER)).retriesLeft;
async function sentAndAccepted(ids: string[]) {
  for (let i = 0; i < 50; i++) {
    await call('prescription.send', {});
    const all = await Promise.all(ids.map((id) => call('prescription.get', { id })));
    if (all.every((r) => r.status === 'accepted')) return all;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail('not accepted');
}

let a: string, b: string, c: string;

test('batch signing: no PIN → asked once, nothing used; wrong PIN → one try used, batch stopped, all kept; then PIN once for the whole batch', async () => {
  a = await create(draft(2, MARKUP));
  b = await create(draft(2));
  c = await create(draft(1));
  const bad = await create({
    ...draft(1),
    items: [{ ...(draft(1).items as Json[])[0], quantity: { value: 0, unitCode: '428641000', unit: 'capsule' } }],
  });
  const before = await pinRetries();

  const noPin = (await call('prescription.sign', { ids: [a, b] })).results as Array<{
    ok: boolean;
    error?: { code: string };
  }>;
  assert.deepEqual(
    noPin.map((r) => [r.ok, r.error?.code]),
    [
      [false, 'bad-state'],
      [false, 'bad-state'],
    ],
  );
  assert.equal(await pinRetries(), before, 'asking whether a PIN is needed costs no try');

  const wrong = (await call('prescription.sign', { ids: [a, b, c], pin: '000000' })).results as Array<{
    ok: boolean;
    error?: { code: string };
  }>;
  assert.deepEqual(
    wrong.map((r) => r.error?.code),
    ['pin-wrong', 'pin-wrong', 'pin-wrong'],
  );
  assert.equal(await pinRetries(), before - 1, 'a wrong PIN is tried once for the whole batch');
  for (const id of [a, b, c]) assert.equal((await call('prescription.get', { id })).status, 'draft');

  const batch = (await call('prescription.sign', { ids: [a, bad, b, c], pin: PIN })).results as Array<{
    id: string;
    ok: boolean;
    shortFormId: string | null;
    error?: { code: string; message: string };
  }>;
  assert.deepEqual(
    batch.map((r) => r.id),
    [a, bad, b, c],
  );
  assert.deepEqual(
    batch.map((r) => r.ok),
    [true, false, true, true],
    JSON.stringify(batch),
  );
  assert.equal(batch[1]!.error?.code, 'invalid-input');
  assert.match(batch[1]!.error!.message, /more than zero/);
  assert.equal(new Set(batch.filter((r) => r.ok).map((r) => r.shortFormId)).size, 3);
  assert.equal(await pinRetries(), 3, 'the right PIN resets the counter');
  assert.equal((await call('prescription.get', { id: bad })).status, 'draft', 'the bad one is kept as a draft');
  await sentAndAccepted([a, b, c]);
  // Markup went out as text and came back as text.
  const got = await call('prescription.get', { id: a });
  assert.equal(((got.draft as Json).items as Json[])[0]!.dosageText, MARKUP);
});

test('tracking: status and each item from the EPS tracker, shown by get and list', async () => {
  const t = await call('prescription.track', { id: a });
  assert.ok(!t.error, JSON.stringify(t.error));
  assert.deepEqual([(t.tracking as Json).statusCode, (t.tracking as Json).status], ['0001', 'To be Dispensed']);
  assert.deepEqual(
    (t.items as Json[]).map((i) => [i.statusCode, i.status]),
    [
      ['0007', 'Item to be dispensed'],
      ['0007', 'Item to be dispensed'],
    ],
  );
  const listed = ((await call('prescription.list', {})).prescriptions as Json[]).find((p) => p.id === a)!;
  assert.equal((listed.tracking as Json).statusCode, '0001');
  assert.equal((listed.items as Json[]).length, 2);
  // A draft cannot be tracked.
  const d = await create(draft(1));
  assert.equal(((await call('prescription.track', { id: d })).error as Json).code, 'bad-state');
});

test('cancel: one item (R-0001, partly cancelled), then all (R-0006 for the first, R-0001), events for the UI', async () => {
  const rec = await call('prescription.get', { id: a });
  const [first, second] = (rec.items as Json[]).map((i) => String(i.lineId));
  const seen = events.length;
  const one = await call('prescription.cancel', { id: a, reason: '0001', lineIds: [first] });
  assert.ok(!one.error, JSON.stringify(one.error));
  assert.equal(one.status, 'partly-cancelled');
  const r1 = (one.results as Json[])[0]!;
  assert.deepEqual([r1.code, r1.outcome, r1.ok], ['R-0001', 'cancelled', true]);
  assert.match(String(r1.message), /no pharmacy can dispense it/i, "R-0001 is explained in a prescriber's words");
  assert.ok(
    events
      .slice(seen)
      .some((e) => e.type === 'prescription.changed' && e.data.id === a && e.data.status === 'partly-cancelled'),
    "events.slice(seen).some((e) => e.type === 'prescription.changed' && e.data.id === a && e.data.sta…",
  );

  const all = await call('prescription.cancel', { id: a, reason: '0001' });
  assert.deepEqual(
    (all.results as Json[]).map((r) => [r.lineId, r.code]),
    [
      [first, 'R-0006'],
      [second, 'R-0001'],
    ],
  );
  assert.equal(all.status, 'cancelled');
  const t = await call('prescription.track', { id: a });
  assert.deepEqual(
    [(t.tracking as Json).statusCode, (t.items as Json[]).map((i) => i.statusCode)],
    ['0005', ['0005', '0005']],
  );
  assert.equal(t.status, 'cancelled');

  // Bad input: an unknown line item or reason is refused before anything is sent.
  assert.equal(
    ((await call('prescription.cancel', { id: b, reason: '0001', lineIds: [randomUUID()] })).error as Json).code,
    'invalid-input',
  );
  assert.equal(((await call('prescription.cancel', { id: b, reason: '0010' })).error as Json).code, 'invalid-input');
});

test('cancel after the pharmacy has it (R-0002, naming it) and after it is dispensed (R-0004, too late)', async () => {
  const rec = await call('prescription.get', { id: b });
  const [first, second] = (rec.items as Json[]).map((i) => String(i.lineId));
  const dispenser = {
    ods: PEOPLE.pharmacist.ods,
    roleProfileId: PEOPLE.pharmacist.role,
    userId: PEOPLE.pharmacist.user,
  };
  const rel = await s.call(
    'pharmacist',
    'POST',
    '/FHIR/R4/Task/$release',
    buildReleaseParameters(dispenser, String(rec.shortFormId)),
  );
  assert.equal(rel.status, 200, rel.body);
  const released = (
    ((rel.json.parameter as Json[]).find((p) => p.name === 'passedPrescriptions')!.resource as Json).entry as Json[]
  )[0]!.resource as Json;

  const marked = await call('prescription.cancel', { id: b, reason: '0002', lineIds: [first] });
  const m = (marked.results as Json[])[0]!;
  assert.deepEqual([m.code, m.outcome, m.ok], ['R-0002', 'marked', false], JSON.stringify(m));
  assert.match(String(m.message), /FCG71/);
  assert.match(String(m.message), /phone the pharmacy/);
  assert.equal(marked.status, 'accepted', 'marked for cancellation is not cancelled');

  const dn = buildDispenseNotification({
    prescription: released,
    dispenser,
    lines: [
      { lineItemId: second!, status: '0001' },
      { lineItemId: first!, status: '0002' },
    ],
    prescriptionStatus: '0006',
    bundleId: randomUUID(),
    dispenseIds: [randomUUID(), randomUUID()],
    whenHandedOver: new Date().toISOString(),
  });
  const d = await s.call('pharmacist', 'POST', '/FHIR/R4/$process-message', dn);
  assert.equal(d.status, 200, d.body);
  const late = await call('prescription.cancel', { id: b, reason: '0001', lineIds: [second] });
  const l = (late.results as Json[])[0]!;
  assert.deepEqual([l.code, l.outcome], ['R-0004', 'refused']);
  assert.match(String(l.message), /already been dispensed/);
  const got = await call('prescription.get', { id: b });
  const item2 = (got.items as Json[]).find((i) => i.lineId === second)!;
  assert.deepEqual([item2.statusCode, item2.cancelAnswerCode], ['0001', 'R-0004']);
});

test('a cancellation EPS never answered is sent again with the same X-Request-ID: cancelled once', async () => {
  const id = await create(draft(1));
  assert.deepEqual(
    ((await call('prescription.sign', { ids: [id], pin: PIN })).results as Array<{ ok: boolean }>).map((r) => r.ok),
    [true],
  );
  await sentAndAccepted([id]);
  const send = ServiceClient.prototype.send;
  let refused = 0;
  ServiceClient.prototype.send = async function cut(this: ServiceClient, ...a: Parameters<typeof send>) {
    if (String(a[0]).includes('$process-message')) {
      refused++;
      throw new ScripError('service-unreachable', 'EPS could not be reached (test).');
    }
    return send.apply(this, a);
  };
  let first: Json;
  try {
    first = await call('prescription.cancel', { id, reason: '0003' });
  } finally {
    ServiceClient.prototype.send = send;
  }
  assert.equal(refused, 3, 'tried three times in the call');
  const r = (first.results as Json[])[0]!;
  assert.deepEqual([r.ok, r.outcome, r.code], [false, 'failed', null]);
  assert.match(String(r.message), /same request is sent/);
  const pending = (await call('prescription.get', { id })).items as Json[];
  assert.equal(pending[0]!.cancelPending, true);
  const { db } = openStores(dataDir);
  const requestId = String(
    (
      db.prepare('SELECT request_id FROM prescription_pending WHERE key LIKE ?').get(`cancel:${id}:%`) as {
        request_id: string;
      }
    ).request_id,
  );
  db.close();
  const again = await call('prescription.cancel', { id, reason: '0003' });
  assert.equal((again.results as Json[])[0]!.code, 'R-0001');
  const log = (await s.call('prescriber', 'GET', '/_log?since=0')).json.exchanges as Array<{
    path: string;
    requestId: string | null;
    status: number;
  }>;
  assert.equal(
    log.filter((e) => e.requestId === requestId).length,
    1,
    'the retry carried the X-Request-ID of the failed attempt',
  );
  assert.equal(((await call('prescription.get', { id })).items as Json[])[0]!.cancelPending, false);
});

test("the periodic refresh tracks the user's sent prescriptions", async () => {
  await app.services.tracking.refreshNow();
  const got = await call('prescription.get', { id: c });
  assert.equal((got.tracking as Json).statusCode, '0001');
  assert.ok(!isErrorBody(got), '!isErrorBody(got)');
});

test('preview shows the canonical text the card will sign; discard throws away drafts only', async () => {
  const id = await create(draft(2, MARKUP));
  const p = await call('prescription.preview', { id });
  assert.ok(!p.error, JSON.stringify(p.error));
  const text = String(p.fragments);
  assert.match(text, /^<FragmentsToBeHashed/);
  assert.ok(
    text.includes('9449305552') && text.includes('39732311000001104') && text.includes('322237000'),
    "text.includes('9449305552') && text.includes('39732311000001104') && text.includes('322237000')",
  );
  assert.ok(text.includes('&lt;script&gt;') && !text.includes('<script>'), 'free text is escaped, never markup');
  assert.equal((p.placeholders as string[]).length, 1, 'only the signing time is a stand-in');

  const gone = await create(draft(1));
  assert.deepEqual(await call('prescription.discard', { id: gone }), { id: gone, discarded: true });
  assert.equal(((await call('prescription.get', { id: gone })).error as { code: string }).code, 'not-found');

  const [signed] = (await call('prescription.sign', { ids: [id], pin: PIN })).results as Array<{ ok: boolean }>;
  assert.ok(signed?.ok, 'signed?.ok');
  // What was signed is what the review showed, but for the signing time EPS set.
  const bundle = JSON.parse(app.services.prescriptions.get(id)!.bundle!) as Record<string, unknown>;
  assert.equal(canonicalFragments(withoutProvenance(bundle), String(p.timestamp)), text);
  assert.equal(((await call('prescription.discard', { id })).error as { code: string }).code, 'bad-state');
  assert.equal(((await call('prescription.preview', { id })).error as { code: string }).code, 'bad-state');
});
