// The vpcd client against a fake vpcd (a loopback TCP server speaking vpcd's framing).
import { strict as assert } from 'node:assert';
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { fromHex, hex } from '../../../protocols/card';
import { PivCard } from '../../../sandbox/card/piv-card';
import { parseVpcdAddress, VpcdAttachment } from '../../../sandbox/card/vpcd-client';
import { newCard } from './fixture';

/** A fake vpcd: sends framed messages and reads framed answers, byte by byte if asked. */
class FakeVpcd {
  server: Server;
  sock: Socket | null = null;
  #buf = Buffer.alloc(0);
  #waiters: Array<(b: Buffer) => void> = [];
  constructor() {
    this.server = createServer((s) => {
      this.sock = s;
      s.on('data', (d: Buffer) => {
        this.#buf = Buffer.concat([this.#buf, d]);
        this.#drain();
      });
    });
  }
  async listen(): Promise<number> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return (this.server.address() as { port: number }).port;
  }
  #drain(): void {
    while (this.#buf.length >= 2 && this.#buf.length >= 2 + this.#buf.readUInt16BE(0) && this.#waiters.length) {
      const len = this.#buf.readUInt16BE(0);
      const msg = this.#buf.subarray(2, 2 + len);
      this.#buf = this.#buf.subarray(2 + len);
      this.#waiters.shift()!(msg);
    }
  }
  /** Sends one framed message split into single-byte writes (TCP may fragment anything). */
  async send(payload: Uint8Array, fragmented = false): Promise<void> {
    const frame = Buffer.concat([Buffer.from([payload.length >> 8, payload.length & 0xff]), payload]);
    if (!fragmented) {
      this.sock!.write(frame);
      return;
    }
    for (const b of frame) {
      this.sock!.write(Buffer.from([b]));
      await new Promise((r) => setImmediate(r));
    }
  }
  next(): Promise<Buffer> {
    return new Promise((resolve) => {
      this.#waiters.push(resolve);
      this.#drain();
    });
  }
  close(): Promise<void> {
    this.sock?.destroy();
    return new Promise((r) => this.server.close(() => r()));
  }
}

describe('vpcd client', { timeout: 20_000 }, () => {
  test('answers ATR requests and APDUs, with framing split anywhere', async () => {
    const vpcd = new FakeVpcd();
    const port = await vpcd.listen();
    const card = new PivCard(newCard());
    const att = new VpcdAttachment(card, { port, retryMs: 20 });
    await att.insert();
    assert.equal(att.inserted, true);
    await vpcd.send(Uint8Array.of(0x04));
    assert.equal(hex(await vpcd.next()), hex(card.atr));
    await vpcd.send(Uint8Array.of(0x01));
    await vpcd.send(Uint8Array.of(0x04)); // control bytes get no answer: sync on an ATR request
    await vpcd.next();
    assert.equal(card.powered, true);
    await vpcd.send(fromHex('00A4040009A0000003080000100000'), true);
    const r = await vpcd.next();
    assert.equal(hex(r.subarray(-2)), '9000');
    await vpcd.send(Uint8Array.of(0x00));
    await vpcd.send(Uint8Array.of(0x04)); // a control message after power off still works
    await vpcd.next();
    assert.equal(card.powered, false);
    const removed = once(att, 'removed');
    await att.remove();
    assert.deepEqual(await removed, [{ requested: true }]);
    await vpcd.close();
  });

  test('reconnects when vpcd drops the connection (pcscd restart), and clears volatile state', async () => {
    const vpcd = new FakeVpcd();
    const port = await vpcd.listen();
    const card = new PivCard(newCard());
    const att = new VpcdAttachment(card, { port, retryMs: 20 });
    await att.insert();
    await vpcd.send(fromHex('002000800831323334353636FFFF'.replace('353636', '3536')));
    assert.equal(hex((await vpcd.next()).subarray(-2)), '9000');
    const back = once(att, 'inserted');
    vpcd.sock!.destroy();
    await back;
    await vpcd.send(fromHex('00200080'));
    assert.equal(hex(await vpcd.next()), '63C3', 'PIN no longer verified after the reconnect');
    await att.remove();
    await vpcd.close();
  });

  test('parses HOST:PORT', () => {
    assert.deepEqual(parseVpcdAddress('127.0.0.1:35964'), { host: '127.0.0.1', port: 35964 });
    assert.deepEqual(parseVpcdAddress('[::1]:35963'), { host: '::1', port: 35963 });
    assert.throws(() => parseVpcdAddress('localhost'));
    assert.throws(() => parseVpcdAddress('h:70000'));
  });
});
