// What the live region says when readers change. Pure, so it is unit-tested without a browser.
import type { ReadersView } from './transport/transport';

/** Sentences for the changes from `before` to `after`; nothing on the first snapshot (before = null). */
export function cardAnnouncements(before: ReadersView | null, after: ReadersView): string[] {
  if (!before) return [];
  const said: string[] = [];
  if (before.service !== after.service)
    said.push(
      after.service === 'stopped' ? 'The smartcard service has stopped' : 'The smartcard service is running again',
    );
  const was = new Map(before.readers.map((r) => [r.name, r]));
  for (const r of after.readers) {
    const old = was.get(r.name);
    if (!old) said.push(`Card reader ${r.name} connected${r.present ? ', with a card in it' : ''}`);
    else if (old.present !== r.present)
      said.push(r.present ? `Card inserted in ${r.name}` : `Card removed from ${r.name}`);
  }
  const now = new Set(after.readers.map((r) => r.name));
  for (const r of before.readers) if (!now.has(r.name)) said.push(`Card reader ${r.name} disconnected`);
  return said;
}
