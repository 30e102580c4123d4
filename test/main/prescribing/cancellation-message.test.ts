// The cancellation Bundle against NHS England's own examples (a prescription sent, then its item
// cancelled with each reason code), and the reading of EPS's answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { buildCancelBundle, lineItemIds, readCancelAnswer } from '../../../main/prescribing/cancellation-message';
import { buildPrescriptionBundle } from '../../../main/prescribing/bundle';
import { draftContent, type PrescriberContext } from '../../../main/prescribing/model';
import type { CancelReasonCode } from '../../../protocols/eps/status-codes';
import { epsExamples } from '../../support/fixtures';

const dir = join(epsExamples, 'primary-care', 'acute', 'nominated-pharmacy', 'medical-prescriber', 'cancellations');
type Json = Record<string, unknown>;
type Entry = { fullUrl: string; resource: Json & { resourceType: string } };
const read = (f: string) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Json;
const entries = (b: Json) => b.entry as Entry[];
const ofType = (b: Json, t: string) => entries(b).filter((e) => e.resource.resourceType === t);

const sender: PrescriberContext = {
  userId: '555086689106',
  roleProfileId: '200102238987',
  jobRoleCode: 'R8000',
  jobRoleName: 'Clinical Practitioner Access Role',
  name: { prefix: 'DR', given: ['CLARE'], family: 'BOIN' },
  professionalCode: { system: 'gmc', value: '6095103' },
  telecom: '01234567890',
  prescriptionType: '0101',
  organisation: {
    odsCode: 'A83008',
    name: 'HALLGARTH SURGERY',
    typeCode: '76',
    typeDisplay: 'GP PRACTICE',
    telecom: '0115 9737320',
    addressLines: ['HALLGARTH SURGERY', 'CHEAPSIDE'],
    city: 'SHILDON',
    district: 'COUNTY DURHAM',
    postcode: 'DL4 2HP',
    partOf: { odsCode: '84H', name: 'NHS COUNTY DURHAM CCG' },
  },
};

test('each example cancellation is rebuilt from its sent prescription: one MedicationRequest, the same identifiers, the reason', () => {
  let compared = 0;
  for (let n = 1; n <= 9; n++) {
    const sent = read(`${n}-Process-Request-Send-200_OK.json`);
    const expected = read(`${n}-Process-Request-Cancel-200_OK.json`);
    const expectedMr = ofType(expected, 'MedicationRequest')[0]!;
    const lineId = (expectedMr.resource.identifier as Array<{ value: string }>)[0]!.value;
    if (!lineItemIds(sent).includes(lineId)) continue; // example 2 cancels an item of another prescription
    const reason = (expectedMr.resource.statusReason as { coding: Array<{ code: string }> }).coding[0]!
      .code as CancelReasonCode;
    const messageId = randomUUID();
    const built = buildCancelBundle(sent, lineId, reason, sender, messageId);
    assert.equal(built.type, 'message');
    assert.equal(built.id, messageId);
    const header = ofType(built, 'MessageHeader')[0]!.resource;
    assert.deepEqual(header.eventCoding, ofType(expected, 'MessageHeader')[0]!.resource.eventCoding);
    const mrs = ofType(built, 'MedicationRequest');
    assert.equal(mrs.length, 1, 'EPS takes exactly one MedicationRequest per cancellation');
    // The MedicationRequest is NHS England's exactly: the original with status and reason.
    assert.deepEqual(mrs[0], expectedMr, `example ${n}`);
    assert.deepEqual(Object.keys(mrs[0]!.resource).slice(0, 5), Object.keys(expectedMr.resource).slice(0, 5));
    assert.deepEqual(ofType(built, 'Patient'), ofType(expected, 'Patient'));
    for (const type of ['PractitionerRole', 'Practitioner', 'Organization']) {
      assert.deepEqual(
        ofType(built, type).map((e) => e.fullUrl),
        ofType(expected, type).map((e) => e.fullUrl),
        `${type} fullUrl, example ${n}`,
      );
    }
    assert.deepEqual(
      ofType(built, 'Organization')[0]!.resource.identifier,
      ofType(expected, 'Organization')[0]!.resource.identifier,
    );
    assert.deepEqual(
      (header.focus as Array<{ reference: string }>).map((f) => f.reference).sort(),
      (ofType(expected, 'MessageHeader')[0]!.resource.focus as Array<{ reference: string }>)
        .map((f) => f.reference)
        .sort(),
    );
    const prov = ofType(built, 'Provenance')[0]!.resource;
    assert.deepEqual(prov.target, [{ reference: expectedMr.fullUrl }]);
    assert.deepEqual(prov.signature, ofType(expected, 'Provenance')[0]!.resource.signature);
    compared++;
  }
  assert.ok(compared >= 8, `compared ${compared} examples`);
});

test('a two-item Scrip prescription gives two cancellations, each naming only its own item; markup stays text', () => {
  const lineA = randomUUID(),
    lineB = randomUUID();
  const draft = draftContent.parse({
    patient: {
      nhsNumber: '9449305552',
      given: ['OCTAVIA'],
      family: 'CHISLETT',
      birthDate: '2008-09-20',
      gender: 'female',
      addressLines: ['1 TRINITY STREET'],
      postcode: 'HX7 8AW',
    },
    patientConfirmed: true,
    items: [
      {
        lineId: lineA,
        medication: { code: '39732311000001104', display: 'Amoxicillin 250mg capsules' },
        quantity: { value: 21, unitCode: '428641000', unit: 'capsule' },
        dosageText: '<script>alert(1)</script> & ]]>',
      },
      {
        lineId: lineB,
        medication: { code: '322237000', display: 'Paracetamol 500mg soluble tablets' },
        quantity: { value: 32, unitCode: '428673006', unit: 'tablet' },
        dosageText: 'Two tablets',
      },
    ],
  });
  const ids = {
    shortFormId: 'A0548B-A99968-451485',
    longFormId: randomUUID(),
    bundleId: randomUUID(),
    messageHeaderId: randomUUID(),
    patientId: randomUUID(),
    practitionerRoleId: randomUUID(),
    practitionerId: randomUUID(),
    organisationId: randomUUID(),
    communicationId: randomUUID(),
  };
  const sent = buildPrescriptionBundle(draft, sender, ids, { startDate: '2026-11-30' });
  assert.deepEqual(lineItemIds(sent), [lineA, lineB]);
  for (const line of [lineA, lineB]) {
    const c = buildCancelBundle(sent, line, '0005', sender, randomUUID());
    const mrs = ofType(c, 'MedicationRequest');
    assert.equal(mrs.length, 1);
    assert.equal(mrs[0]!.resource.status, 'cancelled');
    assert.deepEqual((mrs[0]!.resource.identifier as Array<{ value: string }>)[0]!.value, line);
    assert.equal((mrs[0]!.resource.groupIdentifier as { value: string }).value, ids.shortFormId);
    assert.deepEqual(
      (ofType(c, 'MessageHeader')[0]!.resource.focus as Array<{ reference: string }>).map((f) => f.reference),
      [`urn:uuid:${ids.practitionerRoleId}`, `urn:uuid:${line}`],
    );
  }
  const a = ofType(buildCancelBundle(sent, lineA, '0001', sender, randomUUID()), 'MedicationRequest')[0]!.resource;
  assert.equal((a.dosageInstruction as Array<{ text: string }>)[0]!.text, '<script>alert(1)</script> & ]]>');
  assert.throws(() => buildCancelBundle(sent, randomUUID(), '0001', sender, randomUUID()), /no line item/);
});

test("EPS answers read back in a prescriber's words", () => {
  const ok = readCancelAnswer(200, read('2-Process-Response-Cancel-200_OK.json'));
  assert.equal(ok.code, 'R-0001');
  assert.equal(ok.outcome, 'cancelled');
  assert.equal(ok.itemStatusCode, '0005');
  const bundle = (code: string, display: string, status: string) => ({
    resourceType: 'Bundle',
    type: 'message',
    entry: [
      {
        fullUrl: 'urn:uuid:x',
        resource: {
          resourceType: 'MedicationRequest',
          status,
          extension: [
            {
              url: 'https://fhir.nhs.uk/StructureDefinition/Extension-DM-PrescriptionStatusHistory',
              extension: [
                {
                  url: 'status',
                  valueCoding: {
                    system: 'https://fhir.nhs.uk/CodeSystem/medicationrequest-status-history',
                    code,
                    display,
                  },
                },
              ],
            },
          ],
        },
      },
    ],
  });
  const dispensed = readCancelAnswer(
    400,
    bundle('R-0004', 'Prescription/item was not cancelled. Prescription has been dispensed', 'completed'),
  );
  assert.equal(dispensed.outcome, 'refused');
  assert.match(dispensed.message, /already been dispensed/);
  const withDispenser = readCancelAnswer(
    200,
    bundle('R-0002', 'Prescription/item was not cancelled. With dispenser. Marked for cancellation', 'active'),
  );
  assert.equal(withDispenser.outcome, 'marked');
  assert.match(withDispenser.message, /phone the pharmacy/);
  assert.equal(readCancelAnswer(200, bundle('R-0006', 'x', 'cancelled')).outcome, 'cancelled');
  const notFound = readCancelAnswer(400, {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code: 'not-found', diagnostics: 'Prescription not found' }],
  });
  assert.equal(notFound.code, 'R-0008');
  assert.match(notFound.message, /no record/);
  const coded = readCancelAnswer(400, {
    resourceType: 'OperationOutcome',
    issue: [
      {
        severity: 'error',
        code: 'business-rule',
        details: {
          coding: [
            {
              system: 'https://fhir.nhs.uk/CodeSystem/medicationrequest-status-history',
              code: 'R-0004',
              display: 'dispensed',
            },
          ],
        },
      },
    ],
  });
  assert.equal(coded.code, 'R-0004');
  const invalid = readCancelAnswer(400, {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code: 'invalid', diagnostics: 'MedicationRequest.statusReason is missing' }],
  });
  assert.equal(invalid.outcome, 'failed');
  assert.match(invalid.message, /statusReason is missing/);
});
