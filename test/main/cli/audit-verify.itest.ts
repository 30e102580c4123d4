// `scrip audit verify` against a real agent (headless: its audit key in the 0600 file store) after
// someone who can write scrip.db but not the key store cut the last entries off the log: the command
// exits 1 and names the first missing entry and the kind of fault (decision 0012).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startScrip, type ScripProcess } from '../../e2e/support/scrip-process';
import { noAgentEnv, scrip as runScrip } from '../../support/scrip-cli';

const NO_BUS = { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus', SCRIP_VIRTUAL_CARD: 'off' };
const keyDir = mkdtempSync(join(tmpdir(), 'scrip-audit-cli-'));
const running: ScripProcess[] = [];
after(async () => {
  for (const p of running) await p.stop();
  rmSync(keyDir, { recursive: true, force: true });
});

const scrip = (args: string[], env: Record<string, string>) => runScrip(args, { env: noAgentEnv(env) });

test("scrip audit verify: sealed under the key store's audit key; a cut tail exits 1 naming the entry and the fault", async () => {
  const keyFile = join(keyDir, 'admin.key');
  const agent = await startScrip(['agent', '--headless', '--admin-key-file', keyFile], NO_BUS);
  running.push(agent);
  const env = { ...NO_BUS, SCRIP_DATA_DIR: agent.dataDir, SCRIP_API_KEY: readFileSync(keyFile, 'utf8').trim() };
  for (const name of ['one', 'two', 'three']) {
    const r = await scrip(['api-key', 'create', '--name', name, '--scopes', 'read', '--json'], env);
    assert.equal(r.code, 0, `an audited action: ${r.stderr}`);
  }
  const good = await scrip(['audit', 'verify', '--json'], env);
  assert.equal(good.code, 0, `an untouched log verifies: ${good.stdout}${good.stderr}`);
  const v = JSON.parse(good.stdout) as { ok: boolean; entries: number; sealed: number; seals: string };
  assert.deepEqual(
    [v.ok, v.seals, v.sealed],
    [true, 'checked', v.entries],
    `every entry sealed and checked: ${good.stdout}`,
  );
  const secrets = readFileSync(join(agent.dataDir, 'secrets.json'), 'utf8');
  assert.match(secrets, /"audit-key:/, 'the audit key is in the key store (the file store here)');
  const key = (JSON.parse(secrets) as Record<string, string>)[`audit-key:${agent.dataDir}`]!;
  assert.ok(!readFileSync(join(agent.dataDir, 'scrip.db')).includes(key), 'and not in the database');

  // The stranger with write access to the database: drop the guard, cut the last two entries.
  const db = new Database(join(agent.dataDir, 'scrip.db'));
  db.exec('DROP TRIGGER audit_no_delete');
  const last = db.prepare('SELECT max(seq) FROM audit').pluck().get() as number;
  db.prepare('DELETE FROM audit WHERE seq >= ?').run(last - 1);
  db.close();

  const bad = await scrip(['audit', 'verify'], env);
  assert.equal(bad.code, 1, `a cut log fails the command: ${bad.stdout}${bad.stderr}`);
  assert.match(bad.stdout, /truncated/, `the kind of fault is named: ${bad.stdout}`);
  assert.match(
    bad.stdout,
    new RegExp(`entries ${last - 1}–${last} were cut off the end`),
    `and the entries: ${bad.stdout}`,
  );
});
