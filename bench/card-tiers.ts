// The two card tiers on the same virtual card (pcscd + vpcd slot 35964, card in its own process):
// Scrip's PIV driver over PC/SC, and the PKCS#11 driver over OpenSC's opensc-pkcs11.so (configured
// for every card). APDUs are counted by the card itself, so the module's own traffic is included.
// Figures: identity read of a card just put in (APDUs, time; a module's own detection counts), and per signature with the
// authentication key after one PIN verification (APDUs, time), and with the PIN-always signing key.
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { CardService } from '../main/card/card-service';
import { Pkcs11Tokens, discoverModules } from '../main/card/pkcs11-tokens';
import { PcscCardConnector } from '../native/pcsc/card-connection';
import { VIRTUAL_CARD_ATR } from '../sandbox/card/issue';
import { newCard, PIN } from '../test/sandbox/card/fixture';
import { insertVirtualCard, READER, type VirtualCardHandle } from '../test/sandbox/card/vpcd-harness';
import { requirements } from '../test/support/system';
import { percentile, round } from './_stats';
import type { Figure } from './run';

const data = { hash: createHash('sha256').update('bench').digest(), algorithm: 'sha256' as const };

async function measure(tier: string, vc: VirtualCardHandle, service: () => CardService): Promise<Figure[]> {
  // A card not seen before: taken out, put back (the module, if any, already loaded), then read.
  await vc.remove();
  let before = await vc.apduCount();
  await vc.insert(); // resolves when pcscd reports the card present
  const t0 = performance.now();
  const s = service();
  await s.status(READER);
  const identityMs = performance.now() - t0;
  const identityApdus = (await vc.apduCount()) - before;
  await s.verifyPin({ reader: READER, pin: PIN });
  await s.sign({ reader: READER, kind: 'auth', data }); // warm-up
  const auth: number[] = [],
    sign: number[] = [];
  before = await vc.apduCount();
  for (let i = 0; i < 10; i++) {
    const t = performance.now();
    await s.sign({ reader: READER, kind: 'auth', data });
    auth.push(performance.now() - t);
  }
  const authApdus = ((await vc.apduCount()) - before) / 10;
  before = await vc.apduCount();
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    await s.sign({ reader: READER, kind: 'sign', data, pin: PIN });
    sign.push(performance.now() - t);
  }
  const signApdus = ((await vc.apduCount()) - before) / 5;
  return [
    {
      name: `card-tiers.${tier}.identity-read`,
      value: round(identityMs, 0),
      unit: 'ms',
      note: `${identityApdus} APDUs; card put in → holder, certificates and PIN state (the module\'s own card detection included)`,
    },
    {
      name: `card-tiers.${tier}.sign-auth.p50`,
      value: round(percentile(auth, 50), 1),
      unit: 'ms',
      note: `${round(authApdus, 1)} APDUs per signature (9A, PIN verified once)`,
    },
    {
      name: `card-tiers.${tier}.sign-signing-key.p50`,
      value: round(percentile(sign, 50), 1),
      unit: 'ms',
      note: `${round(signApdus, 1)} APDUs per signature (9C, PIN always)`,
    },
  ];
}

export async function run(): Promise<Figure[]> {
  const missing = requirements.pcscd.check() ?? requirements.openscPkcs11.check();
  if (missing) return [{ name: 'card-tiers.skipped', value: 0, unit: '', note: missing }];
  const vc = await insertVirtualCard(newCard());
  const tokens = new Pkcs11Tokens();
  try {
    const listReaders = () => [{ name: READER, present: true, atr: VIRTUAL_CARD_ATR }];
    const out = await measure('piv', vc, () => new CardService(new PcscCardConnector(), { listReaders }));
    const opensc = discoverModules().find((p) => p.endsWith('opensc-pkcs11.so'))!;
    await tokens.configure([{ path: opensc, cards: 'all' }], { modules: [], error: null });
    out.push(
      ...(await measure('pkcs11-opensc', vc, () => new CardService(new PcscCardConnector(), { listReaders, tokens }))),
    );
    return out;
  } finally {
    await tokens.dispose();
    await vc.stop();
  }
}
