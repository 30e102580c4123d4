import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openBundledSubset, readSubset, subsetReleaseVersion } from '../../../../main/prescribing/dmd/subset';

test('the bundled subset is labelled as such and holds the EPS example medicines with dm+d units', async () => {
  const subset = readSubset();
  assert.match(subset.label, /not a full dm\+d release/);
  assert.ok(subset.medicines.length >= 6, 'subset.medicines.length >= 6');
  const ix = await openBundledSubset();
  try {
    const info = ix.releaseInfo();
    assert.equal(info.releaseVersion, subsetReleaseVersion);
    assert.equal(info.releaseVersion, 'Scrip bundled subset from public EPS examples — not a full dm+d release');
    assert.equal(info.subset, true);
    assert.equal(info.counts.vmp, subset.medicines.length);
    // Every example code resolves; capsules are quantified in capsules, whatever the example said.
    for (const m of subset.medicines) assert.equal(ix.byCode(m.code)?.name, m.name);
    const amox = ix.search('amox 250')[0]!;
    assert.equal(amox.code, '39732311000001104');
    assert.deepEqual(amox.unit, { code: '428641000', name: 'capsule' });
    assert.deepEqual(
      amox.packs.map((p) => p.quantity),
      [20],
    );
    const salbutamol = ix.byCode('39113611000001102')!;
    assert.deepEqual(salbutamol.unit, { code: '3317411000001100', name: 'dose' });
    assert.equal(ix.search('para sol')[0]?.name, 'Paracetamol 500mg soluble tablets');
  } finally {
    ix.close();
  }
});
