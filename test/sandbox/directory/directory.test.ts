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
