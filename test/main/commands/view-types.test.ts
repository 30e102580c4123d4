// The services' answers are the commands' output schemas (main/prescribing/views.ts,
// main/dispensing/views.ts): each service's return type is exactly what its command declares, and a
// field a service adds to a view without adding it to the schema is a type error, so it cannot
// silently vanish on the wire. Checked by `npm run typecheck`: the @ts-expect-error lines fail the
// build if the rule ever stops holding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CommandOutput } from '../../../main/commands/command-map';
import type { DispensingService } from '../../../main/dispensing/dispensing-service';
import type { DispensingItemView, DispensingView } from '../../../main/dispensing/views';
import type { PrescribingService } from '../../../main/prescribing/prescribing-service';
import type { CancellationService } from '../../../main/prescribing/cancellation-service';
import type { PrescriptionItemView } from '../../../main/prescribing/views';

/** true only when A and B are the same type (each assignable to the other, invariantly). */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Answer<F extends (...a: never[]) => unknown> = Awaited<ReturnType<F>>;

const sameTypes = {
  'dispense.get': true satisfies Same<Answer<DispensingService['get']>, CommandOutput<'dispense.get'>>,
  'dispense.record': true satisfies Same<Answer<DispensingService['record']>, CommandOutput<'dispense.record'>>,
  'dispense.release': true satisfies Same<Answer<DispensingService['release']>, CommandOutput<'dispense.release'>>,
  'dispense.list': true satisfies Same<
    Answer<DispensingService['list']>,
    CommandOutput<'dispense.list'>['prescriptions']
  >,
  'prescription.cancel': true satisfies Same<
    Answer<CancellationService['cancel']>,
    CommandOutput<'prescription.cancel'>
  >,
  'prescription.sign': true satisfies Same<
    Answer<PrescribingService['sign']>,
    CommandOutput<'prescription.sign'>['results']
  >,
  'prescription.get items': true satisfies Same<
    ReturnType<PrescribingService['items']>,
    CommandOutput<'prescription.get'>['items']
  >,
};

// A view built with a field its schema lacks does not compile (the literal's excess property).
const item = (v: PrescriptionItemView): PrescriptionItemView => ({
  ...v,
  // @ts-expect-error `dispensedBy` is not in prescriptionItemView, so it cannot be added to the view
  dispensedBy: 'FCG71',
});
const dispensingItem = (v: DispensingView): DispensingItemView => ({
  ...v.items[0]!,
  // @ts-expect-error `batchNumber` is not in dispensingItemView
  batchNumber: 'B1',
});
// And a field the schema has that the view leaves out does not compile either.
// @ts-expect-error dispensingView requires `returnReason`
const missing = (v: DispensingView): DispensingView => ({ ...v, returnReason: undefined });

test('service answers are the command output schemas: same types, no field the schema lacks', () => {
  assert.ok(
    Object.values(sameTypes).every(Boolean),
    'the type checker compared each service answer with its command output',
  );
  assert.equal(typeof item, 'function', 'the item view above compiled with the @ts-expect-error in place');
  assert.equal(typeof dispensingItem, 'function', 'the dispensing item view above compiled');
  assert.equal(typeof missing, 'function', 'the missing-field check above compiled');
});
