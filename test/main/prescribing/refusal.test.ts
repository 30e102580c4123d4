// EPS's refusal, read back issue by issue from whatever the outbox kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { refusalOf } from '../../../main/prescribing/refusal';

const outcome = (issues: unknown[]) => JSON.stringify({ resourceType: 'OperationOutcome', issue: issues });
const coded = (code: string, diagnostics: string, expression?: string, severity = 'error') => ({
  severity,
  code: 'value',
  details: {
    coding: [{ system: 'https://fhir.nhs.uk/CodeSystem/Spine-ErrorOrWarningCode', code, display: code.toLowerCase() }],
  },
  diagnostics,
  ...(expression ? { expression: [expression] } : {}),
});

test("each error issue becomes one reason with its code, EPS's words and the field", () => {
  const r = refusalOf(
    '400',
    outcome([
      coded(
        'INVALID_VALUE',
        'expectedSupplyDuration must be the same on every line item.',
        'Bundle.entry.resource.ofType(MedicationRequest)[1].dispenseRequest.expectedSupplyDuration',
      ),
      coded('INVALID_VALUE', 'just a warning', undefined, 'warning'),
    ]),
  );
  assert.equal(r.httpStatus, 400, 'the HTTP status is kept');
  assert.equal(r.issues.length, 1, 'warnings are not reasons for a refusal');
  assert.deepEqual(
    r.issues[0],
    {
      code: 'INVALID_VALUE',
      display: 'invalid_value',
      text: 'expectedSupplyDuration must be the same on every line item.',
      field: 'Bundle.entry.resource.ofType(MedicationRequest)[1].dispenseRequest.expectedSupplyDuration',
    },
    'code, words and field',
  );
});

test("an OperationOutcome inside a Bundle is found; an issue with no words falls back to its code's display", () => {
  const r = refusalOf(
    '400',
    JSON.stringify({
      resourceType: 'Bundle',
      entry: [
        { resource: { resourceType: 'MessageHeader' } },
        {
          resource: JSON.parse(
            outcome([
              {
                severity: 'error',
                code: 'value',
                details: { coding: [{ code: 'MISSING_VALUE', display: 'missing value' }] },
              },
            ]),
          ),
        },
      ],
    }),
  );
  assert.equal(r.issues[0]!.text, 'missing value', 'the display stands in for missing diagnostics');
});

test('an answer that cannot be read still says EPS refused it, with the status', () => {
  for (const body of [null, 'not json', JSON.stringify({ resourceType: 'Parameters' })]) {
    const r = refusalOf('422', body);
    assert.equal(r.issues.length, 1, `one reason for ${body}`);
    assert.match(r.issues[0]!.text, /EPS refused the prescription \(HTTP 422\)/, 'never blank');
  }
  assert.equal(refusalOf(null, null).httpStatus, null, 'no status when none was kept');
});
