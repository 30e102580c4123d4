// Adding a card driver is one entry (main/card/atr-table.ts: a row of atrTable for a card of a known
// family, an entry of apduDrivers for a new family). What else reads the drivers is checked here:
// the readers' cardType (a driver's kind), the ATR rows' families, and the driver table in
// docs/architecture.md.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { apduDrivers, atrTable, identifyFamily } from '../../../main/card/atr-table';
import { ApduSession } from '../../../main/card/apdu-session';
import { PivCard } from '../../../sandbox/card/piv-card';
import { inProcessReader } from '../../../sandbox/card/in-process';
import { newCard } from '../../sandbox/card/fixture';
import { repoRoot } from '../../e2e/support/scrip-process';

/** A session on the virtual PIV card, answering to `atr` (its own by default). */
function virtualCard(atr?: Uint8Array): ApduSession {
  const slot = inProcessReader(new PivCard(newCard()));
  const own = slot.connect();
  return new ApduSession({ reader: 'Test Reader 00', atr: atr ?? own, transmit: (a) => slot.transmit(a) });
}

test("each APDU driver reports its own kind (the readers' cardType) and its probe accepts a card of its family", async () => {
  for (const [kind, family] of Object.entries(apduDrivers)) {
    const session = virtualCard();
    assert.equal(await family.probe(session), kind === 'piv', `${kind}'s probe on the virtual PIV card`);
    assert.equal(family.open(session).kind, kind, `the driver registered as ${kind} says it is ${kind}`);
  }
});

test('every ATR row names a registered driver (or unsupported); an unknown ATR is probed', async () => {
  for (const row of atrTable)
    assert.ok(row.family === 'unsupported' || row.family in apduDrivers, `${row.name}: no driver "${row.family}"`);
  assert.equal(await identifyFamily(virtualCard()), 'piv', 'the virtual card by its ATR row');
  assert.equal(await identifyFamily(virtualCard(Uint8Array.of(0x3b, 0x00))), 'piv', 'an unknown ATR, by probing');
  const jcop = atrTable.find((r) => r.family === 'unsupported')!;
  assert.equal(
    await identifyFamily(virtualCard(Buffer.from(jcop.atr, 'hex'))),
    'unsupported',
    'an unsupported row is not probed',
  );
});

test("docs/architecture.md's driver table lists every built-in ATR row, by name, ATR (xx: masked) and driver", () => {
  const doc = readFileSync(join(repoRoot, 'docs/architecture.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## Card drivers'), doc.indexOf('\n## ', doc.indexOf('## Card drivers') + 1));
  for (const row of atrTable) {
    const mask = row.mask ?? 'FF'.repeat(row.atr.length / 2);
    const shown = row.atr.replace(/../g, (b, i: number) => (mask.slice(i, i + 2) === '00' ? 'xx' : b));
    const line = section.split('\n').find((l) => l.startsWith(`| ${row.name} |`));
    assert.ok(line, `docs/architecture.md "Card drivers" has a row for ${row.name}`);
    assert.ok(line.includes(`ATR \`${shown}\``), `${row.name}'s row shows ATR ${shown}: ${line}`);
    assert.ok(
      line.endsWith(`| ${row.family === 'unsupported' ? 'unsupported' : row.family.toUpperCase()} |`),
      `${row.name}'s row names its driver: ${line}`,
    );
  }
});
