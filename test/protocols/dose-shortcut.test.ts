import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readDoseShortcut, doseSentence, supplyFor, type DoseShortcut } from '../../protocols/dose/shortcut';

function read(typed: string): DoseShortcut {
  const r = readDoseShortcut(typed);
  assert.ok(r.ok, `"${typed}" should be read: ${r.ok ? '' : r.error}`);
  return r.shortcut;
}

test('the shortcuts GPs type are read and written out as the dosage sentence', () => {
  const cases: Array<[string, string, string]> = [
    ['1 tds 5/7', 'capsule', 'One capsule three times a day for 5 days'],
    ['2 bd 7d', 'tablet', 'Two tablets twice a day for 7 days'],
    ['1 od 28d', 'tablet', 'One tablet once a day for 28 days'],
    ['prn', 'tablet', 'When required'],
    ['mane', 'tablet', 'In the morning'],
    ['nocte', 'tablet', 'At night'],
    ['1 nocte', 'tablet', 'One tablet at night'],
    ['qds', 'tablet', 'Four times a day'],
    ['1-2 qds prn', 'tablet', 'One or two tablets up to four times a day when required'],
    ['5ml tds 5/7', 'ml', '5 ml three times a day for 5 days'],
    ['2.5 ML TDS 5/7', 'ml', '2.5 ml three times a day for 5 days'],
    ['0.5 od 2/52', 'tablet', 'Half a tablet once a day for 14 days'],
    ['2 puffs qds prn', 'dose', 'Two puffs up to four times a day when required'],
    ['1 q6h 3d', 'capsule', 'One capsule every 6 hours for 3 days'],
    ['1 om 1/12', 'tablet', 'One tablet in the morning for 28 days'],
    ['1 3x 7 days', 'tablet', 'One tablet three times a day for 7 days'],
    ['1 bd for 2 weeks', 'tablet', 'One tablet twice a day for 14 days'],
  ];
  for (const [typed, unit, want] of cases)
    assert.equal(doseSentence(read(typed), unit), want, `"${typed}" with unit ${unit}`);
});

test('the structure read is what the sentence says: dose range, times a day, as needed, days', () => {
  assert.deepEqual(
    read('1-2 qds prn'),
    {
      dose: { min: 1, max: 2, unit: null },
      perDay: 4,
      everyHours: null,
      timing: null,
      asNeeded: true,
      durationDays: null,
    },
    '1-2 qds prn',
  );
  assert.deepEqual(
    read('5ml tds 5/7'),
    {
      dose: { min: 5, max: 5, unit: 'ml' },
      perDay: 3,
      everyHours: null,
      timing: null,
      asNeeded: false,
      durationDays: 5,
    },
    '5ml tds 5/7',
  );
  assert.equal(read('nocte').perDay, 1, 'nocte is once a day');
});

test('what is not understood is said, naming the part', () => {
  const bad: Array<[string, RegExp]> = [
    ['', /Type a dose shortcut/],
    ['1 tds fortnight', /"fortnight" was not understood/],
    ['1 q5h', /must divide the day/],
    ['0 bd', /more than zero/],
    ['2-1 bd', /smaller to the larger/],
    ['1 bd 400d', /1 to 366 days/],
    ['1 bd mane', /once a day/],
    ['banana', /"banana" was not understood/],
  ];
  for (const [typed, why] of bad) {
    const r = readDoseShortcut(typed);
    assert.equal(r.ok, false, `"${typed}" is refused`);
    if (!r.ok) assert.match(r.error, why, `"${typed}": ${r.error}`);
  }
});

test('quantity is exact dose units in the dm+d unit; days of supply is the course', () => {
  assert.deepEqual(
    supplyFor(read('1 tds 5/7'), 'capsule', [20]).quantity,
    15,
    'amoxicillin 1 tds 5/7: 15 capsules, not a pack of 20',
  );
  const amox = supplyFor(read('1 tds 5/7'), 'capsule', [20]);
  assert.equal(amox.days, 5, 'five days of supply');
  assert.equal(amox.basis, 'exact', 'tablets and capsules are not rounded to packs');
  assert.equal(supplyFor(read('2 bd 7d'), 'tablet', [28]).quantity, 28, '2 bd 7d');
  assert.equal(supplyFor(read('1 od 28d'), 'tablet', [28]).quantity, 28, '1 od 28d');
  assert.equal(supplyFor(read('5ml tds 5/7'), 'ml', [100]).quantity, 75, 'a liquid: 75 ml, measured out');
  assert.equal(supplyFor(read('1-2 qds prn 5/7'), 'tablet', [32]).quantity, 40, 'a range counts its larger dose');
  assert.match(supplyFor(read('1-2 qds prn 5/7'), 'tablet', [32]).why, /larger dose/, 'says the larger dose was used');
});

test('metered-dose devices are rounded up to whole dm+d packs; with no course, one pack', () => {
  const s = supplyFor(read('2 puffs qds 30d'), 'dose', [200]);
  assert.deepEqual([s.quantity, s.basis], [400, 'whole-packs'], '240 doses → 2 inhalers of 200');
  assert.match(s.why, /2 whole packs of 200/, s.why);
  const prn = supplyFor(read('2 puffs qds prn'), 'dose', [200, 120]);
  assert.deepEqual([prn.quantity, prn.basis, prn.days], [120, 'one-pack', null], 'prn inhaler: the smallest pack');
});

test('what cannot be counted is left to the prescriber, with the reason', () => {
  const prn = supplyFor(read('1-2 qds prn'), 'tablet', [32]);
  assert.deepEqual([prn.quantity, prn.basis], [null, 'none'], 'prn tablets: no course');
  assert.match(prn.why, /for how long/, prn.why);
  const mg = supplyFor(read('500mg tds 5/7'), 'tablet', [21]);
  assert.equal(mg.quantity, null, 'a dose in mg of a tablet is not converted');
  assert.match(mg.why, /mgs?|mg/, mg.why);
  assert.equal(mg.days, 5, 'days of supply still comes from the course');
});
