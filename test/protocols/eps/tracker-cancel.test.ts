// Pure wire formats of the lifecycle: the tracker's Task searchset (built, then read back), the
// cancel request and answer against NHS England's own examples, and the dispensing messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildTrackerBundle,
  lineItemStatus,
  parseTrackerBundle,
  prescriptionStatus,
  trackerQuery,
  TrackerFormatError,
  type TrackedPrescription,
} from '../../../protocols/eps/tracker';
import {
  buildCancelRequest,
  parseCancelResponse,
  CANCEL_REASONS,
  type CancelReasonCode,
} from '../../../protocols/eps/cancel';
import {
  buildDispenseNotification,
  buildReleaseParameters,
  buildReturnTask,
  buildWithdrawTask,
  isProblem,
  readDispenseNotification,
  readDispensingTask,
  readReleaseParameters,
} from '../../../protocols/eps/dispensing';
import { epsExamples } from '../../support/fixtures';

type Json = Record<string, unknown>;
const dir = join(epsExamples, 'primary-care', 'acute', 'nominated-pharmacy', 'medical-prescriber', 'cancellations');
const load = (name: string) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as Json;
const resources = (b: Json, type: string) =>
  (b.entry as Array<{ resource: Json }>).map((e) => e.resource).filter((r) => r.resourceType === type);

const tracked: TrackedPrescription = {
  shortFormId: '24F5DA-A83008-7EFE6Z',
  longFormId: '20ba5fb5-cb58-462c-923e-22d180b09356',
  nhsNumber: '9449304130',
  authoredOn: '2022-10-21T13:47:00+00:00',
  lastModified: '2022-10-22T09:00:00.000Z',
  status: prescriptionStatus('0003'),
  prescriber: { ods: 'A83008', name: 'HALLGARTH SURGERY' },
  owner: { ods: 'FCG71', name: 'WESTON PHARMACY' },
  items: [
    {
      id: 'a54219b8-f741-4c47-b662-e4f8dfa49ab6',
      status: lineItemStatus('0001'),
      medication: { code: '39732311000001104', display: 'Amoxicillin 250mg capsules' },
      dateLastDispensed: '2022-10-22T09:00:00.000Z',
    },
    { id: '6989b7bd-8db6-428c-a593-4022e3044c00', status: lineItemStatus('0008'), medication: null },
  ],
};

test('tracker: a Task searchset built for prescriptions reads back to the same prescriptions', () => {
  const bundle = buildTrackerBundle([tracked], 'b1', '2022-10-22T09:00:00+00:00');
  assert.equal(bundle.type, 'searchset');
  assert.equal(bundle.total, 1);
  const task = resources(bundle, 'Task')[0]!;
  assert.deepEqual(task.businessStatus, {
    coding: [
      {
        system: 'https://fhir.nhs.uk/CodeSystem/EPS-task-business-status',
        code: '0003',
        display: 'With Dispenser - Active',
      },
    ],
  });
  assert.deepEqual(task.focus, {
    identifier: { system: 'https://fhir.nhs.uk/Id/prescription-order-number', value: '24F5DA-A83008-7EFE6Z' },
  });
  assert.deepEqual(parseTrackerBundle(JSON.parse(JSON.stringify(bundle))), [tracked]);
  assert.deepEqual(parseTrackerBundle(buildTrackerBundle([], 'b2', 'x')), []);
});

test('tracker: the query string, and answers that are not a tracker answer name the field', () => {
  assert.equal(
    trackerQuery({ prescriptionId: '24F5DA-A83008-7EFE6Z' }),
    '/Task?focus%3Aidentifier=https%3A%2F%2Ffhir.nhs.uk%2FId%2Fprescription-order-number%7C24F5DA-A83008-7EFE6Z',
  );
  assert.equal(
    new URLSearchParams(trackerQuery({ nhsNumber: '9449304130', businessStatus: '0006' }).slice(6)).get(
      'business-status',
    ),
    '0006',
  );
  assert.throws(() => parseTrackerBundle({ resourceType: 'OperationOutcome' }), TrackerFormatError);
  const bad = JSON.parse(JSON.stringify(buildTrackerBundle([tracked], 'b', 'x'))) as Json;
  ((bad.entry as Json[])[0]!.resource as Json).businessStatus = { coding: [{ code: '9999' }] };
  assert.throws(
    () => parseTrackerBundle(bad),
    (e: unknown) => e instanceof TrackerFormatError && e.expression === 'Bundle.entry[0].resource.businessStatus',
  );
});

test("cancel: the request built from a sent prescription is NHS England's cancel example, reason by reason", () => {
  for (let n = 1; n <= 9; n++) {
    if (n === 2) continue; // example 2 cancels a line item of another prescription than its Send
    const send = load(`${n}-Process-Request-Send-200_OK.json`),
      expected = load(`${n}-Process-Request-Cancel-200_OK.json`);
    const code = String(n).padStart(4, '0') as CancelReasonCode;
    const lineItem = String((resources(send, 'MedicationRequest')[0]!.identifier as Json[])[0]!.value);
    const built = buildCancelRequest({
      prescription: send,
      lineItemId: lineItem,
      reason: code,
      bundleId: 'b',
      messageHeaderId: 'h',
    });
    assert.deepEqual(resources(built, 'MedicationRequest'), resources(expected, 'MedicationRequest'), `example ${n}`);
    assert.deepEqual(
      resources(built, 'MessageHeader')[0]!.eventCoding,
      resources(expected, 'MessageHeader')[0]!.eventCoding,
    );
    // Example 1 is cancelled by a medical secretary (S8006:G8006:R8006): the requester is the canceller.
    for (const t of n === 1
      ? ['Patient', 'Organization']
      : ['Patient', 'PractitionerRole', 'Practitioner', 'Organization'])
      assert.deepEqual(resources(built, t), resources(expected, t), `${t} in example ${n}`);
    assert.equal(resources(built, 'Provenance').length, 0, 'cancel requests are not signed');
  }
  assert.throws(() =>
    buildCancelRequest({
      prescription: load('1-Process-Request-Send-200_OK.json'),
      lineItemId: 'nope',
      reason: '0001',
      bundleId: 'b',
      messageHeaderId: 'h',
    }),
  );
  assert.equal(CANCEL_REASONS['0009'], 'Patient deducted - registered with new practice');
});

test("cancel: EPS's answers read as their status code", () => {
  const ok = parseCancelResponse(load('2-Process-Response-Cancel-200_OK.json'));
  assert.deepEqual(ok, {
    code: 'R-0001',
    display: 'Prescription/item was cancelled',
    lineItemId: '5cb17f5a-11ac-4e18-825f-6470467238b3',
    medicationStatus: 'cancelled',
    dispenser: null,
  });
  const notFound = parseCancelResponse({
    resourceType: 'OperationOutcome',
    issue: [
      {
        severity: 'error',
        code: 'not-found',
        details: {
          coding: [
            {
              system: 'https://fhir.nhs.uk/CodeSystem/medicationrequest-status-history',
              code: 'R-0008',
              display: 'Prescription/item not found',
            },
          ],
        },
      },
    ],
  });
  assert.equal(notFound?.code, 'R-0008');
  assert.equal(
    parseCancelResponse({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'value' }] }),
    null,
  );
});

test('dispensing: release, dispense notification, return and withdraw read back what they say', () => {
  const d = { ods: 'FCG71', name: 'WESTON PHARMACY', roleProfileId: '200102240002', userId: '555086691101' };
  assert.deepEqual(readReleaseParameters(buildReleaseParameters(d, '24F5DA-A83008-7EFE6Z')), {
    ownerOds: 'FCG71',
    agentRoleProfileId: '200102240002',
    prescriptionId: '24F5DA-A83008-7EFE6Z',
  });
  assert.deepEqual(readReleaseParameters(buildReleaseParameters(d)), {
    ownerOds: 'FCG71',
    agentRoleProfileId: '200102240002',
    prescriptionId: null,
  });
  const noOwner = readReleaseParameters({
    resourceType: 'Parameters',
    parameter: [{ name: 'status', valueCode: 'accepted' }],
  });
  assert.ok(
    isProblem(noOwner) && noOwner.expression === "Parameters.parameter.where(name = 'owner')",
    'isProblem(noOwner) && noOwner.expression === "Parameters.parameter.where(name = \'owner\')"',
  );

  const send = load('1-Process-Request-Send-200_OK.json');
  const item = String((resources(send, 'MedicationRequest')[0]!.identifier as Json[])[0]!.value);
  const dn = buildDispenseNotification({
    prescription: send,
    dispenser: d,
    lines: [{ lineItemId: item, status: '0001' }],
    prescriptionStatus: '0006',
    bundleId: 'dn-1',
    dispenseIds: ['md-1'],
    whenHandedOver: '2022-10-22T09:00:00+00:00',
    replacementOf: 'dn-0',
  });
  assert.deepEqual(readDispenseNotification(dn), {
    notificationId: 'dn-1',
    senderOds: 'FCG71',
    replacementOf: 'dn-0',
    prescriptionId: '58E241-A83008-4E2F8R',
    nhsNumber: '9990548609',
    lines: [{ lineItemId: item, status: '0001' }],
  });
  const noType = JSON.parse(JSON.stringify(dn)) as Json;
  delete resources(noType, 'MedicationDispense')[0]!.type;
  const p = readDispenseNotification(noType);
  assert.ok(isProblem(p) && p.expression === 'MedicationDispense[0].type.coding', JSON.stringify(p));

  const base = {
    dispenser: d,
    prescriptionId: '24F5DA-A83008-7EFE6Z',
    nhsNumber: '9449304130',
    id: 't1',
    authoredOn: '2022-10-22T09:00:00+00:00',
  };
  assert.deepEqual(readDispensingTask(buildReturnTask({ ...base, reason: '0003' })), {
    kind: 'return',
    prescriptionId: '24F5DA-A83008-7EFE6Z',
    nhsNumber: '9449304130',
    ownerOds: 'FCG71',
    reason: '0003',
  });
  assert.deepEqual(readDispensingTask(buildWithdrawTask({ ...base, reason: 'QU', dispenseNotificationId: 'dn-1' })), {
    kind: 'withdraw',
    prescriptionId: '24F5DA-A83008-7EFE6Z',
    nhsNumber: '9449304130',
    ownerOds: 'FCG71',
    reason: 'QU',
    dispenseNotificationId: 'dn-1',
  });
  const wrong = readDispensingTask({ ...buildReturnTask({ ...base, reason: '0003' }), status: 'completed' });
  assert.ok(
    isProblem(wrong) && wrong.message === "Task.status must be one of: 'in-progress', 'rejected'.",
    "isProblem(wrong) && wrong.message === \"Task.status must be one of: 'in-progress', 'rejected'.\"",
  );
});
