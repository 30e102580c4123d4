// dm+d: import time of a full-size synthetic release (~20k VMPs / ~80k AMPs, real file names and
// element structure) and search latency per keystroke over it. Target: p95 under 20 ms.
import { performance } from 'node:perf_hooks';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSyntheticRelease, writeSyntheticReleaseZip } from '../main/prescribing/dmd/synthetic';
import { importDmdRelease } from '../main/prescribing/dmd/import';
import { MedicineIndex } from '../main/prescribing/dmd/search';
import { percentile, round } from './_stats';
import type { Figure } from './run';

const typed = [
  'amoxicillin 500',
  'paracetamol 500mg soluble',
  'co-codamol 30/500',
  'chloramphenicol 0.5% eye drops',
  'salbutamol 100micrograms/dose',
  'morphine 10mg modified',
];
const prefixes = [
  'a',
  'am',
  'amo',
  'p',
  'pa',
  'par',
  'c',
  'co',
  'me',
  'met',
  'metf',
  's',
  'si',
  'sim',
  'ator',
  'ome',
  'ram',
  'lev',
  'pred',
  'ibu',
  'tab',
  'caps',
  '5',
  '50',
  '500',
  '10mg',
  '0.5%',
  'cream',
  'oral sol',
];

export async function run(): Promise<Figure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'scrip-bench-dmd-'));
  try {
    const rel = generateSyntheticRelease({ vmps: 20_000, ampsPerVmp: 4 });
    const zip = join(dir, 'nhsbsa_dmd_11.1.0_20251110000001.zip');
    writeSyntheticReleaseZip(zip, rel);
    const db = join(dir, 'dmd.db');
    const t0 = performance.now();
    const summary = await importDmdRelease(db, zip);
    const importMs = performance.now() - t0;
    const ix = new MedicineIndex(db);
    const samples: number[] = [];
    const typing: number[] = [];
    try {
      for (let round_ = 0; round_ < 5; round_++) {
        for (const word of typed) {
          for (let i = 1; i <= word.length; i++) {
            const s = performance.now();
            ix.search(word.slice(0, i), { limit: 20 });
            const ms = performance.now() - s;
            samples.push(ms);
            if (word === 'amoxicillin 500') typing.push(ms);
          }
        }
        for (const p of prefixes) {
          const s = performance.now();
          ix.search(p, { limit: 20 });
          samples.push(performance.now() - s);
        }
      }
    } finally {
      ix.close();
    }
    return [
      { name: 'synthetic release VMPs', value: rel.vmps.length, unit: 'count' },
      { name: 'synthetic release AMPs', value: rel.amps.length, unit: 'count' },
      { name: 'synthetic release AMPPs', value: rel.ampps.length, unit: 'count' },
      { name: 'release zip size', value: round(statSync(zip).size / 1e6, 1), unit: 'MB' },
      { name: 'import full-size release', value: round(importMs / 1000, 2), unit: 's' },
      { name: 'searchable products', value: summary.counts.medicine ?? 0, unit: 'count' },
      { name: 'database size', value: round(statSync(db).size / 1e6, 1), unit: 'MB' },
      { name: 'keystroke "amoxicillin 500" p50', value: round(percentile(typing, 50)), unit: 'ms' },
      { name: 'keystroke "amoxicillin 500" p95', value: round(percentile(typing, 95)), unit: 'ms' },
      {
        name: 'keystroke all p50',
        value: round(percentile(samples, 50)),
        unit: 'ms',
        note: `${samples.length} searches`,
      },
      { name: 'keystroke all p95', value: round(percentile(samples, 95)), unit: 'ms', note: 'target < 20 ms' },
      { name: 'keystroke all max', value: round(Math.max(...samples)), unit: 'ms' },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
