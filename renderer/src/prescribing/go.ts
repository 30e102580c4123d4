import type { Href } from '../routes';

/** Goes to a page of the app (a hash route). Kept apart from nav.ts, which is pure and unit-tested without a DOM. */
export function go(to: Href): void {
  location.hash = to;
}
