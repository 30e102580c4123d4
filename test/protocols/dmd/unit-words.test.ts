import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pluralUnit, quantityWithUnit } from '../../../protocols/dmd/unit-words';

test('dm+d unit names read as people write them: plurals for words, symbols unchanged', () => {
  const cases: Array<[number, string, string]> = [
    [30, 'capsule', '30 capsules'],
    [1, 'capsule', '1 capsule'],
    [2.5, 'tablet', '2.5 tablets'],
    [100, 'ml', '100 ml'],
    [2, 'suppository', '2 suppositories'],
    [3, 'patch', '3 patches'],
    [5, 'sachet', '5 sachets'],
    [2, 'pre-filled disposable injection', '2 pre-filled disposable injections'],
    [1, 'dose', '1 dose'],
    [200, 'dose', '200 doses'],
    [500, 'microgram', '500 microgram'],
    [30, 'g', '30 g'],
    [4, 'spray', '4 sprays'],
  ];
  for (const [v, unit, want] of cases) assert.equal(quantityWithUnit(v, unit), want, `${v} ${unit}`);
});

test('odd unit names are left as they are rather than guessed at', () => {
  assert.equal(pluralUnit(''), '', 'empty stays empty');
  assert.equal(pluralUnit('10 mg/ml'), '10 mg/ml', 'a unit with figures or symbols is not pluralised');
  assert.equal(pluralUnit('tablets'), 'tablets', 'a plural is not pluralised again');
});
