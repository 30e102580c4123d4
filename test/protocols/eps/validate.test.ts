import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { validatePrescriptionOrder } from '../../../protocols/eps/validate';
import { OperationOutcomeIssue } from '../../../protocols/fhir/operation-outcome';
import { epsExamples } from '../../support/fixtures';

const examples = epsExamples;
const walk = (d: string): string[] =>
  readdirSync(d).flatMap((n) => {
    const p = join(d, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
const prepares = walk(examples).filter((f) => /Prepare-Request-200_OK\.json$/.test(f));
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test fixtures are edited freely
type Json = any;
const load = (f: string) => JSON.parse(readFileSync(f, 'utf8')) as Json;

for (const f of prepares) {
  test(`EPS's own accepted example is valid: ${relative(examples, f)}`, () => {
    assert.deepEqual(validatePrescriptionOrder(load(f)), []);
  });
}

const base = prepares.find((f) => f.includes('repeat-dispensing'))!;
function mutate(change: (b: Json, mrs: Json) => void): ReturnType<typeof validatePrescriptionOrder> {
  const b = load(base);
  change(
    b,
    b.entry.map((e: Json) => e.resource).filter((r: Json) => r.resourceType === 'MedicationRequest'),
  );
  return validatePrescriptionOrder(b);
}
const one = (issues: ReturnType<typeof validatePrescriptionOrder>) => {
  assert.equal(issues.length >= 1, true, 'expected an issue');
  for (const i of issues) OperationOutcomeIssue.parse(i);
  return { code: issues[0]!.details!.coding[0]!.code, expression: issues[0]!.expression![0]! };
};

test('each rule names the field and the EPS code', () => {
  assert.deepEqual(
    one(
      mutate((_b, m) => {
        for (const mr of m) mr.groupIdentifier.value = '269CA9-A99968-4577BP';
      }),
    ),
    {
      code: 'FAILURE_TO_PROCESS_MESSAGE',
      expression: 'Bundle.entry.resource.ofType(MedicationRequest)[0].groupIdentifier.value',
    },
  );
  assert.deepEqual(
    one(
      mutate((b) => {
        const p = b.entry.find((e: Json) => e.resource.resourceType === 'Patient').resource;
        p.identifier[0].value = '9449305553';
      }),
    ),
    { code: 'FAILURE_TO_PROCESS_MESSAGE', expression: 'Patient.identifier.value' },
  );
  assert.deepEqual(
    one(
      mutate((_b, m) => {
        delete m[1].medicationCodeableConcept.coding[0].code;
      }),
    ),
    {
      code: 'MISSING_VALUE',
      expression: 'Bundle.entry.resource.ofType(MedicationRequest)[1].medicationCodeableConcept.coding',
    },
  );
  assert.deepEqual(
    one(
      mutate((_b, m) => {
        m[0].dispenseRequest.quantity.value = 1.005;
      }),
    ),
    {
      code: 'INVALID_VALUE',
      expression: 'Bundle.entry.resource.ofType(MedicationRequest)[0].dispenseRequest.quantity.value',
    },
  );
  assert.deepEqual(
    one(
      mutate((_b, m) => {
        delete m[0].dispenseRequest.quantity.code;
      }),
    ),
    {
      code: 'MISSING_VALUE',
      expression: 'Bundle.entry.resource.ofType(MedicationRequest)[0].dispenseRequest.quantity.code',
    },
  );
  assert.deepEqual(
    one(
      mutate((_b, m) => {
        for (const mr of m) mr.extension[0].valueCoding.code = '0001';
      }),
    ),
    {
      code: 'INVALID_VALUE',
      expression:
        'Bundle.entry.resource.ofType(MedicationRequest)[0].extension("Extension-DM-PrescriptionType").valueCoding.code',
    },
  );
  assert.deepEqual(
    one(
      mutate((_b, m) => {
        m[0].courseOfTherapyType.coding[0].code = 'weekly';
      }),
    ),
    {
      code: 'INVALID_VALUE',
      expression: 'Bundle.entry.resource.ofType(MedicationRequest)[0].courseOfTherapyType.coding.code',
    },
  );
  assert.deepEqual(
    one(
      mutate((_b, m) => {
        m[1].dispenseRequest.numberOfRepeatsAllowed = 3;
      }),
    ),
    {
      code: 'INVALID_VALUE',
      expression: 'Bundle.entry.resource.ofType(MedicationRequest)[1].dispenseRequest.numberOfRepeatsAllowed',
    },
  );
  assert.deepEqual(
    one(
      mutate((_b, m) => {
        for (const mr of m) delete mr.dispenseRequest.numberOfRepeatsAllowed;
      }),
    ),
    {
      code: 'MISSING_VALUE',
      expression: 'Bundle.entry.resource.ofType(MedicationRequest)[0].dispenseRequest.numberOfRepeatsAllowed',
    },
  );
  assert.deepEqual(
    one(
      mutate((_b, m) => {
        for (const mr of m) mr.dispenseRequest.performer.identifier.value = 'not ods!';
      }),
    ),
    {
      code: 'INVALID_VALUE',
      expression: 'Bundle.entry.resource.ofType(MedicationRequest)[0].dispenseRequest.performer.identifier.value',
    },
  );
  assert.deepEqual(
    one(
      mutate((_b, m) => {
        for (const mr of m) delete mr.dispenseRequest.performer;
      }),
    ),
    {
      code: 'MISSING_VALUE',
      expression: 'Bundle.entry.resource.ofType(MedicationRequest)[0].dispenseRequest.performer.identifier.value',
    },
  );
  assert.deepEqual(
    one(
      mutate((_b, m) => {
        m[0].extension.push({
          url: 'https://fhir.nhs.uk/StructureDefinition/Extension-DM-ControlledDrug',
          extension: [{ url: 'schedule', valueCoding: { code: 'CD2' } }],
        });
      }),
    ),
    {
      code: 'MISSING_VALUE',
      expression:
        'Bundle.entry.resource.ofType(MedicationRequest)[0].extension("Extension-DM-ControlledDrug").extension("quantityWords")',
    },
  );
  assert.deepEqual(
    one(
      mutate((_b, m) => {
        m[0].dosageInstruction.push({ text: 'then' });
      }),
    ),
    {
      code: 'MISSING_VALUE',
      expression: 'Bundle.entry.resource.ofType(MedicationRequest)[0].dosageInstruction.sequence',
    },
  );
  assert.deepEqual(
    one(
      mutate((_b, m) => {
        m[1].subject = { reference: 'urn:uuid:other' };
      }),
    ),
    { code: 'INVALID_VALUE', expression: 'Bundle.entry.resource.ofType(MedicationRequest)[1].subject' },
  );
  assert.deepEqual(
    one(
      mutate((_b, m) => {
        m[1].identifier = m[0].identifier;
      }),
    ),
    { code: 'INVALID_VALUE', expression: 'Bundle.entry.resource.ofType(MedicationRequest)[1].identifier' },
  );
  assert.deepEqual(
    one(
      mutate((_b, m) => {
        m[0].status = 'draft';
      }),
    ),
    { code: 'INVALID_VALUE', expression: 'Bundle.entry.resource.ofType(MedicationRequest)[0].status' },
  );
});
