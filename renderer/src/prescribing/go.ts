/** Goes to a page of the app (a hash route). Kept apart from nav.ts, which is pure and unit-tested without a DOM. */
export function go(href: string): void {
  location.hash = href;
}
