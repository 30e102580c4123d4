// Which driver handles a card: first an ATR table with masks (as libelectronic-id and OpenSC do),
// then probing unknown cards by SELECTing the PIV application.
import { cmd, fromHex, isApplicationTemplate, SW } from '../../protocols/card';
import type { ApduSession } from './apdu-session';

type CardFamily = 'piv' | 'unsupported';

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

/** The card family for the card in `session`: by ATR, else by a PIV SELECT probe. */
export async function identifyFamily(session: ApduSession): Promise<CardFamily> {
  const rule = matchAtr(session.atr);
  if (rule?.family === 'unsupported') return 'unsupported';
  const r = await session.send(cmd.select());
  if (r.sw === SW.OK && isApplicationTemplate(r.data)) return 'piv';
  return 'unsupported';
}
