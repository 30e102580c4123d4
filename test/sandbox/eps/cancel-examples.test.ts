// NHS England's own cancellation messages against the sandbox: each example prescription stored as
// sent, then its example prescription-order-update sent over HTTPS; the answers have the shape of
// EPS's example response. (The sends carry placeholder signatures, so they are stored directly.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { LifecycleSandbox } from './lifecycle-support';
import { LifecycleStore } from '../../../sandbox/eps/lifecycle-store';
import { parseCancelResponse } from '../../../protocols/eps/cancel';
import { epsExamples } from '../../support/fixtures';

type Json = Record<string, unknown>;
const dir = join(epsExamples, 'primary-care', 'acute', 'nominated-pharmacy', 'medical-prescriber', 'cancellations');
const load = (name: string) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as Json;
const of = (b: Json, type: string) =>
  (b.entry as Array<{ resource: Json }>).map((e) => e.resource).filter((r) => r.resourceType === type);
const history = (mr: Json) =>
  (mr.extension as Json[]).find((x) => String(x.url).endsWith('Extension-DM-PrescriptionStatusHistory'))!
    .extension as Json[];

test("EPS's example cancellations: R-0001 with EPS's answer shape, R-0006 the second time, R-0008 for a prescription never sent", async () => {
  const s = await new LifecycleSandbox().start();
  try {
    const db = s.sb.context.db;
    const store = new LifecycleStore(db, s.sb.context.clock);
    const expected = load('2-Process-Response-Cancel-200_OK.json');
    for (let n = 3; n <= 9; n++) {
      const send = load(`${n}-Process-Request-Send-200_OK.json`);
      const mr = of(send, 'MedicationRequest')[0]!;
      const shortId = String((mr.groupIdentifier as Json).value);
      db.prepare(
        'INSERT INTO eps_prescriptions (short_form_id, long_form_id, nhs_number, nominated_ods, author_user_id, author_role_id, status, bundle, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ).run(
        shortId,
        String((((mr.groupIdentifier as Json).extension as Json[])[0]!.valueIdentifier as Json).value),
        '9990548609',
        'FCG71',
        '555086689106',
        '200102238987',
        'to-be-dispensed',
        JSON.stringify(send),
        new Date().toISOString(),
      );
      store.created(shortId, send, { userId: '555086689106', roleId: '200102238987', ods: 'A83008' });

      const request = load(`${n}-Process-Request-Cancel-200_OK.json`);
      const r = await s.call('prescriber', 'POST', '/FHIR/R4/$process-message', request);
      assert.equal(r.status, 200, `example ${n}: ${r.body}`);
      const answered = of(r.json, 'MedicationRequest')[0]!,
        sample = of(expected, 'MedicationRequest')[0]!;
      assert.equal(answered.status, sample.status);
      assert.deepEqual(history(answered)[0], history(sample)[0], 'status R-0001 coded as EPS codes it');
      assert.equal(history(answered)[1]!.url, 'statusDate');
      assert.deepEqual(answered.statusReason, of(request, 'MedicationRequest')[0]!.statusReason);
      const header = of(r.json, 'MessageHeader')[0]!,
        sampleHeader = of(expected, 'MessageHeader')[0]!;
      for (const k of ['eventCoding', 'sender']) assert.deepEqual(header[k], sampleHeader[k], k);
      assert.equal((header.response as Json).code, 'ok');
      assert.deepEqual(of(r.json, 'Patient'), of(request, 'Patient'));
      assert.equal(store.get(shortId)!.state.status, '0005', 'its only line item cancelled: the prescription is');
    }
    const again = await s.call('prescriber', 'POST', '/FHIR/R4/$process-message', {
      ...load('3-Process-Request-Cancel-200_OK.json'),
      id: randomUUID(),
    });
    assert.deepEqual([again.status, parseCancelResponse(again.json)?.code], [400, 'R-0006']);
    // Example 2 cancels a line item of 24F5DA-A83008-7EFE6Z, which this sandbox never received.
    const never = await s.call(
      'prescriber',
      'POST',
      '/FHIR/R4/$process-message',
      load('2-Process-Request-Cancel-200_OK.json'),
    );
    assert.deepEqual([never.status, parseCancelResponse(never.json)?.code], [400, 'R-0008']);
  } finally {
    await s.close();
  }
});
