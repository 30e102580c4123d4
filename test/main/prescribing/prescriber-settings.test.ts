// Prescriber and organisation settings for environments without a directory: checked as EPS would
// check them, kept per role profile, and turned into the author resources of the Bundle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { openDatabase } from '../../../main/store/database';
import { PrescriberSettingsStore, contextFromSettings } from '../../../main/prescribing/prescriber-settings';

const good = {
  professionalCode: { system: 'nmc', value: '12a3456b' },
  prescriptionType: '0104',
  telecom: '0113 496 0000',
  organisation: {
    name: 'LEEDS WALK-IN CENTRE',
    telecom: '0113 496 0001',
    addressLines: ['1 PARK ROW'],
    city: 'LEEDS',
    postcode: 'ls1 5ab',
    partOf: { odsCode: '15F', name: 'NHS LEEDS CCG' },
  },
};

test('settings are validated field by field, stored per role, and become the Bundle author', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scrip-presc-'));
  const db = openDatabase(join(dir, 'db.sqlite'));
  try {
    const store = new PrescriberSettingsStore(db);
    assert.equal(store.get('200102238987'), null);
    let err: z.ZodError | null = null;
    try {
      store.set('200102238987', '555086689106', {
        ...good,
        professionalCode: { system: 'gmc', value: '123' },
        prescriptionType: '9999',
        organisation: { ...good.organisation, postcode: 'LEEDS', addressLines: [] },
      });
    } catch (e) {
      err = e as z.ZodError;
    }
    assert.ok(err instanceof z.ZodError, 'err instanceof z.ZodError');
    const fields = err.issues.map((i) => i.path.join('.')).sort();
    assert.deepEqual(fields, [
      'organisation.addressLines',
      'organisation.postcode',
      'prescriptionType',
      'professionalCode.value',
    ]);
    assert.equal(store.get('200102238987'), null, 'nothing saved');

    // EPS refuses primary care (01xx) prescriptions from an organisation with no parent.
    const { partOf: _p, ...noParent } = good.organisation;
    assert.throws(
      () => store.set('200102238987', '555086689106', { ...good, organisation: noParent }),
      (e: unknown) => e instanceof z.ZodError && e.issues[0]?.path.join('.') === 'organisation.partOf',
    );

    const saved = store.set('200102238987', '555086689106', good);
    assert.equal(saved.professionalCode.value, '12A3456B');
    assert.equal(saved.organisation.postcode, 'LS1 5AB');
    assert.deepEqual(store.get('200102238987'), saved);
    assert.equal(store.get('200102240001'), null, 'per role profile');

    const ctx = contextFromSettings(saved, {
      userId: '555086689106',
      userName: 'DR CLARE BOIN',
      role: {
        id: '200102238987',
        orgCode: 'Y12345',
        jobRoleName: '"Clinical":"Clinical Provision":"Nurse Access Role"',
        jobRoleCode: 'S8000:G8000:R8001',
      },
    });
    assert.deepEqual(ctx.name, { prefix: 'DR', given: ['CLARE'], family: 'BOIN' });
    assert.equal(ctx.organisation.odsCode, 'Y12345', "the role's organisation when none is given");
    assert.equal(ctx.jobRoleCode, 'R8001');
    assert.equal(ctx.jobRoleName, 'Nurse Access Role');
    assert.equal(ctx.prescriptionType, '0104');
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
