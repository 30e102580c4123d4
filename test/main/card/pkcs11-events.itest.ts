// Token insertion and removal through OpenSC's opensc-pkcs11.so over the virtual card in vpcd, learnt
// from a blocking C_WaitForSlotEvent in the module's events thread. Removal must be seen within
// PC/SC's bound (~1 s), and the event loop never blocks (the virtual card is served from this very
// thread while the module talks to pcscd). Polling (modules that cannot wait) is shown with SoftHSM2
// in pkcs11-tier.itest.ts; OpenSC 0.23 made to poll over vpcd stalls inside C_GetSlotList after a
// removal (docs/decisions/0010), so it is not polled here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Pkcs11Module } from '../../../native/pkcs11/pkcs11-module';
import type { SlotView } from '../../../native/pkcs11/protocol';
import { discoverModules } from '../../../main/card/pkcs11-tokens';
import { need, requirements } from '../../support/system';
import { openTestCa } from '../../../sandbox/ca';
import { issueCard } from '../../../sandbox/card/issue';
import { PivCard } from '../../../sandbox/card/piv-card';
import { VpcdAttachment } from '../../../sandbox/card/vpcd-client';
import { waitForReader } from '../../sandbox/card/vpcd-harness';

const OPENSC =
  discoverModules().find((p) => p.endsWith('opensc-pkcs11.so')) ?? '/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so';
const READER = 'Virtual PCD 00 01';

/**
 * Resolves when a 'change' event leaves the reader's slot in the wanted state; rejects after `ms`.
 * `look()` also checks at once: a token that arrived before the module's first wait was armed is
 * reported by no event, only by the slot list.
 */
function slotBecomes(m: Pkcs11Module, present: boolean, ms: number): Promise<number> & { look(): void } {
  const t0 = Date.now();
  let look = (): void => undefined;
  const p = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      m.off('change', check);
      reject(new Error(`the token was not seen ${present ? 'in' : 'out'} within ${ms} ms`));
    }, ms);
    const check = async (): Promise<void> => {
      const slots = await m.call<SlotView[]>({ op: 'slots' });
      if (!!slots.find((s) => s.description === READER)?.token === present) {
        clearTimeout(timer);
        m.off('change', check);
        resolve(Date.now() - t0);
      }
    };
    m.on('change', check);
    look = () => {
      void check().catch(() => undefined);
    };
  });
  return Object.assign(p, { look: () => look() });
}

test('OpenSC token events (C_WaitForSlotEvent): insertion seen, removal seen within 1 s', async (t) => {
  if (!need(t, requirements.pcscd, requirements.openscPkcs11)) return;
  const dir = mkdtempSync(join(tmpdir(), 'scrip-p11ev-'));
  const ca = openTestCa(join(dir, 'ca'));
  const card = new PivCard(issueCard({ userId: '555086689106', displayName: 'DR CLARE BOIN', pin: '482913', ca }).card);
  // pcscd must list the vpcd reader before OpenSC starts (a pcscd restarted by an earlier file takes
  // a moment to load its drivers; until then nothing listens on the vpcd port).
  await waitForReader(READER, false, 15_000);
  const attachment = new VpcdAttachment(card, { port: 35964 });
  const m = await Pkcs11Module.open(OPENSC, { events: 'auto' });
  try {
    assert.equal(m.eventMode.mode, 'wait', 'OpenSC waits for slot events');
    let ticks = 0;
    const beat = setInterval(() => ticks++, 10);
    const inserted = slotBecomes(m, true, 5000);
    // Both bounded: an insertion vpcd never takes fails here by its own timeout, it does not hang.
    await Promise.all([attachment.insert().then(() => inserted.look()), inserted]);
    const removed = slotBecomes(m, false, 1000);
    await attachment.remove();
    const ms = await removed;
    clearInterval(beat);
    t.diagnostic(`removal seen after ${ms} ms`);
    assert.ok(ms < 1000, `removal seen within 1 s (${ms} ms)`);
    assert.ok(ticks > 10, 'the event loop kept running while the module waited');
  } finally {
    await Promise.race([attachment.remove().catch(() => undefined), new Promise((r) => setTimeout(r, 3000))]);
    const t0 = Date.now();
    await m.close();
    assert.ok(Date.now() - t0 < 5000, 'closing returns even with a blocking wait under way');
    rmSync(dir, { recursive: true, force: true });
  }
});
