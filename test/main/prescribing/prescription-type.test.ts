import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prescriptionTypeFor } from '../../../main/prescribing/prescriber-context';
import { PRESCRIPTION_TYPES } from '../../../protocols/eps/validate';

test("a role's prescription type: the directory's when given, else the setting and the profession", () => {
  assert.equal(prescriptionTypeFor('0105', 'nmc', '76'), '0105', "the directory's type wins");
  assert.equal(prescriptionTypeFor('0006', 'gdc', '999'), '0006', 'a type EPS refuses is still reported as given');
  assert.equal(prescriptionTypeFor(undefined, 'gmc', '76'), '0101', 'a doctor in a GP practice');
  assert.equal(prescriptionTypeFor(undefined, 'nmc', '76'), '0104', 'a nurse independent prescriber in a GP practice');
  assert.equal(prescriptionTypeFor(undefined, 'gphc', '76'), '0108', 'a pharmacist prescriber in a GP practice');
  assert.equal(prescriptionTypeFor(undefined, 'gmc', '198'), '1001', 'a doctor at an NHS trust site');
  assert.equal(prescriptionTypeFor(undefined, 'gphc', '197'), '1008', 'a pharmacist prescriber at an NHS trust');
  assert.equal(prescriptionTypeFor(undefined, 'hcpc', '76'), null, 'HCPC covers several professions: not guessed');
  assert.equal(prescriptionTypeFor(undefined, 'gdc', '76'), null, 'no EPS type for a dentist');
  assert.equal(prescriptionTypeFor(undefined, undefined, '76'), null, 'no registration, no type');
  for (const t of ['0101', '0104', '0108', '1001', '1008'])
    assert.ok(PRESCRIPTION_TYPES[t], `every derived type (${t}) is one EPS takes`);
});
