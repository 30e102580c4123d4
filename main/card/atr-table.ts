// Which driver handles a card in a PC/SC reader: first an ATR table with masks (as libelectronic-id
// and OpenSC do), then probing an unknown card with each APDU driver's probe (PIV: SELECT).
//
// ADDING A CARD DRIVER. A new card of a family Scrip speaks (another PIV card): one row in atrTable.
// A new family spoken in APDUs: its driver (implementing CardDriver) and one entry in apduDrivers; its
// kind joins DriverKind (card-driver.ts), and the compiler fails until both are there.
// test/main/card/drivers.test.ts fails when a driver reports a kind other than its entry's (the
// readers' cardType), a row names no driver, or docs/architecture.md's driver table misses a row.
// A token behind vendor middleware needs no code: its PKCS#11 module is configured (driver-table.ts).
import { cmd, fromHex, isApplicationTemplate, SW } from '../../protocols/card';
import type { ApduSession } from './apdu-session';
import type { CardDriver, DriverKind } from './card-driver';
import { PivDriver } from './piv-driver';

/** The driver kinds that speak APDUs over Scrip's own PC/SC connection. */
type ApduKind = Exclude<DriverKind, 'pkcs11'>;
type CardFamily = ApduKind | 'unsupported';

interface ApduDriverFamily {
  /** Whether the card in `session` speaks this family (leaves its application selected). */
  probe(session: ApduSession): Promise<boolean>;
  /** The driver for a card the probe accepted. */
  open(session: ApduSession): CardDriver;
}

/** Every APDU driver, by kind: a kind in DriverKind without an entry, or an entry without a kind, does not compile. */
export const apduDrivers: { [K in ApduKind]: ApduDriverFamily } = {
  piv: {
    probe: async (session) => {
      const r = await session.send(cmd.select());
      return r.sw === SW.OK && isApplicationTemplate(r.data);
    },
    open: (session) => new PivDriver(session, { selected: true }),
  },
};

export interface AtrRule {
  name: string;
  atr: string;
  /** Bits that must match; default all. */
  mask?: string;
  family: CardFamily;
}

export const atrTable: AtrRule[] = [
  // Scrip's virtual test card (sandbox/card/issue.ts): historical bytes "ScripPIV".
  { name: 'Scrip virtual PIV card', atr: '3B88800153637269705049561D', family: 'piv' },
  // YubiKey 4/5 (CCID), historical bytes "Yubikey4"; the last bytes vary by model.
  {
    name: 'YubiKey',
    atr: '3BF81300008131FE15597562696B657934D4',
    mask: 'FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00',
    family: 'piv',
  },
  // NHS series 5/6 JCOP41 cards (historical bytes "JCOP41V22"): Gemalto/Oberthur applets, not PIV.
  { name: 'NHS smartcard (JCOP41)', atr: '3BF91800008131FE454A434F503431563232AF', family: 'unsupported' },
];

export function matchAtr(atr: Uint8Array, table: AtrRule[] = atrTable): AtrRule | null {
  for (const rule of table) {
    const want = fromHex(rule.atr);
    const mask = rule.mask ? fromHex(rule.mask) : new Uint8Array(want.length).fill(0xff);
    if (want.length !== atr.length || mask.length !== atr.length) continue;
    if (want.every((b, i) => (b & mask[i]!) === (atr[i]! & mask[i]!))) return rule;
  }
  return null;
}

/** The card family for the card in `session`: the ATR row's (confirmed by its probe), else the first whose probe accepts it. */
export async function identifyFamily(session: ApduSession): Promise<CardFamily> {
  const rule = matchAtr(session.atr);
  if (rule?.family === 'unsupported') return 'unsupported';
  const candidates = rule ? [rule.family] : (Object.keys(apduDrivers) as ApduKind[]);
  for (const kind of candidates) if (await apduDrivers[kind].probe(session)) return kind;
  return 'unsupported';
}
