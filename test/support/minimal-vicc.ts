// The smallest card vpcd accepts: answers power/reset/ATR control messages and every APDU with
// 6D00 (instruction not supported). Connecting inserts it; `remove()` pulls it out.
import { connect, type Socket } from 'node:net';

export interface MinimalCard {
  atr: string;
  remove(): Promise<void>;
}

export function insertMinimalCard(port = 35963, atrHex = '3B8880010000000000000000'): Promise<MinimalCard> {
  const atr = Buffer.from(atrHex, 'hex');
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    const frame = (payload: Buffer) => {
      const h = Buffer.alloc(2);
      h.writeUInt16BE(payload.length);
      if (!socket.destroyed) socket.write(Buffer.concat([h, payload]));
    };
    socket.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const len = buf.readUInt16BE(0);
        const msg = buf.subarray(2, 2 + len);
        buf = buf.subarray(2 + len);
        if (len === 1) {
          if (msg[0] === 0x04) frame(atr);
        } else frame(Buffer.from([0x6d, 0x00]));
      }
    });
    socket.once('error', reject);
    socket.once('connect', () =>
      resolve({
        atr: atrHex.toUpperCase(),
        remove: () =>
          new Promise<void>((res) => {
            socket.once('close', () => res());
            socket.end();
            socket.destroy();
          }),
      }),
    );
  });
}
