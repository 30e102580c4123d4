import type { CommandOutput } from '../transport/transport';

// What `medicines.search` answers (main/commands/medicines.ts), as the pad uses it.
export type MedicineHit = CommandOutput<'medicines.search'>['results'][number];

/** One line under a search result: form, strength, packs; what a prescriber checks before choosing. */
export function hitDetails(h: MedicineHit): string {
  const packs = h.packs.map((p) => (p.quantity !== null ? `${p.quantity} ${p.unitName ?? ''}`.trim() : p.name));
  return [
    h.form,
    h.strength,
    h.route,
    h.supplier,
    packs.length ? `pack${packs.length > 1 ? 's' : ''} of ${packs.join(', ')}` : null,
    h.kind === 'amp' ? 'branded' : null,
    h.controlledDrug && h.controlledDrug.code !== '0000' ? h.controlledDrug.description : null,
  ]
    .filter(Boolean)
    .join(' · ');
}
