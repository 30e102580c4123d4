import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DirectoryStore, PRESCRIBING_ACTIVITIES, seedDirectory } from '../../../sandbox/directory/directory';

test('the seeded directory has the users the flows need, and lookups by user and role', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scrip-dir-'));
  try {
    const d = new DirectoryStore(dir);
    assert.deepEqual(
      JSON.parse(readFileSync(join(dir, 'users.json'), 'utf8')),
      seedDirectory,
      'written on first start',
    );
    const users = d.read().users;
    const prescribes = (acts: string[]) => acts.some((a) => PRESCRIBING_ACTIVITIES.includes(a));
    const gp = users.find((u) => u.professionalCode?.system === 'gmc')!;
    assert.equal(gp.roles.length, 2);
    assert.equal(new Set(gp.roles.map((r) => r.orgCode)).size, 2);
    assert.ok(
      gp.roles.every((r) => prescribes(r.activities)),
      'gp.roles.every((r) => prescribes(r.activities))',
    );
    assert.ok(
      users.some((u) => u.professionalCode?.system === 'nmc' && u.roles.some((r) => r.activities.includes('B0058'))),
      'a nurse prescriber',
    );
    assert.ok(
      users.some((u) => u.roles.some((r) => r.orgCode === 'FCG71' && r.activities.includes('B0570'))),
      'a pharmacist',
    );
    assert.ok(
      users.some((u) => u.roles.every((r) => !prescribes(r.activities))),
      'an admin',
    );
    assert.equal(d.role(gp.roles[1]!.id)?.user.id, gp.id);
    assert.equal(d.role('000000000000'), null);
    assert.equal(d.organisation('FCG71')?.name, 'WESTON PHARMACY');
    assert.equal(d.displayName(gp), 'DR CLARE BOIN');
    // An edit to users.json is picked up without a restart; a broken file is refused, not half-read.
    const edited = structuredClone(seedDirectory);
    edited.users[0]!.name.family = 'BOIN-SMITH';
    writeFileSync(d.file, JSON.stringify(edited) + '\n\n');
    assert.equal(d.user(gp.id)?.name.family, 'BOIN-SMITH');
    writeFileSync(d.file, JSON.stringify({ users: [{ id: 'x' }] }));
    assert.throws(() => d.read());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a users.json from the first seed gains the prescribers added since, once, keeping the supplier's edits", () => {
  const dir = mkdtempSync(join(tmpdir(), 'scrip-dir-'));
  try {
    // The first seed: no seedVersion, none of the pharmacist, hospital or dental prescribers.
    const added = ['555086693106', '555086694102', '555086695109'];
    const old = structuredClone(seedDirectory);
    delete old.seedVersion;
    old.users = old.users.filter((u) => !added.includes(u.id));
    old.organisations = old.organisations.filter((o) => !['RWH20', 'V00312'].includes(o.odsCode));
    old.users[0]!.name.family = 'BOIN-SMITH';
    writeFileSync(join(dir, 'users.json'), JSON.stringify(old));
    const d = new DirectoryStore(dir);
    for (const id of added) assert.ok(d.user(id), `user ${id} added from the newer seed`);
    assert.equal(d.organisation('RWH20')?.partOf?.odsCode, 'RWH', 'the trust site and its trust added');
    assert.equal(d.user('555086689106')?.name.family, 'BOIN-SMITH', "the supplier's edit is kept");
    // Removed after the upgrade: stays removed (the file now says which seed it has).
    const now = d.read();
    writeFileSync(d.file, JSON.stringify({ ...now, users: now.users.filter((u) => u.id !== '555086694102') }));
    assert.equal(
      new DirectoryStore(dir).user('555086694102'),
      null,
      'a user removed after the upgrade is not re-added',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
