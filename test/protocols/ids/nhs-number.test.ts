import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isValidNhsNumber, nhsNumberCheckDigit, explainNhsNumber } from '../../../protocols/ids/nhs-number';

test('known valid NHS numbers from the EPS and PDS examples', () => {
  for (const n of ['9449305552', '5839945242', '9449304424', '9000000009', '943 476 5919'])
    assert.ok(isValidNhsNumber(n), n);
  assert.ok(!isValidNhsNumber('9449305553'), "!isValidNhsNumber('9449305553')");
  assert.ok(!isValidNhsNumber('944930555'), "!isValidNhsNumber('944930555')");
});

test('a single changed digit is always caught (check digit not 10)', () => {
  fc.assert(
    fc.property(
      fc.stringMatching(/^\d{9}$/),
      fc.integer({ min: 0, max: 8 }),
      fc.integer({ min: 1, max: 9 }),
      (nine, pos, delta) => {
        const check = nhsNumberCheckDigit(nine);
        if (check === null) return true;
        const changed = nine.slice(0, pos) + String((Number(nine[pos]) + delta) % 10) + nine.slice(pos + 1);
        return isValidNhsNumber(nine + check) && !isValidNhsNumber(changed + check);
      },
    ),
  );
});

test('explanations say what is wrong', () => {
  assert.match(explainNhsNumber('12345')!, /10 digits; this has 5/);
  assert.match(explainNhsNumber('12345abcde')!, /only digits/);
  assert.equal(explainNhsNumber('9449305552'), null);
});
