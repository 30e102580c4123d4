import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  isValidShortFormId,
  prescriptionCheckCharacter,
  shortFormId,
  longFormId,
  isLongFormId,
} from '../../../protocols/ids/prescription-id';
import { isValidNhsNumber, testNhsNumber, nhsNumberFrom } from '../../../protocols/ids/nhs-number';

test('published valid and invalid short-form IDs (eps.md §3.1)', () => {
  for (const id of [
    '24F5DA-A83008-7EFE6Z',
    '92DC91-A83008-4DCD88',
    '998244-A83008-238DCD',
    '58E241-A83008-4E2F8R',
    '2404AB-C81007-00001G',
    '04F4C2-A99968-7F717P',
    '000000-000000-000001',
    '24F5DA-A83008-00003+',
  ])
    assert.ok(isValidShortFormId(id), id);
  for (const id of [
    '269CA9-A99968-4577BP',
    '233397-A83008-7EFE6Q',
    '83C40E-A23856-00123C',
    '24f5da-a83008-7efe6z',
    '24F5DAA83008-7EFE6Z',
  ])
    assert.ok(!isValidShortFormId(id), id);
  assert.equal(prescriptionCheckCharacter('83C40E-A23856-00123'), 'W');
});

test('generated IDs are valid, carry the zero-padded ODS code and the wrapped sequence', () => {
  assert.equal(shortFormId('A83008', 0x7efe6, 0x24f5da), '24F5DA-A83008-7EFE6Z');
  fc.assert(
    fc.property(
      fc.stringMatching(/^[0-9A-Z]{3,6}$/),
      fc.nat(),
      fc.integer({ min: 0, max: 0xffffff }),
      (ods, seq, rnd) => {
        const id = shortFormId(ods, seq, rnd);
        return (
          isValidShortFormId(id) &&
          id.slice(7, 13) === ods.padStart(6, '0') &&
          parseInt(id.slice(14, 19), 16) === seq % 0x100000
        );
      },
    ),
  );
});

test('one changed character in a short-form ID is always caught', () => {
  const alphabet = '0123456789ABCDEF';
  fc.assert(
    fc.property(
      fc.nat(),
      fc.integer({ min: 0, max: 0xffffff }),
      fc.integer({ min: 0, max: 4 }),
      fc.integer({ min: 1, max: 15 }),
      (seq, rnd, pos, delta) => {
        const id = shortFormId('A83008', seq, rnd);
        const at = 14 + pos; // a hex character in the sequence block
        const changed = id.slice(0, at) + alphabet[(alphabet.indexOf(id[at]!) + delta) % 16] + id.slice(at + 1);
        return !isValidShortFormId(changed);
      },
    ),
  );
});

test('long-form IDs are version-4 UUIDs', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (b) => {
      const id = longFormId(b);
      return isLongFormId(id) && id[14] === '4' && '89ab'.includes(id[19]!);
    }),
  );
});

test('generated test NHS numbers are valid and in the 999 range', () => {
  fc.assert(
    fc.property(fc.nat(), (seed) => {
      const n = testNhsNumber(seed);
      return isValidNhsNumber(n) && n.startsWith('999');
    }),
  );
  assert.equal(nhsNumberFrom('944930555'), '9449305552');
});
