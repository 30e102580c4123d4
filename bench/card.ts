// Card benchmarks over the real stack (pcscd + vpcd + the virtual card on slot 35964):
// - insert → identity read: time and APDU count from the card entering the reader to CardService
//   having the holder, certificates and PIN state;
// - per signature: the card's raw RSA-2048 time vs the whole Scrip path, split into time waiting on
//   PC/SC (pcscd + vpcd transport + card) and Scrip's own time (everything else); the overhead
//   ratio is Scrip's own time over the total.
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { CardService } from '../main/card/card-service';
import { PcscCardConnector } from '../native/pcsc/card-connection';
import { TimedConnector } from './_timed-connector';
import { newCard, PIN } from '../test/sandbox/card/fixture';
import { insertVirtualCard, READER } from '../test/sandbox/card/vpcd-harness';
import { requirements } from '../test/support/system';
import { percentile, round } from './_stats';
import type { Figure } from './run';

export async function run(): Promise<Figure[]> {
  const missing = requirements.pcscd.check();
  if (missing) return [{ name: 'card.skipped', value: 0, unit: '', note: missing }];
  const vc = await insertVirtualCard(newCard());
  try {
    // insert → identity
    const insertMs: number[] = [],
      identityMs: number[] = [];
    let identityApdus = 0;
    for (let i = 0; i < 5; i++) {
      await vc.remove();
      const service = new CardService(new PcscCardConnector());
      const t0 = performance.now();
      await vc.insert(); // resolves when pcscd reports the card present
      const t1 = performance.now();
      await service.status(READER);
      insertMs.push(performance.now() - t0);
      identityMs.push(performance.now() - t1);
      identityApdus = service.lastApduCount;
    }

    // signatures with the 9A key (PIN verified once, as in a session)
    const timed = new TimedConnector(new PcscCardConnector());
    const service = new CardService(timed);
    const data = { hash: createHash('sha256').update('bench').digest(), algorithm: 'sha256' as const };
    await service.verifyPin({ reader: READER, pin: PIN });
    await service.sign({ reader: READER, kind: 'auth', data }); // warm-up
    await vc.rawSignTimes(); // discard the warm-up
    const total: number[] = [],
      own: number[] = [];
    let signApdus = 0;
    for (let i = 0; i < 10; i++) {
      timed.waitMs = 0;
      const t0 = performance.now();
      await service.sign({ reader: READER, kind: 'auth', data });
      const ms = performance.now() - t0;
      total.push(ms);
      own.push(ms - timed.waitMs);
      signApdus = service.lastApduCount;
    }
    const raw = await vc.rawSignTimes();
    const totalP50 = percentile(total, 50),
      ownP50 = percentile(own, 50),
      rawP50 = percentile(raw, 50);
    return [
      {
        name: 'card.insert-to-identity.p50',
        value: round(percentile(insertMs, 50), 1),
        unit: 'ms',
        note: 'card connects to vpcd → pcscd sees it → holder, certificates and PIN retries read',
      },
      {
        name: 'card.identity-read.p50',
        value: round(percentile(identityMs, 50), 1),
        unit: 'ms',
        note: 'CardService.status on a card not seen before',
      },
      { name: 'card.identity-read.apdus', value: identityApdus, unit: 'APDUs' },
      {
        name: 'card.sign.raw-rsa2048.p50',
        value: round(rawP50, 2),
        unit: 'ms',
        note: "the card's private-key operation",
      },
      {
        name: 'card.sign.whole-path.p50',
        value: round(totalP50, 1),
        unit: 'ms',
        note: 'CardService.sign through pcscd + vpcd',
      },
      { name: 'card.sign.apdus', value: signApdus, unit: 'APDUs' },
      {
        name: 'card.sign.scrip-own.p50',
        value: round(ownP50, 2),
        unit: 'ms',
        note: 'whole path minus time waiting on PC/SC',
      },
      {
        name: 'card.sign.scrip-overhead-ratio',
        value: round(ownP50 / totalP50, 4),
        unit: 'ratio',
        note: 'target < 0.10',
      },
      {
        name: 'card.sign.whole-over-raw',
        value: round(totalP50 / rawP50, 1),
        unit: 'x',
        note: 'vpcd costs ~40 ms per APDU (Nagle + delayed ACK)',
      },
    ];
  } finally {
    await vc.stop();
  }
}
