// Random damage to the example Bundles (values replaced by null, numbers, strings, '__proto__',
// empty arrays and objects, or removed): $convert either translates or refuses with a ConvertError
// that names the field — never another exception (the sandbox would answer that with a 5xx).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { convertBundle, ConvertError } from '../../../protocols/hl7v3/convert';
import { examplePairs } from './xml-compare';

type Node = Record<string | number, unknown>;
const bundles = examplePairs().map((p) => JSON.parse(readFileSync(p.request, 'utf8')) as Node);

function paths(v: unknown, p: Array<string | number> = []): Array<Array<string | number>> {
  const out = [p];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...p, i])));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...p, k]));
  return out;
}

const damage = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.string(),
  fc.constantFrom('constructor', 'toString', '__proto__', '', 'not-a-date', '2022-13-45'),
  fc.constant([]),
  fc.constant({}),
  fc.constant([null]),
);

test('damaged bundles are translated or refused by field name, never crash', () => {
  let refused = 0;
  fc.assert(
    fc.property(
      fc.nat(bundles.length - 1),
      fc.array(fc.tuple(fc.nat(), damage), { minLength: 1, maxLength: 3 }),
      (i, changes) => {
        const b = structuredClone(bundles[i]!);
        for (const [n, value] of changes) {
          const all = paths(b).filter((p) => p.length);
          const p = all[n % all.length]!;
          let o = b;
          for (const k of p.slice(0, -1)) o = o[k] as Node;
          if (value === undefined) delete o[p.at(-1)!];
          else o[p.at(-1)!] = structuredClone(value);
        }
        try {
          convertBundle(b, { now: new Date(), senderAsid: '1', receiverAsid: '2', userId: '3', roleProfileId: '4' });
        } catch (e) {
          assert.ok(e instanceof ConvertError, String((e as Error).stack));
          assert.ok(e.expression, `no field named: ${e.message}`);
          refused++;
        }
      },
    ),
    { numRuns: 1500, seed: 4 },
  );
  assert.ok(refused > 150, `only ${refused} refusals: the damage is not reaching the translation`);
});
