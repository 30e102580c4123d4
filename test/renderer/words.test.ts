import { test } from 'node:test';
import assert from 'node:assert/strict';
import { activityWords, jobRoleWords } from '../../renderer/src/words';

test('job role names read as plain words', () => {
  assert.equal(
    jobRoleWords('"Clinical":"Clinical Provision":"Nurse Access Role"'),
    'Nurse Access Role (Clinical, Clinical Provision)',
  );
  assert.equal(jobRoleWords('Receptionist'), 'Receptionist');
});

test('activity codes read as plain words, unknown codes as themselves', () => {
  assert.equal(activityWords('B0570'), 'Perform pharmacy activities');
  assert.equal(activityWords('B9999'), 'B9999');
});
