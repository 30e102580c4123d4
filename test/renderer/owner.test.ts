import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ownedBy } from '../../renderer/src/prescribing/owner';

const list = [
  { id: 'gp', ownerUserId: '555086689106' },
  { id: 'pharmacist', ownerUserId: '555257000100' },
  { id: 'before-login', ownerUserId: null },
];

test("a logged-in user sees their own prescriptions and unowned drafts, not a colleague's", () => {
  assert.deepEqual(
    ownedBy(list, '555257000100').map((r) => r.id),
    ['pharmacist', 'before-login'],
    "the pharmacist does not see the GP's",
  );
  assert.deepEqual(
    ownedBy(list, '555086689106').map((r) => r.id),
    ['gp', 'before-login'],
    "the GP does not see the pharmacist's",
  );
});

test("everyone's on request, and all when nobody is logged in", () => {
  assert.equal(ownedBy(list, '555086689106', true).length, 3, 'asked for everyone: all three');
  assert.equal(ownedBy(list, null).length, 3, 'nobody logged in: all three');
});
