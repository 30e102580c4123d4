// The audit log's cost per entry and per verify, unkeyed and sealed (decision 0012): what the HMAC,
// the anchor file and the checks add to each audited action. Real SQLite (WAL, synchronous=FULL) in
// a temp directory; the key store is in memory (its one read is cached, so it is not per entry).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../main/store/database';
import { AuditLog } from '../main/store/audit';
import { AuditKey } from '../main/store/audit-key';
import { memoryKeychain } from '../native/keychain/keychain';
import type { Figure } from './run';

const ENTRIES = 2000;

function measure(keyed: boolean): { appendUs: number; verifyMs: number } {
  const dir = mkdtempSync(join(tmpdir(), 'scrip-bench-audit-'));
  const db = openDatabase(join(dir, 'scrip.db'));
  const kc = memoryKeychain();
  const log = keyed
    ? new AuditLog(db, { key: new AuditKey(() => kc, 'bench'), anchorPath: join(dir, 'audit-head.json') })
    : new AuditLog(db);
  for (let i = 0; i < 100; i++) log.append('bench', 'warm-up', { i });
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < ENTRIES; i++) log.append('bench', 'thing.done', { i, detail: 'an audited action' });
  const appendUs = Number(process.hrtime.bigint() - t0) / ENTRIES / 1000;
  const t1 = process.hrtime.bigint();
  if (!log.verify().ok) throw new Error('the benchmark log does not verify');
  const verifyMs = Number(process.hrtime.bigint() - t1) / 1e6;
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return { appendUs, verifyMs };
}

export async function run(): Promise<Figure[]> {
  const plain = measure(false),
    sealed = measure(true);
  const n = ENTRIES + 100;
  return [
    {
      name: 'audit append, unkeyed chain',
      value: Math.round(plain.appendUs),
      unit: 'µs',
      note: 'synchronous=FULL: one fsync per entry dominates',
    },
    {
      name: 'audit append, sealed + anchored',
      value: Math.round(sealed.appendUs),
      unit: 'µs',
      note: 'HMAC, seal checks and the 0600 anchor file rewritten per entry',
    },
    { name: `audit verify, ${n} entries unkeyed`, value: Math.round(plain.verifyMs), unit: 'ms' },
    { name: `audit verify, ${n} entries sealed`, value: Math.round(sealed.verifyMs), unit: 'ms' },
  ];
}
