// The medicines offered before anything is typed: favourites per user, recent ones, the formulary file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../../main/store/database';
import { Preferences } from '../../../main/store/preferences';
import { favouriteCodes, readFormulary, recentCodes, setFavourite } from '../../../main/prescribing/shortlist';
import type { PrescriptionRecord } from '../../../main/prescribing/store';

test("favourites are each user's own, newest first, each once", () => {
  const prefs = new Preferences(openDatabase(':memory:'));
  setFavourite(prefs, 'gp1', '322237000', true);
  setFavourite(prefs, 'gp1', '39732311000001104', true);
  setFavourite(prefs, 'gp1', '322237000', true);
  assert.deepEqual(favouriteCodes(prefs, 'gp1'), ['322237000', '39732311000001104'], 'newest first, no duplicate');
  assert.deepEqual(favouriteCodes(prefs, 'gp2'), [], 'another user has their own (none)');
  setFavourite(prefs, 'gp1', '322237000', false);
  assert.deepEqual(favouriteCodes(prefs, 'gp1'), ['39732311000001104'], 'taken off');
});

test('recent medicines come from the prescriptions given, newest first, each once', () => {
  const rx = (...codes: string[]) =>
    ({ draft: { items: codes.map((code) => ({ medication: { code } })) } }) as unknown as PrescriptionRecord;
  assert.deepEqual(
    recentCodes([rx('1111111', '2222222'), rx('1111111'), rx('3333333')]),
    ['1111111', '2222222', '3333333'],
    'order kept, duplicates dropped',
  );
  assert.equal(recentCodes([rx('1111111', '2222222', '3333333')], 2).length, 2, 'limited');
});

test('the formulary file: none is fine; a bad one is named, entry and field, and not offered', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scrip-formulary-'));
  try {
    assert.deepEqual(readFormulary(dir), { formulary: null, problem: null }, 'no file, no formulary, no problem');
    writeFileSync(
      join(dir, 'formulary.json'),
      JSON.stringify({ name: 'Hallgarth formulary', medicines: [{ code: '322237000', note: 'first line' }] }),
    );
    assert.deepEqual(
      readFormulary(dir).formulary,
      { name: 'Hallgarth formulary', medicines: [{ code: '322237000', note: 'first line' }] },
      'read as written',
    );
    writeFileSync(
      join(dir, 'formulary.json'),
      JSON.stringify({ medicines: [{ code: '322237000' }, { code: 'paracetamol' }] }),
    );
    const bad = readFormulary(dir);
    assert.equal(bad.formulary, null, 'a bad file is not half-used');
    assert.match(
      bad.problem ?? '',
      /medicines entry 2 code: a dm\+d code is 6 to 18 digits/,
      bad.problem ?? 'no problem',
    );
    writeFileSync(join(dir, 'formulary.json'), '{ not json');
    assert.match(readFormulary(dir).problem ?? '', /is not JSON/, 'unreadable JSON is said');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
