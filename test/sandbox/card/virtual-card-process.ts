// Child process for integration tests: serves a virtual card on a vpcd slot, driven by IPC
// messages. The card must not live in the process that calls PC/SC: the `smartcard` binding's
// synchronous calls (disconnect, listReaders) can wait on pcscd while pcscd waits on the card,
// which would then be stuck behind the blocked event loop.
import { readCardFile, writeCardFile } from '../../../sandbox/card/card-file';
import { PivCard } from '../../../sandbox/card/piv-card';
import { VpcdAttachment, type VpcdCard } from '../../../sandbox/card/vpcd-client';

export type ChildRequest = { id: number; op: 'insert' | 'remove' | 'pull-on-next-sign' | 'stats' };
export type ChildReply =
  { id: number; ok: true; stats?: { rawSignMs: number[]; apdus: number } } | { id: number; ok: false; error: string };

const [path, portText] = process.argv.slice(2);
if (!path || !portText) throw new Error('usage: virtual-card-process <card.json> <port>');
const card = new PivCard(readCardFile(path), (f) => writeCardFile(path, f));
let pull = false;
const rawSignMs: number[] = [];
const wrapped: VpcdCard = {
  get atr() {
    return card.atr;
  },
  powerOn: () => card.powerOn(),
  powerOff: () => card.powerOff(),
  reset: () => card.reset(),
  transmit(apdu) {
    const finalSign = apdu[1] === 0x87 && (apdu[0]! & 0x10) === 0;
    if (pull && finalSign) {
      pull = false;
      void attachment.remove(); // the answer goes to a closed socket: the card was pulled mid-command
    }
    const t0 = performance.now();
    const r = card.transmit(apdu);
    if (finalSign) rawSignMs.push(performance.now() - t0);
    return r;
  },
};
// `wrapped` refers to `attachment` only when called, after this line has run.
const attachment = new VpcdAttachment(wrapped, { port: Number(portText), retryMs: 100 });

process.on('message', (m: ChildRequest) => {
  const reply = (r: ChildReply) => process.send?.(r);
  const run = async (): Promise<ChildReply> => {
    switch (m.op) {
      case 'insert':
        await attachment.insert();
        return { id: m.id, ok: true };
      case 'remove':
        await attachment.remove();
        return { id: m.id, ok: true };
      case 'pull-on-next-sign':
        pull = true;
        return { id: m.id, ok: true };
      case 'stats':
        return { id: m.id, ok: true, stats: { rawSignMs: rawSignMs.splice(0), apdus: card.apduCount } };
    }
  };
  run().then(reply, (e: unknown) => reply({ id: m.id, ok: false, error: String(e) }));
});
process.on('disconnect', () => {
  void attachment.remove().then(() => process.exit(0));
});
process.send?.({ id: 0, ok: true });
