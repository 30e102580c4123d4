// The prescription lifecycle state machine: what Spine allows at each status, and what it becomes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cancelItem,
  derivedStatus,
  dispense,
  newPrescription,
  release,
  returnToSpine,
  withdraw,
  type Outcome,
  type PrescriptionState,
} from '../../../protocols/eps/lifecycle';

const A = 'a54219b8-f741-4c47-b662-e4f8dfa49ab6',
  B = '6989b7bd-8db6-428c-a593-4022e3044c00';
const ok = (o: Outcome): PrescriptionState => {
  assert.ok(o.ok, JSON.stringify(!o.ok && o.refusal));
  return (o as { state: PrescriptionState }).state;
};
const refusal = (o: Outcome) => {
  assert.equal(o.ok, false);
  return (o as { refusal: { kind: string } }).refusal;
};
const items = (s: PrescriptionState) => s.items.map((i) => i.status);

test('sent → released → dispensed in full: 0001 → 0002 → 0006, items 0007 → 0008 → 0001', () => {
  const sent = newPrescription([A, B]);
  assert.deepEqual([sent.status, items(sent), sent.dispenser], ['0001', ['0007', '0007'], null]);
  const released = ok(release(sent, 'FCG71'));
  assert.deepEqual([released.status, items(released), released.dispenser], ['0002', ['0008', '0008'], 'FCG71']);
  const done = ok(
    dispense(released, 'FCG71', 'dn-1', [
      { id: A, status: '0001' },
      { id: B, status: '0001' },
    ]),
  );
  assert.deepEqual([done.status, items(done)], ['0006', ['0001', '0001']]);
  assert.equal(sent.status, '0001', 'the input state is never changed');
});

test('release: only from To Be Dispensed; another pharmacy is told who has it', () => {
  const released = ok(release(newPrescription([A]), 'FCG71'));
  assert.deepEqual(refusal(release(released, 'FA565')), { kind: 'with-another-dispenser', dispenser: 'FCG71' });
  assert.equal(refusal(release(released, 'FCG71')).kind, 'wrong-status');
  const cancelled = cancelItem(newPrescription([A]), A, '0001').state;
  assert.equal(cancelled.status, '0005');
  assert.equal(refusal(release(cancelled, 'FCG71')).kind, 'wrong-status');
});

test('partial, owing and not-dispensed items give With Dispenser - Active or Not Dispensed', () => {
  const released = ok(release(newPrescription([A, B]), 'FCG71'));
  assert.equal(
    ok(
      dispense(released, 'FCG71', 'd', [
        { id: A, status: '0003' },
        { id: B, status: '0001' },
      ]),
    ).status,
    '0003',
  );
  assert.equal(
    ok(dispense(released, 'FCG71', 'd', [{ id: A, status: '0001' }])).status,
    '0003',
    'B is still with the dispenser',
  );
  assert.equal(
    ok(
      dispense(released, 'FCG71', 'd', [
        { id: A, status: '0002' },
        { id: B, status: '0002' },
      ]),
    ).status,
    '0007',
  );
  assert.equal(
    ok(
      dispense(released, 'FCG71', 'd', [
        { id: A, status: '0002' },
        { id: B, status: '0001' },
      ]),
    ).status,
    '0006',
  );
  assert.equal(
    derivedStatus([
      { id: A, status: '0005' },
      { id: B, status: '0001' },
    ]),
    '0006',
  );
  assert.equal(derivedStatus([{ id: A, status: '0004' }]), '0003');
});

test('dispense: only by the holder, after release, for its own items, with dispensing statuses', () => {
  const sent = newPrescription([A, B]);
  assert.equal(refusal(dispense(sent, 'FCG71', 'd', [{ id: A, status: '0001' }])).kind, 'wrong-status');
  const released = ok(release(sent, 'FCG71'));
  assert.equal(refusal(dispense(released, 'FA565', 'd', [{ id: A, status: '0001' }])).kind, 'not-with-this-dispenser');
  assert.deepEqual(refusal(dispense(released, 'FCG71', 'd', [{ id: 'nope', status: '0001' }])), {
    kind: 'unknown-line-item',
    id: 'nope',
  });
  assert.equal(refusal(dispense(released, 'FCG71', 'd', [{ id: A, status: '0007' }])).kind, 'bad-line-item-status');
  const done = ok(
    dispense(released, 'FCG71', 'd', [
      { id: A, status: '0001' },
      { id: B, status: '0001' },
    ]),
  );
  assert.equal(
    refusal(dispense(done, 'FCG71', 'd2', [{ id: A, status: '0001' }])).kind,
    'wrong-status',
    'a dispensed prescription takes no more notifications',
  );
});

test('withdraw undoes only the latest dispense notification', () => {
  const released = ok(release(newPrescription([A, B]), 'FCG71'));
  const first = ok(dispense(released, 'FCG71', 'dn-1', [{ id: A, status: '0003' }]));
  const second = ok(
    dispense(first, 'FCG71', 'dn-2', [
      { id: A, status: '0001' },
      { id: B, status: '0001' },
    ]),
  );
  assert.equal(second.status, '0006');
  assert.deepEqual(refusal(withdraw(second, 'FCG71', 'dn-1')), { kind: 'not-latest-dispense', latest: 'dn-2' });
  assert.equal(refusal(withdraw(second, 'FA565', 'dn-2')).kind, 'not-with-this-dispenser');
  const back = ok(withdraw(second, 'FCG71', 'dn-2'));
  assert.deepEqual([back.status, items(back), back.dispenses.map((d) => d.id)], ['0003', ['0003', '0008'], ['dn-1']]);
  const start = ok(withdraw(back, 'FCG71', 'dn-1'));
  assert.deepEqual([start.status, items(start), start.dispenses.length], ['0002', ['0008', '0008'], 0]);
  assert.equal(refusal(withdraw(start, 'FCG71', 'dn-1')).kind, 'not-latest-dispense');
});

test('return: from With Dispenser only, by the holder; back to To Be Dispensed', () => {
  const released = ok(release(newPrescription([A, B]), 'FCG71'));
  assert.equal(refusal(returnToSpine(released, 'FA565')).kind, 'not-with-this-dispenser');
  const back = ok(returnToSpine(released, 'FCG71'));
  assert.deepEqual([back.status, items(back), back.dispenser], ['0001', ['0007', '0007'], null]);
  assert.equal(refusal(returnToSpine(back, 'FCG71')).kind, 'wrong-status');
  const active = ok(dispense(released, 'FCG71', 'd', [{ id: A, status: '0003' }]));
  assert.equal(refusal(returnToSpine(active, 'FCG71')).kind, 'wrong-status', 'dispensing has started');
  assert.equal(ok(release(back, 'FA565')).dispenser, 'FA565', 'another pharmacy may then have it');
});

test('cancel before release: R-0001 per item, the prescription once all are; R-0006 again; R-0008 unknown', () => {
  const sent = newPrescription([A, B]);
  const one = cancelItem(sent, A, '0001');
  assert.deepEqual([one.code, one.state.status, items(one.state)], ['R-0001', '0001', ['0005', '0007']]);
  const both = cancelItem(one.state, B.toUpperCase(), '0002');
  assert.deepEqual([both.code, both.state.status, items(both.state)], ['R-0001', '0005', ['0005', '0005']]);
  assert.equal(cancelItem(both.state, A, '0001').code, 'R-0006');
  const unknown = cancelItem(sent, 'ffffffff-0000-0000-0000-000000000000', '0001');
  assert.deepEqual([unknown.code, unknown.state], ['R-0008', sent]);
});

test('cancel with a dispenser marks for cancellation (R-0002/R-0003); return then cancels; dispensed is R-0004', () => {
  const released = ok(release(newPrescription([A, B]), 'FCG71'));
  const marked = cancelItem(released, A, '0005');
  assert.deepEqual(
    [marked.code, marked.dispenser, marked.state.items[0]!.pendingCancellation, marked.state.status],
    ['R-0002', 'FCG71', '0005', '0002'],
  );
  assert.equal(cancelItem(marked.state, A, '0005').code, 'R-0006');
  const returned = ok(returnToSpine(marked.state, 'FCG71'));
  assert.deepEqual([returned.status, items(returned)], ['0001', ['0005', '0007']]);
  const notDispensed = ok(
    dispense(marked.state, 'FCG71', 'd', [
      { id: A, status: '0002' },
      { id: B, status: '0001' },
    ]),
  );
  assert.deepEqual(
    [notDispensed.status, items(notDispensed), notDispensed.items[0]!.pendingCancellation],
    ['0006', ['0005', '0001'], undefined],
    'not dispensing a marked item completes its cancellation',
  );
  const allMarked = cancelItem(cancelItem(released, A, '0001').state, B, '0001').state;
  assert.equal(
    ok(
      dispense(allMarked, 'FCG71', 'd', [
        { id: A, status: '0002' },
        { id: B, status: '0002' },
      ]),
    ).status,
    '0005',
  );
  assert.equal(ok(returnToSpine(allMarked, 'FCG71')).status, '0005');

  const active = ok(dispense(released, 'FCG71', 'd', [{ id: A, status: '0003' }]));
  assert.equal(cancelItem(active, B, '0001').code, 'R-0003');
  assert.equal(cancelItem(active, A, '0001').code, 'R-0004', 'part-dispensed item');
  const done = ok(
    dispense(released, 'FCG71', 'd', [
      { id: A, status: '0001' },
      { id: B, status: '0002' },
    ]),
  );
  assert.equal(cancelItem(done, A, '0001').code, 'R-0004');
  assert.equal(cancelItem(done, B, '0001').code, 'R-0004', 'the prescription is dispensed');
  const none = ok(
    dispense(released, 'FCG71', 'd', [
      { id: A, status: '0002' },
      { id: B, status: '0002' },
    ]),
  );
  assert.equal(cancelItem(none, A, '0001').code, 'R-0010');
});
