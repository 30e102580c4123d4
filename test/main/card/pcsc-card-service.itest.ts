// Scrip's own card layer (CardService → PivDriver → PcscCardConnector) against the real PC/SC
// stack: pcscd + vpcd + the virtual card on slot 35964 ("Virtual PCD 00 01").
import { strict as assert } from 'node:assert';
import { createHash, verify as nodeVerify, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import type { CardInterface, ContextInterface } from 'smartcard';
import { CardService } from '../../../main/card/card-service';
import { ScripError } from '../../../main/errors';
import { PcscCardConnector } from '../../../native/pcsc/card-connection';
import { PcscReaderWatch } from '../../../native/pcsc/reader-watch';
import { ReaderService } from '../../../main/card/reader-service';
import { EventBus } from '../../../main/events';
import { newCard, PIN, PUK } from '../../sandbox/card/fixture';
import {
  insertVirtualCard,
  READER,
  startPcscd,
  waitForReader,
  type VirtualCardHandle,
} from '../../sandbox/card/vpcd-harness';
import { need, requirements } from '../../support/system';

const require = createRequire(import.meta.url);
const sha256 = (s: string) => createHash('sha256').update(s).digest();
const data = { hash: sha256('prescription'), algorithm: 'sha256' as const };

async function rejects(p: Promise<unknown>, code: string): Promise<ScripError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ScripError, String(e));
    assert.equal(e.code, code, `${e.code}: ${e.message} ${JSON.stringify(e.details)}`);
    return e;
  }
  assert.fail(`expected ${code}`);
}

async function waitForExit(pid: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 50)); // no event exists for another process's exit
  }
  throw new Error(`pcscd (${pid}) did not exit`);
}

describe('CardService over pcscd + vpcd', { timeout: 120_000 }, () => {
  let vc: VirtualCardHandle | null = null;
  const connector = new PcscCardConnector({ busyTimeoutMs: 400 });
  const service = new CardService(connector);

  before(async () => {
    if (requirements.pcscd.check()) return;
    vc = await insertVirtualCard(newCard());
  });
  after(async () => {
    await vc?.stop();
  });

  test('reads holder, certificates and PIN retries; signs with both keys', async (t) => {
    if (!need(t, requirements.pcscd) || !vc) return;
    const s = await service.status(READER);
    assert.equal(s.holder.userId, '555123456789');
    assert.equal(s.holder.displayName, 'Dr Test Person');
    assert.equal(s.pin.retriesLeft, 3);
    assert.equal(s.atr, '3B88800153637269705049561D');
    for (const kind of ['auth', 'sign'] as const) {
      const r = await service.sign({ reader: READER, kind, data, pin: PIN });
      assert.ok(
        nodeVerify('sha256', Buffer.from('prescription'), new X509Certificate(r.certificate).publicKey, r.signature),
        kind,
      );
    }
    await rejects(service.sign({ reader: READER, kind: 'sign', data }), 'bad-state');
  });

  test('card pulled during GENERAL AUTHENTICATE: typed error, no hang, next insert works', async (t) => {
    if (!need(t, requirements.pcscd) || !vc) return;
    await vc.pullOnNextSign();
    await rejects(service.sign({ reader: READER, kind: 'sign', data, pin: PIN }), 'card-removed');
    await waitForReader(READER, false);
    await rejects(service.status(READER), 'no-card');
    await vc.insert();
    assert.equal((await service.status(READER)).holder.userId, '555123456789');
    await service.sign({ reader: READER, kind: 'sign', data, pin: PIN });
  });

  test('PIN blocked after 3 wrong tries (and stays blocked in the card file), unblocked with the PUK', async (t) => {
    if (!need(t, requirements.pcscd) || !vc) return;
    assert.equal(
      (await rejects(service.verifyPin({ reader: READER, pin: '000000' }), 'pin-wrong')).details?.retriesLeft,
      2,
    );
    assert.equal((await service.status(READER)).pin.retriesLeft, 2);
    await rejects(service.verifyPin({ reader: READER, pin: '000000' }), 'pin-wrong');
    await rejects(service.verifyPin({ reader: READER, pin: '000000' }), 'pin-blocked');
    await rejects(service.sign({ reader: READER, kind: 'sign', data, pin: PIN }), 'pin-blocked');
    assert.equal(vc.file().pin.tries, 0);
    await service.unblockPin({ reader: READER, puk: PUK, newPin: PIN });
    assert.equal((await service.status(READER)).pin.retriesLeft, 3);
    await service.verifyPin({ reader: READER, pin: PIN });
  });

  test('a card held exclusively by another program is reported busy, then works when released', async (t) => {
    if (!need(t, requirements.pcscd) || !vc) return;
    const pcsc = require('smartcard') as {
      Context: new () => ContextInterface;
      SCARD_SHARE_EXCLUSIVE: number;
      SCARD_PROTOCOL_T1: number;
      SCARD_PROTOCOL_T0: number;
      SCARD_LEAVE_CARD: number;
    };
    const ctx = new pcsc.Context();
    let other: CardInterface | null = null;
    try {
      const reader = ctx.listReaders().find((r) => r.name === READER)!;
      other = await reader.connect(pcsc.SCARD_SHARE_EXCLUSIVE, pcsc.SCARD_PROTOCOL_T0 | pcsc.SCARD_PROTOCOL_T1);
      await rejects(service.status(READER), 'card-busy');
    } finally {
      other?.disconnect(pcsc.SCARD_LEAVE_CARD);
      ctx.close();
    }
    assert.equal((await service.status(READER)).cardType, 'piv');
  });

  test('the readers list says "in use by another program" for another program\'s hold, never for Scrip\'s own', async (t) => {
    if (!need(t, requirements.pcscd) || !vc) return;
    const watch = new PcscReaderWatch();
    watch.start();
    const readers = new ReaderService(watch, new EventBus());
    const row = () => readers.list().readers.find((r) => r.name === READER);
    const pcsc = require('smartcard') as {
      Context: new () => ContextInterface;
      SCARD_SHARE_EXCLUSIVE: number;
      SCARD_PROTOCOL_T1: number;
      SCARD_PROTOCOL_T0: number;
      SCARD_LEAVE_CARD: number;
    };
    const ctx = new pcsc.Context();
    try {
      // Scrip's own unit of work: the connector holds the card exclusively while the work runs.
      const seen = await connector.withCard(READER, async () => ({
        exclusive: watch.refresh().readers.find((r) => r.name === READER)?.exclusive,
        inUse: row()?.inUse,
      }));
      assert.equal(seen.exclusive, true, 'PC/SC shows the card held exclusively while Scrip works with it');
      assert.equal(seen.inUse, false, 'but it is Scrip: not "in use by another program"');
      await new Promise((r) => setTimeout(r, 2100)); // past the grace for snapshots read just after a unit
      const reader = ctx.listReaders().find((r) => r.name === READER)!;
      const other = await reader.connect(pcsc.SCARD_SHARE_EXCLUSIVE, pcsc.SCARD_PROTOCOL_T0 | pcsc.SCARD_PROTOCOL_T1);
      try {
        assert.equal(
          row()?.inUse,
          true,
          'another connection holds the card exclusively: shown as in use by another program',
        );
      } finally {
        other.disconnect(pcsc.SCARD_LEAVE_CARD);
      }
      assert.equal(row()?.inUse, false, 'released: nobody holds it');
    } finally {
      ctx.close();
      watch.stop();
    }
  });

  // Restarts the machine's pcscd, so it runs only in CI (sequential suites) or when asked for.
  test('pcscd stopped and restarted while Scrip runs: no-service, then recovers by itself', async (t) => {
    if (!need(t, requirements.pcscd) || !vc) return;
    if (process.getuid?.() !== 0 || !(process.env.CI === 'true' || process.env.SCRIP_ITEST_RESTART_PCSCD === '1')) {
      t.skip('restarts pcscd: needs root and CI=true or SCRIP_ITEST_RESTART_PCSCD=1');
      return;
    }
    assert.equal((await service.status(READER)).cardType, 'piv');
    // The pcscd this process talks to (its pid file), restarted with the same arguments.
    const pid = parseInt(readFileSync('/run/pcscd/pcscd.pid', 'utf8'), 10); // "1234\n\0"
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    process.kill(pid, 'SIGTERM');
    await waitForExit(pid);
    await rejects(service.status(READER), 'no-service');
    // Through the same script as CI's: a pcscd started here directly would stay in this file's
    // process group, which the test runner kills when the file ends.
    startPcscd(argv.slice(1));
    await waitForReader(READER, true, 20_000); // the card process reconnects to the new vpcd by itself
    assert.equal((await service.status(READER)).holder.userId, '555123456789');
  });

  test('unknown reader', async (t) => {
    if (!need(t, requirements.pcscd) || !vc) return;
    await rejects(service.status('No Such Reader 99'), 'no-readers');
  });
});
