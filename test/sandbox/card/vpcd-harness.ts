// Integration harness: a virtual card from sandbox/card behind pcscd's vpcd driver, plus waiting
// for pcscd to see it (PC/SC waitForChange, no sleeps). Slot 35964 = "Virtual PCD 00 01", so
// these tests do not collide with the reader tests on 35963.
import { execFile, execFileSync, fork } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { ContextInterface, ReaderState } from 'smartcard';
import { writeCardFile, readCardFile, type CardFile } from '../../../sandbox/card/card-file';
import type { ChildReply, ChildRequest } from './virtual-card-process';

const require = createRequire(import.meta.url);
const pcsc = require('smartcard') as { Context: new () => ContextInterface };

// SCRIP_ITEST_VPCD_PORT lets a private pcscd (other reader.conf) be used; slot 1 of the default vpcd otherwise.
export const VPCD_PORT = Number(process.env.SCRIP_ITEST_VPCD_PORT ?? 35964);
export const READER = 'Virtual PCD 00 01';
const PRESENT = 0x20;

export const run = promisify(execFile);

/** Starts pcscd when it is not running (needs root; in CI it is started by the setup script). */
export function ensurePcscd(): void {
  try {
    execFileSync('pgrep', ['-x', 'pcscd'], { stdio: 'ignore' });
  } catch {
    startPcscd();
  }
}

/**
 * Starts pcscd with no inherited descriptors and in a session of its own (scripts/start-pcscd.sh
 * says why), so it outlives the test file that (re)started it.
 */
export function startPcscd(args: string[] = []): void {
  execFileSync('bash', [fileURLToPath(new URL('../../../scripts/start-pcscd.sh', import.meta.url)), ...args], {
    stdio: 'ignore',
  });
}

/** Waits (PC/SC events, bounded) until `reader` shows a card (`present`) or none. */
export async function waitForReader(reader: string, present: boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    let ctx: ContextInterface | null = null;
    try {
      ctx = new pcsc.Context();
      let states: ReaderState[] = ctx
        .listReaders()
        .filter((r) => r.name === reader)
        .map((r) => ({ name: r.name, state: r.state, changed: false, atr: r.atr }));
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
      try {
        ctx?.close();
      } catch {
        /* gone */
      }
    }
  }
}

export interface VirtualCardHandle {
  path: string;
  /** Makes the next GENERAL AUTHENTICATE pull the card out before it answers. */
  pullOnNextSign(): Promise<void>;
  /** Card-side times of the final GENERAL AUTHENTICATE APDUs since the last call. */
  rawSignTimes(): Promise<number[]>;
  /** APDUs the card has answered since it was made (whoever sent them: Scrip or a PKCS#11 module). */
  apduCount(): Promise<number>;
  file(): CardFile;
  insert(): Promise<void>;
  remove(): Promise<void>;
  /** Removes the card and ends the card process. */
  stop(): Promise<void>;
}

/**
 * Writes `file` to a temp path and inserts it into vpcd slot 35964, served by a child process
 * (see virtual-card-process.ts for why not in this process).
 */
export async function insertVirtualCard(file: CardFile): Promise<VirtualCardHandle> {
  ensurePcscd();
  const path = join(mkdtempSync(join(tmpdir(), 'scrip-vcard-')), 'card.json');
  writeCardFile(path, file);
  const child = fork(fileURLToPath(new URL('./virtual-card-process.ts', import.meta.url)), [path, String(VPCD_PORT)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let nextId = 1;
  const pending = new Map<number, { resolve: (r: ChildReply) => void; reject: (e: Error) => void }>();
  const ready = new Promise<void>((resolve, reject) => {
    pending.set(0, { resolve: () => resolve(), reject });
  });
  child.on('message', (r: ChildReply) => pending.get(r.id)?.resolve(r));
  child.on('exit', (code) => {
    for (const p of pending.values()) p.reject(new Error(`card process exited (${code})`));
    pending.clear();
  });
  const ask = (op: ChildRequest['op']): Promise<ChildReply> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`card process did not answer ${op}`));
      }, 15_000);
      pending.set(id, {
        resolve: (r) => {
          clearTimeout(timer);
          pending.delete(id);
          if (r.ok) resolve(r);
          else reject(new Error(r.error));
        },
        reject,
      });
      child.send({ id, op } satisfies ChildRequest);
    });
  await ready;
  pending.delete(0);
  const handle: VirtualCardHandle = {
    path,
    file: () => readCardFile(path),
    async pullOnNextSign() {
      await ask('pull-on-next-sign');
    },
    async rawSignTimes() {
      const r = await ask('stats');
      return r.ok && r.stats ? r.stats.rawSignMs : [];
    },
    async apduCount() {
      const r = await ask('stats');
      return r.ok && r.stats ? r.stats.apdus : 0;
    },
    async insert() {
      await ask('insert');
      await waitForReader(READER, true);
    },
    async remove() {
      await ask('remove');
      await waitForReader(READER, false);
    },
    async stop() {
      if (child.exitCode !== null) return;
      const gone = new Promise((r) => child.once('exit', r));
      try {
        await ask('remove');
      } catch {
        /* already gone */
      }
      child.disconnect();
      await gone;
      await waitForReader(READER, false).catch(() => undefined);
    },
  };
  await handle.insert();
  return handle;
}
