// A patient's earlier prescriptions (prescription.list with nhsNumber): what the pad lists beside the
// patient, to prescribe again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase } from '../../../main/store/database';
import { PrescriptionStore } from '../../../main/prescribing/store';
import { draftContent } from '../../../main/prescribing/model';

const patient = (nhsNumber: string) => ({ nhsNumber, given: ['Octavia'], family: 'CHISLETT', birthDate: '2008-09-20', gender: 'female' });

test('listing by NHS number gives only that patient\'s prescriptions, newest first', () => {
  const store = new PrescriptionStore(openDatabase(':memory:'));
  const a = store.createDraft(draftContent.parse({ patient: patient('9449305552') }), 'u1');
  store.createDraft(draftContent.parse({ patient: patient('9449304424') }), 'u1');
  store.createDraft(draftContent.parse({}), 'u1');
  const b = store.createDraft(draftContent.parse({ patient: patient('9449305552') }), 'u2');
  const mine = store.list({ nhsNumber: '9449305552' });
  assert.deepEqual(new Set(mine.map((r) => r.id)), new Set([a.id, b.id]), 'both of this patient\'s, whoever wrote them; none of the others');
  assert.equal(store.list({ nhsNumber: '9000000017' }).length, 0, 'a patient with none has none');
  assert.equal(store.list().length, 4, 'without the filter, all');
});
