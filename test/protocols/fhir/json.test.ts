// null/undefined array items (never valid FHIR, but a request body can hold anything) are dropped by
// the shared readers, so the EPS readers answer with their own errors instead of throwing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { arr, obj, str } from '../../../protocols/fhir/json';
import { validatePrescriptionOrder } from '../../../protocols/eps/validate';
import { parseCancelResponse } from '../../../protocols/eps/cancel';
import { parseTrackerBundle, TrackerFormatError } from '../../../protocols/eps/tracker';
import { lineItemIds } from '../../../sandbox/eps/lifecycle-store';
import { epsAcuteExample } from '../../support/fixtures';

const example = epsAcuteExample;

test('arr drops null and undefined items and keeps the array when it has none; obj and str refuse the wrong shapes', () => {
  const clean = [{ a: 1 }, { b: 2 }];
  assert.equal(arr(clean), clean, 'no copy when nothing is dropped');
  assert.deepEqual(arr([null, { a: 1 }, undefined, 'x']), [{ a: 1 }, 'x']);
  assert.deepEqual([arr(null), arr({ length: 1, 0: {} }), arr('abc')], [[], [], []]);
  assert.deepEqual([obj(null), obj([1]), obj('x'), obj({ a: 1 })], [{}, {}, {}, { a: 1 }]);
  assert.deepEqual([str(''), str(3), str('a')], [undefined, undefined, 'a']);
});

test('null items anywhere in a prescription, a cancel answer or a tracker answer are reported, not thrown', () => {
  const bundle = JSON.parse(readFileSync(example, 'utf8')) as {
    entry: Array<{ resource: Record<string, unknown> } | null>;
  };
  for (const e of bundle.entry) {
    const r = e!.resource;
    for (const k of ['identifier', 'extension', 'name', 'telecom', 'address', 'dosageInstruction'])
      if (Array.isArray(r[k])) (r[k] as unknown[]).unshift(null);
  }
  bundle.entry.push(null);
  assert.doesNotThrow(() => validatePrescriptionOrder(bundle as unknown as Record<string, unknown>));
  assert.ok(
    lineItemIds(bundle as unknown as Record<string, unknown>).length >= 1,
    'line items still found past the nulls',
  );
  assert.doesNotThrow(() =>
    parseCancelResponse({
      resourceType: 'Bundle',
      entry: [null, { resource: null }, { resource: { resourceType: 'MedicationRequest', extension: [null] } }],
    }),
  );
  assert.throws(
    () =>
      parseTrackerBundle({
        resourceType: 'Bundle',
        type: 'searchset',
        entry: [null, { resource: { resourceType: 'Task', identifier: [null], input: [null], output: [null] } }],
      }),
    TrackerFormatError,
  );
});
