// The EPS prescription lifecycle over real HTTPS against a started sandbox, with scripted sessions
// (no card): send → release → dispense → tracker → cancel, each EPS answer as EPS gives it, state in
// SQLite that a restart keeps.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { LifecycleSandbox, PEOPLE, type Made, type Person } from './lifecycle-support';
import {
  parseTrackerBundle,
  trackerQuery,
  type TrackedPrescription,
  type TrackerQuery,
} from '../../../protocols/eps/tracker';
import { buildCancelRequest, parseCancelResponse, type CancelReasonCode } from '../../../protocols/eps/cancel';
import {
  buildDispenseNotification,
  buildReleaseParameters,
  buildReturnTask,
  buildWithdrawTask,
  type Dispenser,
} from '../../../protocols/eps/dispensing';
import { verifyPrescriptionSignature, findRequesterSignature } from '../../../protocols/eps/signature';
import type { LineItemStatusCode, PrescriptionStatusCode } from '../../../protocols/eps/status-codes';

type Json = Record<string, unknown>;
const s = new LifecycleSandbox();
before(async () => {
  await s.start();
});
after(async () => {
  await s.close();
});

const dispenser = (who: 'pharmacist' | 'otherPharmacist'): Dispenser => ({
  ods: PEOPLE[who].ods,
  roleProfileId: PEOPLE[who].role,
  userId: PEOPLE[who].user,
});
const spineCode = (j: Json) => String((((j.issue as Json[])?.[0]?.details as Json)?.coding as Json[])?.[0]?.code);

async function track(q: TrackerQuery, who: Person = 'prescriber'): Promise<TrackedPrescription[]> {
  const r = await s.call(who, 'GET', `/FHIR/R4${trackerQuery(q)}`);
  assert.equal(r.status, 200, r.body);
  return parseTrackerBundle(r.json);
}
async function statusOf(m: Made): Promise<[PrescriptionStatusCode, LineItemStatusCode[]]> {
  const [t] = await track({ prescriptionId: m.shortId });
  assert.ok(t, `tracker knows ${m.shortId}`);
  assert.deepEqual(
    t.items.map((i) => i.id),
    m.items,
  );
  return [t.status.code, t.items.map((i) => i.status.code)];
}
function cancel(
  m: Made,
  item: string,
  reason: CancelReasonCode = '0001',
  who: Person = 'prescriber',
  requestId?: string,
) {
  let bundle = buildCancelRequest({
    prescription: m.bundle,
    lineItemId: item,
    reason,
    bundleId: randomUUID(),
    messageHeaderId: randomUUID(),
  });
  if (who !== 'prescriber')
    bundle = JSON.parse(
      JSON.stringify(bundle)
        .replaceAll(PEOPLE.prescriber.role, PEOPLE[who].role)
        .replaceAll(PEOPLE.prescriber.user, PEOPLE[who].user),
    ) as Json;
  return s.call(who, 'POST', '/FHIR/R4/$process-message', bundle, requestId);
}
const release = (who: 'pharmacist' | 'otherPharmacist', m?: Made, requestId?: string) =>
  s.call(who, 'POST', '/FHIR/R4/Task/$release', buildReleaseParameters(dispenser(who), m?.shortId), requestId);
const passed = (r: { json: Json }) =>
  (
    (((r.json.parameter as Json[]).find((p) => p.name === 'passedPrescriptions')!.resource as Json).entry ??
      []) as Json[]
  ).map((e) => e.resource as Json);
const failed = (r: { json: Json }) =>
  (
    (((r.json.parameter as Json[]).find((p) => p.name === 'failedPrescriptions')!.resource as Json).entry ??
      []) as Json[]
  ).map((e) => e.resource as Json);
function dispense(
  m: Made,
  lines: Array<[string, LineItemStatusCode]>,
  status: PrescriptionStatusCode,
  id: string = randomUUID(),
  requestId?: string,
  replacementOf?: string,
) {
  const dn = buildDispenseNotification({
    prescription: m.bundle,
    dispenser: dispenser('pharmacist'),
    lines: lines.map(([lineItemId, st]) => ({ lineItemId, status: st })),
    prescriptionStatus: status,
    bundleId: id,
    dispenseIds: lines.map(() => randomUUID()),
    whenHandedOver: new Date().toISOString(),
    ...(replacementOf ? { replacementOf } : {}),
  });
  return s.call('pharmacist', 'POST', '/FHIR/R4/$process-message', dn, requestId);
}
const task = (m: Made, body: Json, who: 'pharmacist' | 'otherPharmacist' = 'pharmacist', requestId?: string) =>
  s.call(who, 'POST', '/FHIR/R4/Task', body, requestId);
const base = (m: Made, who: 'pharmacist' | 'otherPharmacist' = 'pharmacist') => ({
  dispenser: dispenser(who),
  prescriptionId: m.shortId,
  nhsNumber: m.nhsNumber,
  id: randomUUID(),
  authoredOn: new Date().toISOString(),
});

test('full lifecycle: send → release (signed bundle whole) → dispense → tracker shows dispensed → cancel answers R-0004', async () => {
  const m = await s.send({ items: 2 });
  assert.deepEqual(await statusOf(m), ['0001', ['0007', '0007']]);

  const r = await release('pharmacist', m);
  assert.equal(r.status, 200, r.body);
  const [released] = passed(r);
  assert.equal(failed(r).length, 0);
  // The original signed Bundle, signature included, still verifies on its own.
  const sig = findRequesterSignature(released!)!;
  assert.ok(sig, 'the Provenance signature is in the released bundle');
  const verified = await verifyPrescriptionSignature({ signatureXml: sig.xml, bundle: released!, signedAt: sig.when });
  assert.deepEqual(verified.errors, []);
  assert.deepEqual(findRequesterSignature(m.bundle), sig);
  const [t] = await track({ prescriptionId: m.shortId });
  assert.deepEqual(
    [t!.status.code, t!.owner?.ods, t!.items.map((i) => i.status.code)],
    ['0002', 'FCG71', ['0008', '0008']],
  );

  const dn = await dispense(
    m,
    [
      [m.items[0]!, '0001'],
      [m.items[1]!, '0001'],
    ],
    '0006',
  );
  assert.equal(dn.status, 200, dn.body);
  const [done] = await track({ prescriptionId: m.shortId });
  assert.deepEqual(
    [done!.status, done!.items.map((i) => i.status.code)],
    [{ code: '0006', display: 'Dispensed' }, ['0001', '0001']],
  );
  assert.ok(done!.items[0]!.dateLastDispensed, 'when it was handed over');
  assert.equal(done!.items[0]!.medication?.display, 'Amoxicillin 250mg capsules');

  const c = await cancel(m, m.items[0]!);
  assert.equal(c.status, 400, c.body);
  const answer = parseCancelResponse(c.json);
  assert.deepEqual([answer?.code, answer?.medicationStatus, answer?.lineItemId], ['R-0004', 'completed', m.items[0]]);
  assert.deepEqual(await statusOf(m), ['0006', ['0001', '0001']], 'nothing changed');
});

test('cancel before release: R-0001 per line item, then the whole prescription is cancelled; R-0006 again; no release', async () => {
  const m = await s.send({ items: 2 });
  const first = await cancel(m, m.items[0]!, '0002');
  assert.equal(first.status, 200, first.body);
  assert.deepEqual(
    [parseCancelResponse(first.json)?.code, parseCancelResponse(first.json)?.medicationStatus],
    ['R-0001', 'cancelled'],
  );
  const header = (first.json.entry as Json[])[0]!.resource as Json;
  assert.equal((header.eventCoding as Json).code, 'prescription-order-response');
  assert.deepEqual(await statusOf(m), ['0001', ['0005', '0007']]);
  const second = await cancel(m, m.items[1]!, '0005');
  assert.equal(parseCancelResponse(second.json)?.code, 'R-0001');
  assert.deepEqual(await statusOf(m), ['0005', ['0005', '0005']]);
  const again = await cancel(m, m.items[0]!);
  assert.deepEqual([again.status, parseCancelResponse(again.json)?.code], [400, 'R-0006']);
  const r = await release('pharmacist', m);
  assert.equal(r.status, 400, r.body);
  assert.match(String((r.json.issue as Json[])[0]!.diagnostics), /Cancelled/);
});

test('cancel of an unknown prescription or line item is R-0008; another patient is R-5000; only the prescriber or a colleague may cancel', async () => {
  const m = await s.send({ items: 1 });
  const ghost = s.make({ items: 1 });
  const unknown = await cancel(ghost, ghost.items[0]!);
  assert.deepEqual(
    [unknown.status, parseCancelResponse(unknown.json)?.code, (unknown.json.issue as Json[])[0]!.code],
    [400, 'R-0008', 'not-found'],
  );
  const noItem = buildCancelRequest({
    prescription: m.bundle,
    lineItemId: m.items[0]!,
    reason: '0001',
    bundleId: randomUUID(),
    messageHeaderId: randomUUID(),
  });
  const wrongItem = JSON.parse(JSON.stringify(noItem).replaceAll(m.items[0]!, randomUUID())) as Json;
  assert.equal(
    parseCancelResponse((await s.call('prescriber', 'POST', '/FHIR/R4/$process-message', wrongItem)).json)?.code,
    'R-0008',
  );
  const otherPatient = JSON.parse(JSON.stringify(noItem).replaceAll(m.nhsNumber, '9449304130')) as Json;
  const mismatch = await s.call('prescriber', 'POST', '/FHIR/R4/$process-message', otherPatient);
  assert.deepEqual([mismatch.status, parseCancelResponse(mismatch.json)?.code], [400, 'R-5000']);
  assert.match(mismatch.body, /NHSNumber/);

  const elsewhere = await cancel(m, m.items[0]!, '0001', 'otherPractice');
  assert.equal(elsewhere.status, 403, elsewhere.body);
  const admin = await cancel(m, m.items[0]!, '0001', 'admin');
  assert.equal(admin.status, 403, 'no prescribing activity');
  const pharmacist = await cancel(m, m.items[0]!, '0001', 'pharmacist');
  assert.equal(pharmacist.status, 403);
  assert.deepEqual(await statusOf(m), ['0001', ['0007']], 'refusals change nothing');
  const colleague = await cancel(m, m.items[0]!, '0004', 'nurse');
  assert.deepEqual([colleague.status, parseCancelResponse(colleague.json)?.code], [200, 'R-0001']);
});

test('cancel after release is R-0002 "with dispenser" naming the pharmacy; the return then cancels it', async () => {
  const m = await s.send({ items: 2 });
  assert.equal((await release('pharmacist', m)).status, 200);
  const c = await cancel(m, m.items[0]!);
  const answer = parseCancelResponse(c.json);
  assert.deepEqual([c.status, answer?.code, answer?.dispenser], [400, 'R-0002', 'FCG71']);
  assert.ok(
    (c.json.entry as Json[]).some((e) => ((e.resource as Json).name as string) === 'WESTON PHARMACY'),
    'the dispenser organisation is in the answer',
  );
  assert.deepEqual(await statusOf(m), ['0002', ['0008', '0008']]);
  const ret = await task(m, buildReturnTask({ ...base(m), reason: '0002' }));
  assert.equal(ret.status, 200, ret.body);
  assert.deepEqual(await statusOf(m), ['0001', ['0005', '0007']]);
});

test('a part-dispensed prescription answers cancel with R-0003 (with dispenser - active)', async () => {
  const m = await s.send({ items: 2 });
  await release('pharmacist', m);
  assert.equal((await dispense(m, [[m.items[0]!, '0003']], '0003')).status, 200);
  assert.deepEqual(await statusOf(m), ['0003', ['0003', '0008']]);
  assert.equal(parseCancelResponse((await cancel(m, m.items[1]!)).json)?.code, 'R-0003');
  assert.equal(parseCancelResponse((await cancel(m, m.items[0]!)).json)?.code, 'R-0004');
});

test('nominated release: several at once for the owner, oldest first; then none; a revoked signature fails; another dispenser is named', async () => {
  const batch = [
    await s.send({ items: 1, nominated: 'FA565' }),
    await s.send({ items: 2, nominated: 'FA565' }),
    await s.send({ items: 1, nominated: 'FA565' }),
  ];
  const r = await release('otherPharmacist');
  assert.equal(r.status, 200, r.body);
  const got = passed(r).map((b) =>
    String(
      (
        (b.entry as Json[]).map((e) => e.resource as Json).find((x) => x.resourceType === 'MedicationRequest')!
          .groupIdentifier as Json
      ).value,
    ),
  );
  assert.deepEqual(
    got,
    batch.map((m) => m.shortId),
  );
  for (const m of batch) assert.equal((await statusOf(m))[0], '0002');
  const none = await release('otherPharmacist');
  assert.deepEqual([none.status, spineCode(none.json)], [200, 'NO_MORE_PRESCRIPTIONS']);

  const other = await release('pharmacist', batch[0]);
  assert.deepEqual([other.status, spineCode(other.json)], [400, 'PRESCRIPTION_WITH_ANOTHER_DISPENSER']);
  assert.match(String((other.json.issue as Json[])[0]!.diagnostics), /FA565 - ASDA INSTORE PHARMACY/);
  const notFound = await release('pharmacist', s.make());
  assert.deepEqual([notFound.status, spineCode(notFound.json)], [404, 'PRESCRIPTION_NOT_FOUND']);

  const signer = s.signer(true);
  const bad = await s.send({ items: 1, nominated: 'FA565', signer });
  s.sb.context.ca.revoke(signer.serial, 'keyCompromise');
  const refused = await release('otherPharmacist');
  assert.equal(passed(refused).length, 0);
  const [outcome, bundle] = failed(refused);
  assert.equal(outcome!.resourceType, 'OperationOutcome');
  assert.match(JSON.stringify(outcome), /Certificate is revoked/);
  assert.deepEqual((outcome!.issue as Json[])[0]!.expression, ['Provenance.signature.data']);
  assert.equal(bundle!.resourceType, 'Bundle');
  assert.equal((await statusOf(bad))[0], '0001', 'it stays with Spine');
});

test('return puts it back to be dispensed; another pharmacy may then have it', async () => {
  const m = await s.send({ items: 2 });
  await release('pharmacist', m);
  assert.equal(
    (await task(m, buildReturnTask({ ...base(m), reason: '0003' }), 'otherPharmacist')).status,
    403,
    'not the owner',
  );
  const ret = await task(m, buildReturnTask({ ...base(m), reason: '0003' }));
  assert.equal(ret.status, 200, ret.body);
  const [t] = await track({ prescriptionId: m.shortId });
  assert.deepEqual(
    [t!.status.code, t!.items.map((i) => i.status.code), t!.owner?.ods],
    ['0001', ['0007', '0007'], 'FCG71'],
  );
  const again = await task(m, buildReturnTask({ ...base(m), reason: '0003' }));
  assert.equal(again.status, 400, 'nothing to return');
  assert.equal((await release('otherPharmacist', m)).status, 200);
});

test('withdraw undoes the latest dispense notification only', async () => {
  const m = await s.send({ items: 2 });
  await release('pharmacist', m);
  const dn1 = randomUUID(),
    dn2 = randomUUID();
  assert.equal((await dispense(m, [[m.items[0]!, '0003']], '0003', dn1)).status, 200);
  assert.equal(
    (
      await dispense(
        m,
        [
          [m.items[0]!, '0001'],
          [m.items[1]!, '0001'],
        ],
        '0006',
        dn2,
      )
    ).status,
    200,
  );
  assert.deepEqual(await statusOf(m), ['0006', ['0001', '0001']]);
  const old = await task(m, buildWithdrawTask({ ...base(m), reason: 'QU', dispenseNotificationId: dn1 }));
  assert.equal(old.status, 400);
  assert.match(String((old.json.issue as Json[])[0]!.diagnostics), new RegExp(dn2));
  const w = await task(m, buildWithdrawTask({ ...base(m), reason: 'QU', dispenseNotificationId: dn2 }));
  assert.equal(w.status, 200, w.body);
  assert.deepEqual(await statusOf(m), ['0003', ['0003', '0008']]);
  // An amend replaces the latest notification in one go.
  const amended = await dispense(m, [[m.items[1]!, '0002']], '0003', randomUUID(), undefined, dn1);
  assert.equal(amended.status, 200, amended.body);
  assert.deepEqual(await statusOf(m), ['0003', ['0008', '0002']]);
});

test('tracker by NHS number: the prescriber sees their own, a pharmacy all, a colleague none of them, an admin is refused', async () => {
  const nhs = '9990548609';
  const a = await s.send({ items: 1, nhsNumber: nhs }),
    b = await s.send({ items: 2, nhsNumber: nhs });
  await release('pharmacist', b);
  const mine = await track({ nhsNumber: nhs });
  assert.deepEqual(new Set(mine.map((t) => t.shortFormId)), new Set([a.shortId, b.shortId]));
  assert.ok(
    mine.every((t) => t.nhsNumber === nhs && t.prescriber?.ods === 'A83008'),
    "mine.every((t) => t.nhsNumber === nhs && t.prescriber?.ods === 'A83008')",
  );
  assert.deepEqual(
    (await track({ nhsNumber: nhs, businessStatus: '0002' })).map((t) => t.shortFormId),
    [b.shortId],
  );
  assert.equal((await track({ nhsNumber: nhs }, 'pharmacist')).length, mine.length);
  assert.deepEqual(await track({ nhsNumber: nhs }, 'nurse'), []);
  assert.deepEqual(await track({ prescriptionId: a.shortId }, 'nurse'), []);
  assert.equal((await s.call('admin', 'GET', `/FHIR/R4${trackerQuery({ nhsNumber: nhs })}`)).status, 403);
  const byIdentifier = await s.call('prescriber', 'GET', `/FHIR/R4/Task?identifier=${encodeURIComponent(a.shortId)}`);
  assert.deepEqual(
    parseTrackerBundle(byIdentifier.json).map((t) => t.shortFormId),
    [a.shortId],
  );
  for (const [q, field] of [
    ['patient:identifier=9990548608', 'patient:identifier'],
    ['focus:identifier=ABC', 'focus:identifier'],
    ['colour=red', 'colour'],
    ['', 'focus:identifier'],
    ['patient:identifier=9990548609&business-status=9', 'business-status'],
  ] as const) {
    const r = await s.call('prescriber', 'GET', `/FHIR/R4/Task?${q}`);
    assert.equal(r.status, 400, q);
    assert.deepEqual((r.json.issue as Json[])[0]!.expression, [field], q);
  }
});

test('retries with the same X-Request-ID get the first answer and change nothing', async () => {
  const m = await s.send({ items: 2 });
  const rid = randomUUID();
  const first = await cancel(m, m.items[0]!, '0001', 'prescriber', rid);
  const retry = await cancel(m, m.items[0]!, '0001', 'prescriber', rid);
  assert.deepEqual([retry.status, retry.body], [first.status, first.body]);
  assert.equal(parseCancelResponse(retry.json)?.code, 'R-0001', 'not R-0006');
  const relId = randomUUID();
  const rel = await release('pharmacist', m, relId);
  const relAgain = await release('pharmacist', m, relId);
  assert.deepEqual([relAgain.status, relAgain.body], [rel.status, rel.body]);
  const [r1, r2] = await Promise.all([
    dispense(m, [[m.items[1]!, '0001']], '0006', 'dn-x', 'same-id'),
    dispense(m, [[m.items[1]!, '0001']], '0006', 'dn-x', 'same-id'),
  ]);
  assert.deepEqual([r1.status, r2.status, r1.body === r2.body], [200, 200, true]);
  const history = s.sb.context.db
    .prepare(
      "SELECT COUNT(*) AS n FROM eps_status_history WHERE short_form_id = ? AND event = 'dispense-notification' AND line_item_id IS NULL",
    )
    .get(m.shortId) as { n: number };
  assert.equal(history.n, 1, 'processed once');
});

test('bad input gets a 4xx OperationOutcome naming the field, never a 5xx', async () => {
  const m = await s.send({ items: 1 });
  const post = (body: unknown, who: Person = 'prescriber', path = '/FHIR/R4/$process-message') =>
    s.call(who, 'POST', path, body);
  const cases: Array<[Promise<{ status: number; json: Json }>, number, string]> = [
    [post('{not json'), 400, 'Bundle'],
    [post('[]'), 400, 'Bundle.resourceType'],
    [post(''), 400, 'Bundle'],
    [post({ resourceType: 'Bundle', type: 'collection' }), 400, 'Bundle.type'],
    [
      post({
        resourceType: 'Bundle',
        type: 'message',
        entry: [{ resource: { resourceType: 'MessageHeader', eventCoding: { code: 'unheard-of' } } }],
      }),
      400,
      'MessageHeader.eventCoding.code',
    ],
    [
      post(
        JSON.parse(
          JSON.stringify(
            buildCancelRequest({
              prescription: m.bundle,
              lineItemId: m.items[0]!,
              reason: '0001',
              bundleId: 'b',
              messageHeaderId: 'h',
            }),
          ).replace('"0001","display":"Prescribing Error"', '"0010","display":"x"'),
        ),
      ),
      400,
      'MedicationRequest.statusReason.coding.code',
    ],
    [
      post(
        JSON.parse(
          JSON.stringify(
            buildCancelRequest({
              prescription: m.bundle,
              lineItemId: m.items[0]!,
              reason: '0001',
              bundleId: 'b',
              messageHeaderId: 'h',
            }),
          ).replace('"status":"cancelled"', '"status":"active"'),
        ),
      ),
      400,
      'MedicationRequest.status',
    ],
    [
      post(
        { resourceType: 'Parameters', parameter: [{ name: 'status', valueCode: 'accepted' }] },
        'pharmacist',
        '/FHIR/R4/Task/$release',
      ),
      400,
      "Parameters.parameter.where(name = 'owner')",
    ],
    [post(buildReleaseParameters(dispenser('pharmacist')), 'prescriber', '/FHIR/R4/Task/$release'), 403, ''],
    [
      post(buildReleaseParameters(dispenser('otherPharmacist')), 'pharmacist', '/FHIR/R4/Task/$release'),
      403,
      "Parameters.parameter.where(name = 'owner')",
    ],
    [
      post({ ...buildReturnTask({ ...base(m), reason: '0001' }), status: 'completed' }, 'pharmacist', '/FHIR/R4/Task'),
      400,
      'Task.status',
    ],
    [post('{"resourceType":"Task"', 'pharmacist', '/FHIR/R4/Task'), 400, 'Task'],
    [
      post(buildReturnTask({ ...base(m), reason: '0001' }), 'pharmacist', '/FHIR/R4/Task'),
      400,
      'Task.groupIdentifier.value',
    ],
    [dispense(m, [[m.items[0]!, '0001']], '0006'), 400, 'MedicationDispense'],
  ];
  for (const [p, status, expression] of cases) {
    const r = await p;
    assert.equal(r.status, status, JSON.stringify(r.json));
    assert.equal(r.json.resourceType, 'OperationOutcome');
    if (expression) assert.deepEqual((r.json.issue as Json[])[0]!.expression, [expression], JSON.stringify(r.json));
  }
  const huge = await post(`{"resourceType":"Bundle","x":"${'a'.repeat(3 * 1024 * 1024)}"}`);
  assert.equal(huge.status, 413);
  const deep = await post('['.repeat(100000) + ']'.repeat(100000));
  assert.ok(deep.status >= 400 && deep.status < 500, String(deep.status));
  assert.deepEqual(await statusOf(m), ['0001', ['0007']]);
});

test('a restart keeps every status, the history and the remembered answers', async () => {
  const m = await s.send({ items: 2 });
  await release('pharmacist', m);
  await dispense(
    m,
    [
      [m.items[0]!, '0001'],
      [m.items[1]!, '0002'],
    ],
    '0006',
  );
  const rid = randomUUID();
  const before = await cancel(m, m.items[1]!, '0001', 'prescriber', rid);
  const history = s.sb.context.db
    .prepare('SELECT * FROM eps_status_history WHERE short_form_id = ? ORDER BY id')
    .all(m.shortId);
  await s.restart();
  assert.deepEqual(await statusOf(m), ['0006', ['0001', '0002']]);
  assert.deepEqual(
    s.sb.context.db.prepare('SELECT * FROM eps_status_history WHERE short_form_id = ? ORDER BY id').all(m.shortId),
    history,
  );
  const events = (history as Array<{ event: string; user_id: string; line_item_id: string | null }>)
    .filter((h) => h.line_item_id === null)
    .map((h) => `${h.event}:${h.user_id}`);
  assert.deepEqual(events, [
    `prescription-order:${PEOPLE.prescriber.user}`,
    `release:${PEOPLE.pharmacist.user}`,
    `dispense-notification:${PEOPLE.pharmacist.user}`,
  ]);
  const after = await cancel(m, m.items[1]!, '0001', 'prescriber', rid);
  assert.deepEqual([after.status, after.body], [before.status, before.body]);
  assert.equal(parseCancelResponse((await cancel(m, m.items[0]!)).json)?.code, 'R-0004');
});

test('the message log holds no 5xx from any of the above', async () => {
  const log = await s.call('prescriber', 'GET', '/_log?since=0');
  const exchanges = log.json.exchanges as Array<{ status: number; path: string }>;
  assert.ok(exchanges.length > 50, String(exchanges.length));
  assert.deepEqual(
    exchanges.filter((e) => e.status >= 500),
    [],
  );
});
