// medicines.import runs in a worker thread: while a sizeable release is parsed, the API keeps
// answering quickly (search still uses the old list), progress arrives as events, and at the end
// search uses the new release. A broken zip fails clearly and leaves the old list in place.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startTestApp } from '../../../support/test-app';
import { generateSyntheticRelease, writeSyntheticReleaseZip } from '../../../../main/prescribing/dmd/synthetic';
import { subsetPath } from '../../../../main/prescribing/dmd/subset';

test('the bundled subset is found from the source tree and from dist/electron (the CommonJS bundle)', () => {
  const p = subsetPath();
  assert.match(p, /data\/dmd\/subset\.json$/);
  assert.equal(subsetPath(join(p, '..', '..', '..', 'dist', 'electron')), p);
});

test('the API answers while a dm+d release imports in a worker; progress is evented; then search uses it', async () => {
  const t = await startTestApp();
  try {
    const zip = join(t.dataDir, 'release.zip');
    writeSyntheticReleaseZip(zip, generateSyntheticRelease({ vmps: 4000, ampsPerVmp: 4, seed: 7 }));
    const call = async (path: string, init: RequestInit = {}) => {
      const res = await fetch(`${t.server.url}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${t.adminKey}`, 'content-type': 'application/json', ...(init.headers ?? {}) },
      });
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    };
    const before = await call('/medicines?q=amox');
    assert.equal((before.json.release as { subset: boolean }).subset, true);

    const progress: string[] = [];
    const off = t.app.services.events.subscribe((e) => {
      if (e.type === 'medicines.import') progress.push(e.data.phase);
    });
    const started = performance.now();
    const importing = call('/medicines/import', { method: 'POST', body: JSON.stringify({ zip }) });
    // While it runs: every answer comes quickly and from the old list.
    const latencies: number[] = [];
    let during = 0;
    while (t.app.services.medicines.importing || during === 0) {
      const t0 = performance.now();
      const r = await call('/medicines?q=para');
      latencies.push(performance.now() - t0);
      assert.equal(r.status, 200);
      if (t.app.services.medicines.importing) {
        during++;
        assert.equal((r.json.release as { subset: boolean }).subset, true);
      }
      const st = await call('/status');
      assert.equal(st.status, 200);
      await new Promise((r2) => setTimeout(r2, 20));
      if (performance.now() - started > 120_000) break;
    }
    const done = await importing;
    off();
    assert.equal(done.status, 200, JSON.stringify(done.json));
    const importMs = performance.now() - started;
    assert.ok(during >= 3, `the API answered ${during} times during a ${Math.round(importMs)} ms import`);
    latencies.sort((a, b) => a - b);
    assert.ok(
      latencies[Math.floor(latencies.length * 0.95)]! < 250,
      `p95 ${latencies[Math.floor(latencies.length * 0.95)]} ms while importing`,
    );
    assert.ok(
      progress.includes('start') && progress.includes('file') && progress.at(-1) === 'done',
      progress.join(','),
    );
    const after = await call('/medicines?q=a');
    assert.equal((after.json.release as { subset: boolean }).subset, false);

    // A second import while one runs is refused; a broken zip fails clearly and changes nothing.
    const bad = join(t.dataDir, 'bad.zip');
    writeFileSync(bad, 'not a zip');
    const broken = await call('/medicines/import', { method: 'POST', body: JSON.stringify({ zip: bad }) });
    assert.equal(broken.status, 400, JSON.stringify(broken.json));
    assert.match(String(broken.json.message), /zip|dm\+d/i);
    const still = await call('/medicines?q=a');
    assert.equal(
      (still.json.release as { releaseVersion: string }).releaseVersion,
      (after.json.release as { releaseVersion: string }).releaseVersion,
    );
  } finally {
    await t.close();
  }
});
