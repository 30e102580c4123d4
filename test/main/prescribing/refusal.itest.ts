// What EPS would refuse is stopped before the card signs; what EPS does refuse is shown, issue by
// issue, offers "write again" and never a token. Against the real sandbox over HTTPS, with the
// virtual card attached in-process (no vpcd needed).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { App } from '../../../main/app';
import { startPrescriberApp, MEDS, PATIENT, PIN, READER, type Json, type PrescriberApp } from './prescriber-app';

let rx: PrescriberApp;
let app: App;
const call = (name: string, input: unknown): Promise<Json> => rx.call(name, input);

before(async () => {
  rx = await startPrescriberApp('scrip-refusal-');
  ({ app } = rx);
});
after(async () => {
  await rx?.close();
});

function draft(supplyDays: number[]): Json {
  const meds = MEDS;
  return {
    patient: PATIENT,
    patientConfirmed: true,
    items: supplyDays.map((days, i) => ({
      lineId: randomUUID(),
      medication: { code: meds[i]!.code, display: meds[i]!.display },
      quantity: { value: meds[i]!.qty, unitCode: meds[i]!.unitCode, unit: meds[i]!.unit },
      dosageText: 'One three times a day',
      supplyDays: days,
    })),
  };
}

test("items with different supply durations are stopped before the card signs, with EPS's rule in words", async () => {
  const created = await call('prescription.create', { draft: draft([5, 28]) });
  const id = String(created.id);
  const got = await call('prescription.get', { id });
  const problems = got.problems as string[];
  assert.ok(
    problems.some((p) => /same number of days/.test(p) && /item 1 5 days, item 2 28 days/.test(p)),
    `the draft's problems name the rule and each item's days: ${JSON.stringify(problems)}`,
  );
  const before = (await app.services.cards.pinInfo(READER)).retriesLeft;
  const signed = await call('prescription.sign', { ids: [id], pin: PIN });
  const result = (signed.results as Json[])[0]!;
  assert.equal(result.ok, false, 'not signed');
  assert.equal((result.error as Json).code, 'invalid-input', 'refused as invalid input, before EPS or the card');
  assert.equal((await call('prescription.get', { id })).status, 'draft', 'still a draft');
  assert.equal((await app.services.cards.pinInfo(READER)).retriesLeft, before, 'the card was not asked to sign');
});

test("a prescription EPS refuses shows EPS's reason per issue, has no token, and can be written again", async () => {
  // A refusal Scrip cannot foresee: the signing certificate is revoked after the login.
  rx.sandbox.sb.context.ca.revoke(rx.issued.signSerial, 'keyCompromise');
  const created = await call('prescription.create', { draft: draft([28, 28]) });
  const id = String(created.id);
  const signed = await call('prescription.sign', { ids: [id], pin: PIN });
  assert.equal((signed.results as Json[])[0]!.ok, true, `signed by the card and queued: ${JSON.stringify(signed)}`);
  let got: Json = {};
  for (let i = 0; i < 50 && got.status !== 'rejected'; i++) {
    await call('prescription.send', {});
    got = await call('prescription.get', { id });
    if (got.status !== 'rejected') await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(got.status, 'rejected', `EPS refused it: ${JSON.stringify(got)}`);
  const refusal = got.refusal as { httpStatus: number | null; issues: Array<{ code: string | null; text: string }> };
  assert.ok(refusal && refusal.issues.length > 0, "the refusal has EPS's issues");
  assert.ok(
    refusal.issues.some((i) => /revoked/i.test(i.text)),
    `EPS's own words say why: ${JSON.stringify(refusal.issues)}`,
  );
  assert.ok(
    refusal.issues.every((i) => i.code),
    'each issue carries its Spine error code',
  );
  const token = await call('prescription.token', { id });
  assert.equal((token.error as Json | undefined)?.code, 'bad-state', 'a refused prescription has no token');
  const copy = await call('prescription.copy', { id });
  assert.equal(copy.status, 'draft', 'write again gives a new draft');
  assert.notEqual(copy.id, id, 'with its own ID');
  const from = (got.draft as Json).items as Json[];
  const items = (copy.draft as Json).items as Json[];
  assert.deepEqual(
    items.map((i) => (i.medication as Json).code),
    from.map((i) => (i.medication as Json).code),
    'the same medicines',
  );
  assert.ok(
    items.every((it, n) => it.lineId !== from[n]!.lineId),
    'each item has a new line ID',
  );
  assert.equal((copy.draft as Json).patientConfirmed, false, 'the patient is confirmed again before signing');
  assert.equal((await call('prescription.get', { id: String(copy.id) })).refusal, null, 'the copy carries no refusal');
});
