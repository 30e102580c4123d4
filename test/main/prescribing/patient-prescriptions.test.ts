// A patient's earlier prescriptions (prescription.list with nhsNumber), what the pad lists beside the
// patient, and re-issuing a repeat from one of them (prescription.reissue).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase } from '../../../main/store/database';
import { PrescriptionStore } from '../../../main/prescribing/store';
import { draftContent } from '../../../main/prescribing/model';
import { PrescribingService, type PrescribingDeps } from '../../../main/prescribing/prescribing-service';
import { EventBus } from '../../../main/events';
import { AuditLog } from '../../../main/store/audit';
import { ScripError } from '../../../main/errors';

const patient = (nhsNumber: string) => ({
  nhsNumber,
  given: ['Octavia'],
  family: 'CHISLETT',
  birthDate: '2008-09-20',
  gender: 'female',
});

test("listing by NHS number gives only that patient's prescriptions, newest first", () => {
  const store = new PrescriptionStore(openDatabase(':memory:'));
  const a = store.createDraft(draftContent.parse({ patient: patient('9449305552') }), 'u1');
  store.createDraft(draftContent.parse({ patient: patient('9449304424') }), 'u1');
  store.createDraft(draftContent.parse({}), 'u1');
  const b = store.createDraft(draftContent.parse({ patient: patient('9449305552') }), 'u2');
  const mine = store.list({ nhsNumber: '9449305552' });
  assert.deepEqual(
    new Set(mine.map((r) => r.id)),
    new Set([a.id, b.id]),
    "both of this patient's, whoever wrote them; none of the others",
  );
  assert.equal(store.list({ nhsNumber: '9000000017' }).length, 0, 'a patient with none has none');
  assert.equal(store.list().length, 4, 'without the filter, all');
});

/** The prescribing service over an in-memory store; only what copying and re-issuing touch is real. */
function service() {
  const db = openDatabase(':memory:');
  const store = new PrescriptionStore(db);
  const identity = { view: () => ({ user: { id: 'u1' } }) } as unknown as PrescribingDeps['identity'];
  const svc = new PrescribingService({
    store,
    events: new EventBus(),
    audit: new AuditLog(db),
    identity,
  } as unknown as PrescribingDeps);
  return { store, svc };
}
const item = {
  lineId: '6a8e2f4e-4a9f-4d55-8d0e-1c1b9a5e2a01',
  medication: { code: '39113611000001102', display: 'Salbutamol 100micrograms/dose inhaler CFC free' },
  quantity: { value: 200, unitCode: '3317411000001100', unit: 'dose' },
  dosageText: 'Two puffs up to four times a day when required',
};

test('a signed repeat re-issues as a new draft: same items with new line IDs, the patient confirmed again', () => {
  const { store, svc } = service();
  const from = svc.create({
    patient: patient('9000000017'),
    patientConfirmed: true,
    treatmentType: 'repeat-prescribing',
    reviewDate: '2099-01-01',
    items: [item],
  });
  store.setStatus(from.id, 'accepted');
  const next = svc.reissue(from.id, '2026-12-06');
  assert.notEqual(next.id, from.id, 'a new prescription');
  assert.equal(next.status, 'draft', 'a draft, to be signed');
  assert.equal(next.draft.items[0]!.medication.code, item.medication.code, 'the same medicine');
  assert.notEqual(next.draft.items[0]!.lineId, item.lineId, 'with its own line ID');
  assert.equal(next.draft.reviewDate, '2099-01-01', 'the review date carries over');
  assert.equal(next.draft.patientConfirmed, false, 'the patient is confirmed again');
});

test('only a signed repeat within its review date re-issues; the refusal says what to do', () => {
  const { store, svc } = service();
  const acute = svc.create({ patient: patient('9000000017'), items: [item] });
  store.setStatus(acute.id, 'accepted');
  assert.throws(
    () => svc.reissue(acute.id),
    (e: ScripError) =>
      e.code === 'bad-state' && /Only a signed repeat/.test(e.message) && /prescribe again/.test(e.action ?? ''),
    'an acute prescription is prescribed again, not re-issued',
  );
  const draft = svc.create({ patient: patient('9000000017'), treatmentType: 'repeat-prescribing', items: [item] });
  assert.throws(
    () => svc.reissue(draft.id),
    (e: ScripError) => e.code === 'bad-state',
    'an unsigned draft is no template',
  );
  const lapsed = svc.create({
    patient: patient('9000000017'),
    treatmentType: 'repeat-prescribing',
    reviewDate: '2026-01-01',
    items: [item],
  });
  store.setStatus(lapsed.id, 'accepted');
  assert.throws(
    () => svc.reissue(lapsed.id, '2026-12-06'),
    (e: ScripError) => e.code === 'bad-state' && /due for review on 2026-01-01/.test(e.message),
    'past its review date',
  );
});
