// One way to show dates and times everywhere in the app (NHS style: "6 December 2026", "6 Dec 2026, 14:05").

/** A day: "6 December 2026". */
export const dayWords = (iso: string): string =>
  new Date(iso).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric' });

/** A moment: "6 Dec 2026, 14:05". */
export const whenWords = (iso: string): string =>
  new Date(iso).toLocaleString('en-GB', {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  });

/** A time of day: "14:05". */
export const timeWords = (iso: string): string =>
  new Date(iso).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });

/** Today as an ISO date ('2026-12-06'), for ages and review dates. UTC, as the dates Scrip stores are. */
export const todayIso = (): string => new Date().toISOString().slice(0, 10);
