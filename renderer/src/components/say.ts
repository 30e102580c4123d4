export const SAY_EVENT = 'scrip:say';

/** Tells screen reader users something through the page's one polite live region. */
export function say(text: string): void {
  // The same sentence twice in a row is announced again only if the region's text changes.
  dispatchEvent(new CustomEvent(SAY_EVENT, { detail: '' }));
  setTimeout(() => dispatchEvent(new CustomEvent(SAY_EVENT, { detail: text })), 50);
}
