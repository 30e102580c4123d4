// The prescription pad's pure parts: words, numbers in words for controlled drugs, dates, where a
// problem belongs, and the pad's routes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ageOn,
  dosageSentence,
  formatDate,
  formatNhsNumber,
  liveNhsNumberProblem,
  needsWords,
  numberInWords,
  parseDateParts,
  patientName,
  placeProblems,
  scheduleFromDmd,
} from '../../renderer/src/prescribing/rx-words';
import { listRoute, padHref, padRoute } from '../../renderer/src/prescribing/nav';
import { hitDetails, type MedicineHit } from '../../renderer/src/prescribing/medicine';

test('quantities in words, as written on a controlled drug prescription', () => {
  assert.equal(numberInWords(28), 'twenty eight');
  assert.equal(numberInWords(0), 'zero');
  assert.equal(numberInWords(13), 'thirteen');
  assert.equal(numberInWords(100), 'one hundred');
  assert.equal(numberInWords(112), 'one hundred and twelve');
  assert.equal(numberInWords(1500), 'one thousand five hundred');
  assert.equal(numberInWords(2005), 'two thousand and five');
  assert.equal(numberInWords(2.5), 'two point five');
  assert.equal(numberInWords(0.25), 'zero point two five');
  assert.equal(numberInWords(-1), null);
  assert.equal(numberInWords(Number.NaN), null);
  assert.equal(numberInWords(1_000_000), null);
});

test('dm+d controlled drug categories suggest a schedule; only schedules 2 and 3 need words', () => {
  assert.equal(scheduleFromDmd('0000'), null);
  assert.equal(scheduleFromDmd(null), null);
  assert.equal(scheduleFromDmd('0001'), 'CD1');
  assert.equal(scheduleFromDmd('0002'), 'CD2');
  assert.equal(scheduleFromDmd('0003'), 'CD2');
  assert.equal(scheduleFromDmd('0005'), 'CD3');
  assert.equal(scheduleFromDmd('0008'), 'CD4-1');
  assert.equal(scheduleFromDmd('0009'), 'CD4-2');
  assert.equal(scheduleFromDmd('0010'), 'CD5');
  assert.equal(scheduleFromDmd('0099'), null);
  assert.equal(needsWords('CD2'), true);
  assert.equal(needsWords('CD3'), true);
  assert.equal(needsWords('CD4-1'), false);
  assert.equal(needsWords(null), false);
});

test('NHS numbers: nothing said while typing, the check digit explained once ten digits are in', () => {
  assert.equal(liveNhsNumberProblem(''), null);
  assert.equal(liveNhsNumberProblem('944930'), null);
  assert.equal(liveNhsNumberProblem('944 930 5552'), null);
  assert.match(liveNhsNumberProblem('9449305553')!, /not a valid NHS number/);
  assert.match(liveNhsNumberProblem('94493055521')!, /10 digits; this has 11/);
  assert.match(liveNhsNumberProblem('94a')!, /only digits/);
  assert.equal(formatNhsNumber('9449305552'), '944 930 5552');
  assert.equal(formatNhsNumber('123'), '123');
});

test('dates of birth as typed become ISO dates, or say what is wrong', () => {
  assert.deepEqual(parseDateParts('2', '2', '1968'), { date: '1968-02-02' });
  assert.deepEqual(parseDateParts('', '', ''), { error: 'Enter the date of birth.' });
  assert.deepEqual(parseDateParts('2', '', '1968'), { error: 'The date of birth must include a month.' });
  assert.deepEqual(parseDateParts('31', '2', '1968'), { error: 'The date of birth must be a real date.' });
  assert.match((parseDateParts('1', '1', '68') as { error: string }).error, /real date/);
  assert.deepEqual(parseDateParts('1', '1', '2999'), { error: 'The date of birth must be in the past.' });
  assert.equal(formatDate('2008-09-20'), '20 September 2008');
  assert.equal(ageOn('2008-09-20', '2026-09-19'), 17);
  assert.equal(ageOn('2008-09-20', '2026-09-20'), 18);
});

test('patient names read as people write them, family name in capitals', () => {
  assert.equal(patientName({ prefix: 'MS', given: ['OCTAVIA'], family: 'Chislett' }), 'Ms Octavia CHISLETT');
  assert.equal(patientName({ given: ['ANNE-MARIE', 'JO'], family: 'SMITH' }), 'Anne-Marie Jo SMITH');
});

test('problems from prescription.get are placed on the field they concern', () => {
  const placed = placeProblems([
    "Confirm the patient's identity.",
    'Item 1 (Amoxicillin (as trihydrate) 250mg capsules): the quantity must be more than zero.',
    'Item 2 (Morphine 10mg tablets): a controlled drug needs its quantity in words.',
    'Item 2 (Morphine 10mg tablets): add dosage instructions.',
    'Item 3 (X): dm+d has no medicine with the code 123456; choose it again from the medicines search.',
    'Repeat dispensing needs the number of issues and the days between them.',
    'Add at least one item.',
  ]);
  assert.deepEqual(
    placed.map((p) => p.where),
    [
      'patient',
      { item: 0, field: 'quantity' },
      { item: 1, field: 'cd-words' },
      { item: 1, field: 'dosage' },
      { item: 2, field: 'medicine' },
      'treatment',
      'items',
    ],
  );
});

test('structured dosage offers a sentence; nothing until dose and frequency are both given', () => {
  assert.equal(dosageSentence({ doseValue: 1, frequencyPerDay: 3 }, 'capsule'), 'One capsule three times a day');
  assert.equal(
    dosageSentence({ doseValue: 2, frequencyPerDay: 2, durationDays: 5 }, 'tablet'),
    'Two tablets twice a day for 5 days',
  );
  assert.equal(dosageSentence({ doseValue: 1, frequencyPerDay: 1, doseUnit: 'dose' }, 'dose'), 'One dose once a day');
  assert.equal(dosageSentence({ doseValue: 1 }, 'capsule'), '');
});

test('pad routes: the draft, the page and the item come from the hash; anything else is the start', () => {
  const id = '4dfceb8e-d078-4db6-b2cb-f1bfbd55cce2',
    line = '1b4e28ba-2fa1-41d2-883f-0016d3cca427';
  assert.deepEqual(padRoute('#/prescribe'), { page: 'start' });
  assert.deepEqual(padRoute(`#/prescribe/${id}/confirm`), { page: 'confirm', id });
  assert.deepEqual(padRoute(`#/prescribe/${id}`), { page: 'items', id });
  assert.deepEqual(padRoute(`#/prescribe/${id}/item/new`), { page: 'item', id, lineId: 'new' });
  assert.deepEqual(padRoute(`#/prescribe/${id}/item/${line}`), { page: 'item', id, lineId: line });
  assert.deepEqual(padRoute(`#/prescribe/${id}/item/<script>`), { page: 'items', id });
  assert.deepEqual(padRoute('#/prescribe/not-a-uuid/review'), { page: 'start' });
  assert.equal(padHref(id, 'item', line), `#/prescribe/${id}/item/${line}`);
  assert.deepEqual(listRoute('#/prescriptions'), { page: 'list' });
  assert.deepEqual(listRoute(`#/prescriptions/${id}`), { page: 'detail', id });
  assert.deepEqual(listRoute(`#/prescriptions/${id}/cancel`), { page: 'cancel', id });
});

test('a search result says form, strength, packs and controlled drug status', () => {
  const hit: MedicineHit = {
    kind: 'vmp',
    code: '36126511000001106',
    vmpCode: '36126511000001106',
    name: 'Morphine 10mg modified-release tablets',
    form: 'Modified-release tablet',
    route: 'Oral',
    strength: '10mg',
    unit: { code: '428673006', name: 'tablet' },
    packs: [{ code: '1', name: 'x', quantity: 60, unitCode: '428673006', unitName: 'tablet' }],
    supplier: null,
    controlledDrug: { code: '0002', description: 'Schedule 2 (CD)' },
    prescribingStatus: null,
  };
  assert.equal(hitDetails(hit), 'Modified-release tablet · 10mg · Oral · pack of 60 tablet · Schedule 2 (CD)');
});

test('a review date must be a real date in the future, in the same words', () => {
  const review = { name: 'review date', when: 'future' } as const;
  assert.deepEqual(parseDateParts('1', '1', '2999', review), { date: '2999-01-01' });
  assert.deepEqual(parseDateParts('1', '1', '2000', review), { error: 'The review date must be in the future.' });
  assert.deepEqual(parseDateParts('', '1', '2999', review), { error: 'The review date must include a day.' });
});
