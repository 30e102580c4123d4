// The one table that says which driver speaks to a card, as libelectronic-id's does: rows matched
// in order. ATR rows (a mask says which bits count) send a card in a PC/SC reader to the PIV
// driver, mark it unsupported, or hand it to a configured PKCS#11 module (its vendor middleware);
// a token in a slot of a configured module that no PC/SC reader stands for (SoftHSM2, middleware
// that hides its readers) goes to the PKCS#11 driver for that module. A card no row names is
// probed with a PIV SELECT.
import { atrTable, matchAtr, type AtrRule } from './atr-table';
import { fromHex } from '../../protocols/card';

export type DriverRule =
  | (AtrRule & { driver: AtrRule['family'] })
  | {
      name: string;
      driver: 'pkcs11';
      /** The module's file (its identity). */
      module: string;
      /** Cards in PC/SC readers this module handles: ATR rows, or every card. Its own slots always. */
      cards: Array<{ atr: string; mask?: string }> | 'all' | 'none';
    };

type Route =
  | { driver: AtrRule['family']; rule: string }
  | { driver: 'pkcs11'; module: string; rule: string }
  | { driver: 'probe' };

/** The built-in ATR rows (main/card/atr-table.ts) as table rows. */
export const builtInRules: DriverRule[] = atrTable.map((r) => ({ ...r, driver: r.family }));

/** The table in force: configured modules first (their ATR rows win), then the built-in rows. */
export function driverTable(
  modules: Array<{ path: string; name: string; cards: Extract<DriverRule, { driver: 'pkcs11' }>['cards'] }>,
): DriverRule[] {
  return [
    ...modules.map((m): DriverRule => ({ name: m.name, driver: 'pkcs11', module: m.path, cards: m.cards })),
    ...builtInRules,
  ];
}

/**
 * The route for one reader: `ownedBy` is the module whose own slot this reader is (a token
 * reader), else null for a PC/SC reader with card `atr` (hex).
 */
export function chooseDriver(table: DriverRule[], reader: { atr: string | null; ownedBy: string | null }): Route {
  if (reader.ownedBy !== null) {
    const rule = table.find((r) => r.driver === 'pkcs11' && r.module === reader.ownedBy);
    return rule?.driver === 'pkcs11'
      ? { driver: 'pkcs11', module: rule.module, rule: rule.name }
      : { driver: 'unsupported', rule: 'module no longer configured' };
  }
  if (!reader.atr) return { driver: 'probe' };
  const atr = fromHex(reader.atr);
  for (const rule of table) {
    if (rule.driver === 'pkcs11') {
      if (
        rule.cards === 'all' ||
        (Array.isArray(rule.cards) &&
          matchAtr(
            atr,
            rule.cards.map((c) => ({ ...c, name: rule.name, family: 'piv' as const })),
          ))
      ) {
        return { driver: 'pkcs11', module: rule.module, rule: rule.name };
      }
    } else if (matchAtr(atr, [rule])) {
      return { driver: rule.driver, rule: rule.name };
    }
  }
  return { driver: 'probe' };
}
