import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { code128Modules, code128Values, code128Patterns, BarcodeError } from '../../../protocols/barcode/code128';

test('every pattern has 6 elements of 11 modules (stop: 7 of 13), and all are distinct', () => {
  for (const p of code128Patterns.PATTERNS) {
    assert.equal(p.length, 6);
    assert.equal(
      [...p].reduce((s, d) => s + Number(d), 0),
      11,
      p,
    );
  }
  assert.equal(
    [...code128Patterns.STOP].reduce((s, d) => s + Number(d), 0),
    13,
  );
  assert.equal(new Set(code128Patterns.PATTERNS).size, code128Patterns.PATTERNS.length);
});

test('the worked example: "PJJ123C" in set B has check value 54', () => {
  // Start B (104) + P(48) J(42) J(42) 1(17) 2(18) 3(19) C(35): weighted sum mod 103.
  const v = code128Values('PJJ123C');
  assert.equal(v[0], 104);
  assert.equal(v.at(-1), (104 + 48 * 1 + 42 * 2 + 42 * 3 + 17 * 4 + 18 * 5 + 19 * 6 + 35 * 7) % 103);
});

test('a prescription ID encodes with set switching and a valid structure', () => {
  const modules = code128Modules('83C40E-A23856-00123C');
  assert.equal(modules.length % 2, 1, 'starts and ends with a bar');
  const values = code128Values('83C40E-A23856-00123C');
  assert.ok(values.includes(99), 'the digit run 00123 switches to set C');
});

test('any printable ASCII string encodes; control characters are refused', () => {
  fc.assert(
    fc.property(
      fc.string({ minLength: 1, maxLength: 40 }).filter((s) => /^[\x20-\x7e]+$/.test(s)),
      (s) => {
        const m = code128Modules(s);
        return m.every((w) => w >= 1 && w <= 4);
      },
    ),
  );
  assert.throws(() => code128Values('a\nb'), BarcodeError);
  assert.throws(() => code128Values(''), BarcodeError);
});
