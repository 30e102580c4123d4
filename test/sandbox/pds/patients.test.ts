// patients.json: seeded once, every edit checked, and each mistake named by patient and field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  PatientStore,
  PatientFileError,
  parsePatientsFile,
  nhsNumberProblem,
  sandboxPatients,
} from '../../../sandbox/pds/patients';

const valid = {
  nhsNumber: '9449305552',
  prefix: 'MS',
  given: ['OCTAVIA'],
  family: 'CHISLETT',
  gender: 'female',
  birthDate: '2008-09-20',
  addressLines: ['1 TRINITY STREET'],
  postcode: 'HX7 8AW',
  gpOdsCode: 'A83008',
  nominatedPharmacy: 'FCG71',
};
const problems = (patients: unknown[]): string[] => {
  try {
    parsePatientsFile(JSON.stringify({ patients }));
  } catch (e) {
    if (e instanceof PatientFileError) return e.problems;
    throw e;
  }
  return [];
};

test('the seeded index is valid and round-trips through the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scrip-patients-'));
  try {
    const store = new PatientStore(dir);
    assert.deepEqual(store.read(), sandboxPatients());
    assert.equal((JSON.parse(readFileSync(store.file, 'utf8')) as { patients: unknown[] }).patients.length, 20);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an invalid NHS number is refused with the reason, naming the patient', () => {
  assert.deepEqual(problems([valid, { ...valid, nhsNumber: '9449305553', family: 'DOE' }]), [
    'patient 2 (9449305553 DOE): nhsNumber: 9449305553 is not a valid NHS number: its check digit (the last) should be 2, not 3',
  ]);
  assert.match(
    problems([{ ...valid, nhsNumber: '944 930 5552' }])[0]!,
    /^patient 1 \(944 930 5552 CHISLETT\): nhsNumber: .*exactly 10 digits/,
  );
  assert.match(nhsNumberProblem('9000000051')!, /modulus 11 gives a check digit of 10/);
  assert.equal(nhsNumberProblem('9449305552'), null);
});

test('every wrong field is named, all at once; duplicates and unknown fields too', () => {
  const found = problems([
    { ...valid, gender: 'f', birthDate: '2008-02-30' },
    { ...valid, nhsNumber: '9000000009', gpOdsCode: 'a83008', nominatedPharmacy: 7 },
    { ...valid, givn: ['TYPO'] },
    valid,
    'not a patient',
    valid,
  ]);
  const where = found.map((p) => p.split(': ').slice(0, 2).join(': '));
  assert.deepEqual(
    where,
    [
      'patient 1 (9449305552 CHISLETT): gender',
      'patient 1 (9449305552 CHISLETT): birthDate',
      'patient 2 (9000000009 CHISLETT): gpOdsCode',
      'patient 2 (9000000009 CHISLETT): nominatedPharmacy',
      'patient 3 (9449305552 CHISLETT): (the entry)',
      'patient 5: (the entry)',
      'patient 6 (9449305552 CHISLETT): nhsNumber',
    ],
    found.join('\n'),
  );
  assert.match(
    found.find((p) => p.startsWith('patient 3'))!,
    /givn/,
  );
  assert.match(
    found.find((p) => p.startsWith('patient 6'))!,
    /already patient 4's/,
  );
  assert.throws(() => parsePatientsFile('[]'), /expected \{ "patients"/);
  assert.throws(() => parsePatientsFile('{"patients": ['), /not JSON/);
});

test('an edit is picked up without a restart; a broken edit says what is wrong', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scrip-patients-'));
  try {
    const store = new PatientStore(dir);
    const edited = { patients: [{ ...valid, family: 'CHISLETT-JONES' }] };
    writeFileSync(store.file, JSON.stringify(edited));
    assert.deepEqual(
      store.read().map((p) => p.family),
      ['CHISLETT-JONES'],
    );
    writeFileSync(store.file, JSON.stringify({ patients: [{ ...valid, nhsNumber: '1234567890' }] }));
    assert.throws(
      () => store.read(),
      (e: unknown) =>
        e instanceof PatientFileError &&
        /patients\.json is not valid:\n {2}patient 1 \(1234567890 CHISLETT\): nhsNumber: 1234567890 is not a valid NHS number/.test(
          e.message,
        ),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
