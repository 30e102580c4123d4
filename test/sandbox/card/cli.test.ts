import { strict as assert } from 'node:assert';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runCardCli } from '../../../sandbox/card/cli';
import { readCardFile } from '../../../sandbox/card/card-file';

function io() {
  const out: string[] = [],
    err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
}

describe('scrip card issue', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scrip-card-cli-'));

  test('issues a card file with certificates from the CA and never echoes the PIN', async () => {
    const c = io();
    const code = await runCardCli(
      [
        'issue',
        '--user',
        '123412341234',
        '--name',
        'Dr Cli Test',
        '--pin',
        '24681357',
        '--out',
        join(dir, 'card.json'),
        '--ca-dir',
        join(dir, 'ca'),
      ],
      c.io,
    );
    assert.equal(code, 0, c.err.join('\n'));
    const line = JSON.parse(c.out[0]!) as { puk: string; authCertificateSerial: string };
    assert.match(line.puk, /^\d{8}$/);
    assert.ok(!c.out.join('').includes('24681357'), "!c.out.join('').includes('24681357')");
    const card = readCardFile(join(dir, 'card.json'));
    assert.equal(card.holder.userId, '123412341234');
    assert.equal(
      new X509Certificate(Buffer.from(card.keys['9a'].certificateDer, 'hex')).serialNumber,
      line.authCertificateSerial,
    );
    assert.ok(
      !readFileSync(join(dir, 'card.json'), 'utf8').includes('24681357'),
      'the PIN is stored only as a salted hash',
    );
    assert.match(card.warning, /TEST card/);
  });

  test('refuses to overwrite, bad ids and bad PINs, with exit code 2', async () => {
    for (const args of [
      [
        '--user',
        '123412341234',
        '--name',
        'X',
        '--pin',
        '24681357',
        '--out',
        join(dir, 'card.json'),
        '--ca-dir',
        join(dir, 'ca'),
      ],
      [
        '--user',
        '1234',
        '--name',
        'X',
        '--pin',
        '24681357',
        '--out',
        join(dir, 'c2.json'),
        '--ca-dir',
        join(dir, 'ca'),
      ],
      [
        '--user',
        '123412341234',
        '--name',
        'X',
        '--pin',
        '1234',
        '--out',
        join(dir, 'c3.json'),
        '--ca-dir',
        join(dir, 'ca'),
      ],
      ['--user', '123412341234', '--bogus'],
    ]) {
      const c = io();
      assert.equal(await runCardCli(['issue', ...args], c.io), 2, args.join(' '));
      assert.ok(c.err.length > 0, 'c.err.length > 0');
    }
    assert.equal(await runCardCli(['frobnicate'], io().io), 2);
  });
});

describe('scrip card virtual', () => {
  test('connects to vpcd, prints one JSON line when inserted, and removes the card on stop', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scrip-card-virtual-'));
    const c = io();
    assert.equal(
      await runCardCli(
        [
          'issue',
          '--user',
          '123412341234',
          '--name',
          'V',
          '--pin',
          '123456',
          '--puk',
          '12345678',
          '--out',
          join(dir, 'card.json'),
          '--ca-dir',
          join(dir, 'ca'),
        ],
        c.io,
      ),
      0,
    );
    let closed!: () => void;
    const socketClosed = new Promise<void>((r) => {
      closed = r;
    });
    const server = createServer((s) => {
      s.on('close', () => closed());
      s.write(Buffer.from([0, 1, 0x04])); // get ATR
      s.once('data', (d: Buffer) => {
        atr = d.subarray(2).toString('hex').toUpperCase();
        stop();
      });
    });
    let atr = '';
    let stop!: () => void;
    const stopSignal = new Promise<void>((r) => {
      stop = r;
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as { port: number }).port;
    const v = io();
    const code = await runCardCli(['virtual', '--card', join(dir, 'card.json'), '--vpcd', `127.0.0.1:${port}`], {
      ...v.io,
      stopSignal,
    });
    await socketClosed;
    server.close();
    assert.equal(code, 0);
    assert.equal(atr, '3B88800153637269705049561D');
    assert.equal(JSON.parse(v.out[0]!).event, 'inserted');
    assert.equal(JSON.parse(v.out.at(-1)!).event, 'removed');
  });
});
