// Integration harness: a virtual card from sandbox/card behind pcscd's vpcd driver, plus waiting
// for pcscd to see it (PC/SC waitForChange, no sleeps). Slot 35964 = "Virtual PCD 00 01", so
// these tests do not collide with the reader tests on 35963.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ContextInterface, ReaderState } from 'smartcard';
import { writeCardFile, readCardFile, type CardFile } from '../../../sandbox/card/card-file';
import { PivCard } from '../../../sandbox/card/piv-card';
import { VpcdAttachment, type VpcdCard } from '../../../sandbox/card/vpcd-client';

const require = createRequire(import.meta.url);
const pcsc = require('smartcard') as { Context: new () => ContextInterface };

export const VPCD_PORT = 35964;
export const READER = 'Virtual PCD 00 01';
const PRESENT = 0x20;

export const run = promisify(execFile);

/** Starts pcscd when it is not running (needs root; in CI it is started by the setup script). */
export function ensurePcscd(): void {
  try {
    execFileSync('pgrep', ['-x', 'pcscd'], { stdio: 'ignore' });
  } catch {
    execFileSync('pcscd');
  }
}

/** Waits (PC/SC events, bounded) until `reader` shows a card (`present`) or none. */
export async function waitForReader(reader: string, present: boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    let ctx: ContextInterface | null = null;
    try {
      ctx = new pcsc.Context();
      let states: ReaderState[] = ctx.listReaders().filter((r) => r.name === reader).map((r) => ({ name: r.name, state: r.state, changed: false, atr: r.atr }));
      for (;;) {
        const s = states[0];
        if (s && ((s.state & PRESENT) !== 0) === present) return;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`timed out waiting for ${reader} present=${present}`);
        const next = await ctx.waitForChange(states.length ? states : undefined, Math.min(left, 1000));
        if (next && next.length) states = next.filter((r) => r.name === reader);
        else if (!states.length) break; // reader not listed yet: list again
      }
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 100)); // pcscd restarting: bounded retry
    } finally {
      try { ctx?.close(); } catch { /* gone */ }
    }
  }
}

export interface VirtualCardHandle {
  path: string;
  card: PivCard;
  attachment: VpcdAttachment;
  /** Set to make the next GENERAL AUTHENTICATE pull the card out before answering. */
  pullOnNextSign: boolean;
  file(): CardFile;
  insert(): Promise<void>;
  remove(): Promise<void>;
}

/** Writes `file` to a temp path and inserts the card into vpcd slot 35964. */
export async function insertVirtualCard(file: CardFile): Promise<VirtualCardHandle> {
  ensurePcscd();
  const path = join(mkdtempSync(join(tmpdir(), 'scrip-vcard-')), 'card.json');
  writeCardFile(path, file);
  const card = new PivCard(file, (f) => writeCardFile(path, f));
  const handle: VirtualCardHandle = {
    path, card, pullOnNextSign: false,
    attachment: undefined as unknown as VpcdAttachment,
    file: () => readCardFile(path),
    async insert() {
      await handle.attachment.insert();
      await waitForReader(READER, true);
    },
    async remove() {
      await handle.attachment.remove();
      await waitForReader(READER, false);
    },
  };
  const wrapped: VpcdCard = {
    get atr() { return card.atr; },
    powerOn: () => card.powerOn(),
    powerOff: () => card.powerOff(),
    reset: () => card.reset(),
    transmit(apdu) {
      if (handle.pullOnNextSign && apdu[1] === 0x87 && (apdu[0]! & 0x10) === 0) {
        handle.pullOnNextSign = false;
        void handle.attachment.remove(); // the answer below goes to a closed socket
      }
      return card.transmit(apdu);
    },
  };
  handle.attachment = new VpcdAttachment(wrapped, { port: VPCD_PORT, retryMs: 100 });
  await handle.insert();
  return handle;
}
