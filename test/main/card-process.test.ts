// The embedded virtual card's process, whoever starts it: CardSlot takes an injected spawner (so the
// Electron shell can use utilityProcess, main/electron/card-spawner.ts), and the bundled
// virtual-card.cjs that the utility process runs works under plain Node, without tsx or bin/scrip.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { spawn } from 'node:child_process';
import { createServer, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { CardSlot } from '../../main/embedded';
import { cardProcessOf, type CardProcessSpawner } from '../../main/card-process';
import { issueCard } from '../../sandbox/card/issue';
import { writeCardFile } from '../../sandbox/card/card-file';
import { openTestCa } from '../../sandbox/ca';

/** A stand-in for a child process (Node's or Electron's utility process): stdout, exit, kill. */
class FakeChild extends EventEmitter {
  readonly stdout = new PassThrough();
  killed = 0;
  kill(): boolean {
    this.killed++;
    setImmediate(() => this.emit('exit', 0));
    return true;
  }
}
const fakeChild = () => new FakeChild();

test('CardSlot starts the card through the injected spawner, waits for "inserted", and stops it on pull', async () => {
  const calls: Array<{ args: string[]; env: Record<string, string> }> = [];
  const children: Array<ReturnType<typeof fakeChild>> = [];
  const spawner: CardProcessSpawner = (args, env) => {
    calls.push({ args, env });
    const child = fakeChild();
    children.push(child);
    setImmediate(() => child.stdout.write('{"event":"inserted"}\n'));
    return cardProcessOf(child);
  };
  const slot = new CardSlot(40123, spawner);
  const started = Date.now();
  await slot.insert('/cards/a.json');
  assert.ok(Date.now() - started < 2000, 'insert resolved on the "inserted" line, not the 3 s fallback');
  assert.deepEqual(
    calls[0]!.args,
    ['--card', '/cards/a.json', '--vpcd', '127.0.0.1:40123'],
    'the card file and vpcd address are passed',
  );
  assert.equal(calls[0]!.env.SCRIP_CARD_PARENT_PID, String(process.pid), 'the card leaves the reader when Scrip goes');
  assert.equal(slot.process?.running, true, 'the card process is running');
  await slot.insert('/cards/b.json');
  assert.equal(children[0]!.killed, 1, 'inserting another card took the first out');
  await slot.pull();
  assert.equal(children[1]!.killed, 1, "pull stops the card's process");
  assert.equal(slot.process, null, 'the slot is empty');
});

test('the bundled virtual-card.cjs (what the utility process runs) inserts the card into vpcd under plain Node and removes it on SIGTERM', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'scrip-card-entry-'));
  // Bundled as scripts/build-electron.mjs bundles it (CommonJS, import.meta.url defined).
  assert.match(
    readFileSync('scripts/build-electron.mjs', 'utf8'),
    /sandbox\/card\/virtual-entry\.ts.*virtual-card\.cjs/,
    'the Electron build bundles the entry',
  );
  const entry = join(dir, 'virtual-card.cjs');
  await build({
    entryPoints: ['sandbox/card/virtual-entry.ts'],
    outfile: entry,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'silent',
    external: ['smartcard', 'better-sqlite3', '@napi-rs/keyring', 'pkcs11js'],
    banner: { js: "const __scrip_import_meta_url = require('node:url').pathToFileURL(__filename).href;" },
    define: { 'import.meta.url': '__scrip_import_meta_url' },
  });
  const ca = openTestCa(join(dir, 'ca'));
  const card = join(dir, 'card.json');
  writeCardFile(
    card,
    issueCard({ userId: '555086689106', displayName: 'DR CLARE BOIN', pin: '123456', puk: '12345678', ca }).card,
  );
  // vpcd's side of the socket: the card is "inserted" once it connects.
  const sockets: Socket[] = [];
  const vpcd = createServer((s) => sockets.push(s));
  await new Promise<void>((r) => vpcd.listen(0, '127.0.0.1', () => r()));
  const port = (vpcd.address() as { port: number }).port;
  // Utility processes put their own arguments first; the entry reads from --card on.
  const child = spawn(process.execPath, [entry, '--type=utility', '--card', card, '--vpcd', `127.0.0.1:${port}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const lines: string[] = [];
    const rl = createInterface({ input: child.stdout! });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no "inserted" within 10 s; stdout: ${lines.join('|')}`)),
        10_000,
      );
      rl.on('line', (l) => {
        lines.push(l);
        if (l.includes('"inserted"')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    assert.equal(sockets.length, 1, 'the card connected to vpcd');
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0, 'SIGTERM takes the card out and ends the process cleanly');
    assert.ok(
      lines.some((l) => l.includes('"removed"')),
      `it says the card was removed: ${lines.join('|')}`,
    );
  } finally {
    child.kill('SIGKILL');
    vpcd.close();
    for (const s of sockets) s.destroy();
  }
});
