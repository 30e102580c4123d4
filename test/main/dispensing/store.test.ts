// The pharmacy's store of released prescriptions (SQLite on disk): kept across a restart, released
// again under the same local ID, per environment; pending writes survive a restart.
// Also the readers of a released Bundle and of EPS's release answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../../main/store/database';
import { DispensingStore, type NewRelease } from '../../../main/dispensing/store';
import { readReleased } from '../../../main/dispensing/released';
import { readReleaseAnswer } from '../../../main/dispensing/dispensing-client';
import { epsAcuteExample } from '../../support/fixtures';

type Json = Record<string, unknown>;
const example = epsAcuteExample;

const release = (over: Partial<NewRelease> = {}): NewRelease => ({
  environment: 'sandbox',
  shortFormId: '24F5DA-A83008-7EFE6Z',
  ods: 'FCG71',
  releasedBy: '555086691101',
  roleProfileId: '200102240002',
  releasedAt: '2026-11-30T10:00:00.000Z',
  releaseResponseId: 'r1',
  bundle: { resourceType: 'Bundle', id: 'b1' },
  status: 'with-pharmacy',
  prescriptionStatus: '0002',
  items: [{ lineId: 'a', statusCode: '0008', quantity: null }],
  signature: {
    ok: true,
    scrip: { ok: true, errors: [], signer: null, signedAt: null },
    service: { ok: true, errors: [] },
    checkedAt: '2026-11-30T10:00:00.000Z',
  },
  ...over,
});

function withStore(f: (open: () => DispensingStore, closeLast: () => void) => void) {
  const dir = mkdtempSync(join(tmpdir(), 'scrip-dispensing-store-'));
  const dbs: Array<ReturnType<typeof openDatabase>> = [];
  try {
    f(
      () => {
        const db = openDatabase(join(dir, 'scrip.db'));
        dbs.push(db);
        return new DispensingStore(db);
      },
      () => dbs.at(-1)!.close(),
    );
  } finally {
    for (const db of dbs) if (db.open) db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a released prescription is kept whole and survives closing the database', () =>
  withStore((open, closeLast) => {
    const a = open();
    const saved = a.saveRelease(release());
    assert.match(saved.id, /^[0-9a-f-]{36}$/);
    a.update(saved.id, {
      status: 'dispensed',
      prescriptionStatus: '0006',
      items: [{ lineId: 'a', statusCode: '0001', quantity: 20 }],
      notifications: [
        {
          id: 'n1',
          at: 'x',
          lines: [{ lineId: 'a', statusCode: '0001', quantity: 20 }],
          before: {
            prescriptionStatus: '0002',
            status: 'with-pharmacy',
            items: [{ lineId: 'a', statusCode: '0008', quantity: null }],
          },
        },
      ],
    });
    closeLast();
    const b = open();
    const back = b.get(saved.id)!;
    assert.equal(back.status, 'dispensed');
    assert.deepEqual(back.bundle, { resourceType: 'Bundle', id: 'b1' });
    assert.equal(back.notifications[0]!.before.items[0]!.statusCode, '0008');
    assert.equal(back.items[0]!.quantity, 20);
    assert.equal(b.byShortFormId('sandbox', '24f5da-a83008-7efe6z')?.id, saved.id, 'found whatever the case of the ID');
  }));

test('released again (after a return) it replaces the old copy under the same ID, and forgets old notifications', () =>
  withStore((open) => {
    const s = open();
    const first = s.saveRelease(release());
    s.update(first.id, {
      status: 'returned',
      returnReason: '0003',
      notifications: [
        { id: 'n1', at: 'x', lines: [], before: { prescriptionStatus: '0002', status: 'with-pharmacy', items: [] } },
      ],
    });
    const again = s.saveRelease(release({ releaseResponseId: 'r2', bundle: { resourceType: 'Bundle', id: 'b2' } }));
    assert.equal(again.id, first.id);
    assert.equal(again.status, 'with-pharmacy');
    assert.equal(again.returnReason, null);
    assert.deepEqual(again.notifications, []);
    assert.equal(again.releaseResponseId, 'r2');
    assert.equal(s.list().length, 1);
  }));

test('records are kept per environment and listed for one pharmacy', () =>
  withStore((open) => {
    const s = open();
    s.saveRelease(release());
    s.saveRelease(release({ environment: 'int' }));
    s.saveRelease(release({ shortFormId: '2D35F7-ZA0448-11E88Z', ods: 'FA565' }));
    assert.equal(s.list().length, 3);
    assert.equal(s.list({ environment: 'sandbox' }).length, 2);
    assert.deepEqual(
      s.list({ environment: 'sandbox', ods: 'FA565' }).map((r) => r.shortFormId),
      ['2D35F7-ZA0448-11E88Z'],
    );
    assert.throws(() => s.update('no-such-id', { status: 'returned' }), /no released prescription/);
  }));

test('the dispensing store keeps pending writes across a restart, in its own table', () =>
  withStore((open, closeLast) => {
    const a = open();
    assert.equal(a.pendingWrites.get('dispense:x'), null, 'nothing pending at first');
    a.pendingWrites.put({
      key: 'dispense:x',
      requestId: '9b6a2c52-5a0e-4b43-8f0f-0c3f0f0c3f0f',
      fingerprint: 'f1',
      body: '{"resourceType":"Bundle","id":"n1"}',
    });
    closeLast();
    const b = open();
    assert.equal(b.pendingWrites.get('dispense:x')?.body, '{"resourceType":"Bundle","id":"n1"}', 'the exact body');
    assert.equal(b.pendingWrites.get('dispense:x')?.requestId, '9b6a2c52-5a0e-4b43-8f0f-0c3f0f0c3f0f', 'the same ID');
  }));

test('a released Bundle is read for the pharmacist: patient, prescriber, items; a broken one says what is missing', () => {
  const bundle = JSON.parse(readFileSync(example, 'utf8')) as Json;
  const r = readReleased(bundle);
  assert.ok(!('problem' in r), "!('problem' in r)");
  assert.equal(r.shortFormId, '24F5DA-A83008-7EFE6Z');
  assert.equal(r.patient.nhsNumber, '5839945242');
  assert.equal(r.patient.name, 'MS STACEY MARISA TWITCHETT');
  assert.equal(r.prescriber.name, 'DR C BOIN');
  assert.equal(r.prescriber.organisation, 'HALLGARTH SURGERY');
  assert.equal(r.items.length, 4);
  assert.deepEqual(r.items[0]!.quantity, { value: 20, unit: 'tablet', code: '428673006' });
  assert.equal(r.items[0]!.dosage, '2 times a day for 10 days');
  assert.deepEqual(readReleased({ resourceType: 'Bundle', entry: [] }), {
    problem: 'The released prescription has no MedicationRequest.',
  });
});

test("EPS's release answer: passed and failed prescriptions with their reasons, or nothing to release", () => {
  const b1 = { resourceType: 'Bundle', id: 'p1' },
    b2 = { resourceType: 'Bundle', id: 'f1' };
  const answer = readReleaseAnswer({
    resourceType: 'Parameters',
    id: 'rel-1',
    parameter: [
      {
        name: 'passedPrescriptions',
        resource: { resourceType: 'Bundle', entry: [{ fullUrl: 'urn:uuid:p1', resource: b1 }] },
      },
      {
        name: 'failedPrescriptions',
        resource: {
          resourceType: 'Bundle',
          entry: [
            {
              fullUrl: 'urn:uuid:o1',
              resource: {
                resourceType: 'OperationOutcome',
                extension: [{ valueReference: { reference: 'urn:uuid:f1' } }],
                issue: [{ diagnostics: 'Certificate is revoked.' }],
              },
            },
            { fullUrl: 'urn:uuid:f1', resource: b2 },
          ],
        },
      },
    ],
  });
  assert.equal(answer.id, 'rel-1');
  assert.deepEqual(answer.passed, [b1]);
  assert.deepEqual(answer.failed, [{ bundle: b2, errors: ['Certificate is revoked'] }]);
  const none = readReleaseAnswer({
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'information', diagnostics: 'No more prescriptions are nominated to FCG71.' }],
  });
  assert.equal(none.nothing, 'No more prescriptions are nominated to FCG71.');
  assert.throws(() => readReleaseAnswer({ resourceType: 'Bundle' }), /instead of Parameters/);
});
