// What EPS would refuse is stopped before the card signs; what EPS does refuse is shown, issue by
// issue, offers "write again" and never a token. Against the real sandbox over HTTPS, with the
// virtual card attached in-process (no vpcd needed).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { createApp, type App } from '../../../main/app';
import { sandboxEnvironment } from '../../../main/embedded';
import { InProcessConnector } from '../../../main/card/in-process-connector';
import { invokeCommand } from '../../../main/commands/invoke';
import { scopes, type Caller } from '../../../main/commands/registry';
import { toScripError } from '../../../main/errors';
import { issueCard } from '../../../sandbox/card/issue';
import { PivCard } from '../../../sandbox/card/piv-card';
import { inProcessReader } from '../../../sandbox/card/in-process';
import { FakeReaderWatch } from '../../support/fake-reader-watch';
import { LifecycleSandbox, PEOPLE } from '../../sandbox/eps/lifecycle-support';

const PIN = '482913';
const READER = 'Test Reader 0';
type Json = Record<string, unknown>;
const s = new LifecycleSandbox();
let app: App;
let dataDir: string;
let signSerial: string;
const caller: Caller = { kind: 'internal', scopes: new Set(scopes), label: 'test' };
const call = async (name: string, input: unknown): Promise<Json> => {
  try { return (await invokeCommand(app.registry, app.services, name, input, caller)) as Json; } catch (e) { return { error: toScripError(e).toBody() }; }
};

before(async () => {
  await s.start();
  dataDir = mkdtempSync(join(tmpdir(), 'scrip-refusal-'));
  const env = sandboxEnvironment(s.sb);
  const issued = issueCard({ userId: PEOPLE.prescriber.user, displayName: 'DR CLARE BOIN', pin: PIN, puk: '12345678', ca: s.sb.context.ca });
  signSerial = issued.signSerial;
  const watch = new FakeReaderWatch();
  app = await createApp({ dataDir, readerWatch: watch, cardConnector: new InProcessConnector({ [READER]: inProcessReader(new PivCard(issued.card)) }), environment: () => env });
  watch.set({ service: 'running', readers: [{ name: READER, present: true, atr: '3B', exclusive: false, inUse: false, mute: false }] });
  const v = await app.services.identity.login({ pin: PIN, roleId: PEOPLE.prescriber.role });
  assert.equal(v.state, 'role-selected', 'logged in with the prescribing role');
});
after(async () => {
  await app?.close();
  await s.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function draft(supplyDays: number[]): Json {
  const meds = [
    { code: '39732311000001104', display: 'Amoxicillin 250mg capsules', unitCode: '428641000', unit: 'capsule', qty: 21 },
    { code: '322237000', display: 'Paracetamol 500mg soluble tablets', unitCode: '428673006', unit: 'tablet', qty: 32 },
  ];
  return {
    patient: { nhsNumber: '9449305552', prefix: 'MS', given: ['OCTAVIA'], family: 'CHISLETT', birthDate: '2008-09-20', gender: 'female', addressLines: ['1 TRINITY STREET', 'HEBDEN BRIDGE'], postcode: 'HX7 8AW', gpOdsCode: 'A83008', nominatedPharmacy: { odsCode: 'FCG71', name: 'WESTON PHARMACY' } },
    patientConfirmed: true,
    items: supplyDays.map((days, i) => ({ lineId: randomUUID(), medication: { code: meds[i]!.code, display: meds[i]!.display }, quantity: { value: meds[i]!.qty, unitCode: meds[i]!.unitCode, unit: meds[i]!.unit }, dosageText: 'One three times a day', supplyDays: days })),
  };
}

test('items with different supply durations are stopped before the card signs, with EPS\'s rule in words', async () => {
  const created = await call('prescription.create', { draft: draft([5, 28]) });
  const id = String(created.id);
  const got = await call('prescription.get', { id });
  const problems = got.problems as string[];
  assert.ok(problems.some((p) => /same number of days/.test(p) && /item 1 5 days, item 2 28 days/.test(p)), `the draft's problems name the rule and each item's days: ${JSON.stringify(problems)}`);
  const before = (await app.services.cards.pinInfo(READER)).retriesLeft;
  const signed = await call('prescription.sign', { ids: [id], pin: PIN });
  const result = (signed.results as Json[])[0]!;
  assert.equal(result.ok, false, 'not signed');
  assert.equal((result.error as Json).code, 'invalid-input', 'refused as invalid input, before EPS or the card');
  assert.equal((await call('prescription.get', { id })).status, 'draft', 'still a draft');
  assert.equal((await app.services.cards.pinInfo(READER)).retriesLeft, before, 'the card was not asked to sign');
});

test('a prescription EPS refuses shows EPS\'s reason per issue, has no token, and can be written again', async () => {
  // A refusal Scrip cannot foresee: the signing certificate is revoked after the login.
  s.sb.context.ca.revoke(signSerial, 'keyCompromise');
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
  assert.ok(refusal && refusal.issues.length > 0, 'the refusal has EPS\'s issues');
  assert.ok(refusal.issues.some((i) => /revoked/i.test(i.text)), `EPS's own words say why: ${JSON.stringify(refusal.issues)}`);
  assert.ok(refusal.issues.every((i) => i.code), 'each issue carries its Spine error code');
  const token = await call('prescription.token', { id });
  assert.equal((token.error as Json | undefined)?.code, 'bad-state', 'a refused prescription has no token');
  const copy = await call('prescription.copy', { id });
  assert.equal(copy.status, 'draft', 'write again gives a new draft');
  assert.notEqual(copy.id, id, 'with its own ID');
  const from = (got.draft as Json).items as Json[];
  const items = (copy.draft as Json).items as Json[];
  assert.deepEqual(items.map((i) => (i.medication as Json).code), from.map((i) => (i.medication as Json).code), 'the same medicines');
  assert.ok(items.every((it, n) => it.lineId !== from[n]!.lineId), 'each item has a new line ID');
  assert.equal((copy.draft as Json).patientConfirmed, false, 'the patient is confirmed again before signing');
  assert.equal((await call('prescription.get', { id: String(copy.id) })).refusal, null, 'the copy carries no refusal');
});
