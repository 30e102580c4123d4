// The audit log against someone who can write the database but not the key store (decision 0012):
// they open scrip.db with SQLite, drop the append-only triggers, and edit. Each test plays one such
// edit and expects `verify` to name the first bad entry and the kind of fault.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openDatabase } from '../../../main/store/database';
import { AuditLog } from '../../../main/store/audit';
import { AuditKey } from '../../../main/store/audit-key';
import { createRegistry } from '../../../main/commands';
import { invokeCommand } from '../../../main/commands/invoke';
import type { Services } from '../../../main/services';
import { KeychainUnavailableError, memoryKeychain, type Keychain } from '../../../native/keychain/keychain';

const GENESIS = '0'.repeat(64);

function setup(keychain: Keychain = memoryKeychain()) {
  const dir = mkdtempSync(join(tmpdir(), 'scrip-audit-'));
  const file = join(dir, 'scrip.db');
  const anchorPath = join(dir, 'audit-head.json');
  const open = (kc: () => Keychain = () => keychain) => {
    const db = openDatabase(file);
    return { db, log: new AuditLog(db, { key: new AuditKey(kc, `audit-key:${dir}`), anchorPath }) };
  };
  return { dir, file, anchorPath, open, keychain };
}

function write(log: AuditLog, n: number): void {
  for (let i = 1; i <= n; i++) log.append('test', 'thing.done', { i });
}

/** The attacker's handle on the database: the triggers dropped, the unkeyed chain recomputable. */
function tamper(file: string, edit: (db: Database.Database) => void): void {
  const db = new Database(file);
  db.exec('DROP TRIGGER IF EXISTS audit_no_update; DROP TRIGGER IF EXISTS audit_no_delete;');
  edit(db);
  db.close();
}

/** Recomputes every entry's SHA-256 link from `fromSeq` on, as anyone can (the algorithm is public). */
function rechainHashes(db: Database.Database): void {
  let prev = GENESIS;
  for (const r of db.prepare('SELECT * FROM audit ORDER BY seq').all() as Array<Record<string, string | number>>) {
    const hash = createHash('sha256')
      .update(JSON.stringify([prev, r.at, r.actor, r.action, r.detail]))
      .digest('hex');
    db.prepare('UPDATE audit SET prev_hash = ?, hash = ? WHERE seq = ?').run(prev, hash, r.seq);
    prev = hash;
  }
}

test('a keyed log verifies, every entry sealed, and its head is anchored in a 0600 file', () => {
  const s = setup();
  const { db, log } = s.open();
  write(log, 5);
  const v = log.verify();
  assert.equal(v.ok, true, `a fresh log verifies: ${JSON.stringify(v)}`);
  assert.equal(v.seals, 'checked', 'the seals were checked with the key');
  assert.equal(v.sealed, 5, 'all five entries are sealed');
  const anchor = JSON.parse(readFileSync(s.anchorPath, 'utf8')) as { seq: number };
  assert.equal(anchor.seq, 5, 'the anchor names the last entry');
  assert.equal(statSync(s.anchorPath).mode & 0o777, 0o600, "the anchor file is the user's only");
  assert.ok(
    !readFileSync(s.anchorPath, 'utf8').includes(s.keychain.get(`audit-key:${s.dir}`)!),
    'the key itself is not in the anchor',
  );
  db.close();
});

test('deleting an entry and re-chaining the rest fails verify: the first re-chained entry has a bad seal', () => {
  const s = setup();
  const { db, log } = s.open();
  write(log, 6);
  db.close();
  // Delete entry 3, renumber the rest so there is no gap, recompute the public hash chain.
  tamper(s.file, (d) => {
    d.prepare('DELETE FROM audit WHERE seq = 3').run();
    for (const seq of [4, 5, 6]) d.prepare('UPDATE audit SET seq = ? WHERE seq = ?').run(seq - 1, seq);
    rechainHashes(d);
  });
  const again = s.open();
  const v = again.log.verify();
  assert.equal(v.ok, false, 'a re-chained log must fail');
  assert.equal(v.fault?.kind, 'bad-seal', `the fault is a bad seal: ${JSON.stringify(v.fault)}`);
  assert.equal(v.fault?.seq, 3, "the first bad entry is the one re-chained into the deleted one's place");
  // Writing on does not launder it: the next entry is not sealed over the damage.
  again.log.append('test', 'thing.after');
  const after = again.log.verify();
  assert.equal(after.ok, false, 'still failing after a new entry');
  assert.equal(after.fault?.seq, 3, `still names entry 3: ${JSON.stringify(after.fault)}`);
  again.db.close();
});

test('deleting an entry, re-chaining and removing the seals fails verify too', () => {
  const s = setup();
  const { db, log } = s.open();
  write(log, 6);
  db.close();
  tamper(s.file, (d) => {
    d.prepare('DELETE FROM audit WHERE seq = 3').run();
    for (const seq of [4, 5, 6]) d.prepare('UPDATE audit SET seq = ? WHERE seq = ?').run(seq - 1, seq);
    d.prepare('UPDATE audit SET mac = NULL WHERE seq >= 3').run();
    rechainHashes(d);
  });
  const again = s.open();
  const v = again.log.verify();
  assert.equal(v.ok, false, 'unsealing the re-chained entries must not pass');
  assert.equal(
    v.fault?.kind,
    'truncated',
    `the anchored head (6) is past the log's end (5): ${JSON.stringify(v.fault)}`,
  );
  // The next entry must not seal the edited ones (that would vouch for the edit).
  again.log.append('test', 'thing.after');
  assert.equal(again.log.verify().ok, false, 'the edit stays visible after a new entry');
  assert.equal(
    again.log.list({ limit: 10 }).filter((e) => e.mac).length,
    2,
    'nothing was sealed on top of a head that is not the anchored one',
  );
  again.db.close();
});

test('a gap in the sequence fails verify, naming the entry after it', () => {
  const s = setup();
  const { db, log } = s.open();
  write(log, 5);
  db.close();
  tamper(s.file, (d) => d.prepare('DELETE FROM audit WHERE seq = 3').run());
  const again = s.open();
  const v = again.log.verify();
  assert.equal(v.ok, false, 'a gap must fail');
  assert.equal(v.fault?.kind, 'gap', `the fault is a gap: ${JSON.stringify(v.fault)}`);
  assert.equal(v.fault?.seq, 4, 'named at the entry after the gap');
  assert.match(v.fault?.message ?? '', /entry 3 before this one is missing/, 'the message says which entry is missing');
  again.db.close();
});

test('cutting entries off the end fails verify, and the next entry leaves a gap rather than reuse their numbers', () => {
  const s = setup();
  const { db, log } = s.open();
  write(log, 5);
  db.close();
  tamper(s.file, (d) => d.prepare('DELETE FROM audit WHERE seq >= 4').run());
  const again = s.open();
  const v = again.log.verify();
  assert.equal(v.ok, false, 'a cut tail must fail');
  assert.equal(v.fault?.kind, 'truncated', `the fault is truncation: ${JSON.stringify(v.fault)}`);
  assert.equal(v.fault?.seq, 4, 'the first missing entry is named');
  assert.match(v.fault?.message ?? '', /entries 4–5 were cut off the end/, 'the message says which entries');
  const next = again.log.append('test', 'thing.after');
  assert.equal(next.seq, 6, 'the cut numbers are not reused');
  assert.equal(again.log.verify().fault?.kind, 'gap', 'the cut now shows as a gap');
  again.db.close();
});

test('the anchor file cannot be rolled back or removed unnoticed', () => {
  const s = setup();
  const { db, log } = s.open();
  write(log, 3);
  const entry2 = log.list({ limit: 10 }).find((e) => e.seq === 2)!;
  // Pointing the anchor at an earlier real entry needs the key for its tag.
  writeFileSync(s.anchorPath, JSON.stringify({ seq: 2, mac: entry2.mac, tag: 'f'.repeat(64) }));
  assert.equal(log.verify().fault?.kind, 'anchor-forged', 'a hand-written anchor is refused');
  rmSync(s.anchorPath);
  const v = log.verify();
  assert.equal(v.fault?.kind, 'anchor-missing', `a removed anchor is a fault: ${JSON.stringify(v.fault)}`);
  assert.equal(v.fault?.seq, 3, 'named at the last sealed entry');
  db.close();
});

test('an old unkeyed log is sealed on the first entry written with the key, and an audit.sealed entry says so', () => {
  const s = setup();
  const plain = openDatabase(s.file);
  write(new AuditLog(plain), 3); // written by a version without keying
  plain.close();
  const { db, log } = s.open();
  log.append('test', 'thing.keyed');
  const entries = log.list({ limit: 10 }).reverse();
  assert.deepEqual(
    entries.map((e) => e.action),
    ['thing.done', 'thing.done', 'thing.done', 'audit.sealed', 'thing.keyed'],
    'the migration is an entry of its own',
  );
  assert.deepEqual(
    entries[3]!.detail,
    { from: 1, to: 3, why: 'written before the audit log was keyed' },
    'it names the range and why',
  );
  const v = log.verify();
  assert.equal(v.ok, true, `the migrated log verifies: ${JSON.stringify(v)}`);
  assert.equal(v.sealed, 5, 'every entry, old ones included, is sealed');
  db.close();
  // After the migration, editing an old entry and re-chaining is caught like any other.
  tamper(s.file, (d) => {
    d.prepare('UPDATE audit SET detail = ? WHERE seq = 2').run('{"i":99}');
    rechainHashes(d);
  });
  const again = s.open();
  assert.deepEqual(
    [again.log.verify().fault?.kind, again.log.verify().fault?.seq],
    ['bad-seal', 2],
    'the edited old entry is named',
  );
  again.db.close();
});

test('with no key store the log goes on unsealed, says the seals were not checked, and is sealed when the store answers', () => {
  const s = setup();
  const kc = s.keychain;
  let up = false;
  const flaky = (): Keychain => {
    if (!up) throw new KeychainUnavailableError('no Secret Service (test)');
    return kc;
  };
  const first = s.open(flaky);
  write(first.log, 2);
  const v = first.log.verify();
  assert.equal(v.ok, true, 'nothing is wrong with the entries themselves');
  assert.equal(v.seals, 'not-checked', 'but the seals could not be checked');
  assert.match(v.note ?? '', /not available: .*no Secret Service/, `the note says why: ${v.note}`);
  assert.equal(v.unsealed, 2, 'both entries are waiting for their seal');
  first.db.close();
  up = true;
  const second = s.open(flaky); // a new AuditKey: no remembered failure
  second.log.append('test', 'thing.later');
  const sealedEntry = second.log.list({ action: 'audit.sealed' })[0];
  assert.equal(
    sealedEntry?.detail.why,
    'written before the audit log was keyed',
    'the waiting entries were sealed in order',
  );
  assert.deepEqual(
    [second.log.verify().ok, second.log.verify().sealed],
    [true, 4],
    'and then the whole log verifies sealed',
  );
  second.db.close();
});

test('a key that vanished from the key store is reported, never quietly replaced', () => {
  const s = setup();
  const { db, log } = s.open();
  write(log, 2);
  db.close();
  s.keychain.delete(`audit-key:${s.dir}`);
  const again = s.open();
  again.log.append('test', 'thing.after');
  assert.equal(s.keychain.get(`audit-key:${s.dir}`), null, 'no new key was made over sealed entries');
  const v = again.log.verify();
  assert.equal(v.seals, 'not-checked', 'the seals cannot be checked');
  assert.match(v.note ?? '', /no longer in/, `the note says the key is gone: ${v.note}`);
  again.db.close();
});

test('an unkeyed log (no key store given) still catches a changed entry and a gap', () => {
  const db = openDatabase(':memory:');
  const log = new AuditLog(db);
  write(log, 4);
  assert.equal(log.verify().seals, 'not-keyed', 'an unkeyed log says so');
  db.exec('DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;');
  db.prepare('UPDATE audit SET detail = ? WHERE seq = 2').run('{"i":7}');
  assert.deepEqual([log.verify().fault?.kind, log.verify().fault?.seq], ['changed', 2], 'a changed entry is named');
  db.prepare('DELETE FROM audit WHERE seq = 4').run();
  db.prepare('DELETE FROM audit WHERE seq = 1').run();
  assert.deepEqual(
    [log.verify().fault?.kind, log.verify().fault?.seq],
    ['gap', 2],
    'a missing first entry is a gap too',
  );
  db.close();
});

test('the append-only triggers allow sealing an entry once and nothing else', () => {
  const db = openDatabase(':memory:');
  const log = new AuditLog(db);
  write(log, 1);
  assert.throws(
    () => db.prepare('UPDATE audit SET actor = ? WHERE seq = 1').run('someone'),
    /append-only/,
    'content cannot change',
  );
  db.prepare('UPDATE audit SET mac = ? WHERE seq = 1').run('a'.repeat(64));
  assert.throws(
    () => db.prepare('UPDATE audit SET mac = ? WHERE seq = 1').run('b'.repeat(64)),
    /append-only/,
    'a seal cannot change',
  );
  assert.throws(() => db.prepare('DELETE FROM audit WHERE seq = 1').run(), /append-only/, 'entries cannot be deleted');
  db.close();
});

test('the audit.verify command (scrip audit verify, POST /audit/verification) names the first bad entry and the kind of fault, and exits 1', async () => {
  const s = setup();
  const { db, log } = s.open();
  write(log, 4);
  db.close();
  tamper(s.file, (d) => d.prepare('DELETE FROM audit WHERE seq = 2').run());
  const again = s.open();
  const registry = createRegistry();
  const out = (await invokeCommand(
    registry,
    { audit: again.log } as unknown as Services,
    'audit.verify',
    {},
    { kind: 'cli', scopes: new Set(['read']), label: 'test' },
  )) as { ok: boolean; fault?: { seq: number; kind: string } };
  assert.deepEqual(
    [out.ok, out.fault?.seq, out.fault?.kind],
    [false, 3, 'gap'],
    `the command's answer names the entry and the fault: ${JSON.stringify(out)}`,
  );
  assert.equal(registry.get('audit.verify')?.cli?.exitOn, 'ok', 'the CLI exits 1 when ok is false');
  again.db.close();
});
