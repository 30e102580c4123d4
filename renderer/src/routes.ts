// The app's one route table. Hash routes, so the app needs no server routes (app:// and loopback alike).
// Each row is an area: its path (the hash's first segment), the title of its one h1, its entry in the
// main navigation, and who may use it. The screen each path shows is in screens.tsx, typed by this
// table's paths, so a row without a screen does not compile. Every link in the app is made by `href`
// (or a builder in prescribing/nav.ts on top of it), so a link to a path not in the table does not
// compile either; test/renderer/routes.test.ts fails on a hand-written '#/…' link.
import { canDispense, canPrescribe } from '../../protocols/spine/activities';

/**
 * Who may use an area. Everyone sees every entry in the navigation; an area for a role explains, on
 * its own page, how to get that role (Scrip does not hide what a user could do after a role change).
 */
type Audience = 'anyone' | 'prescribing role' | 'pharmacy role';

interface Route {
  path: string;
  /** The page's h1 and document title (a page inside the area may name itself instead). */
  title: string;
  /** The link text in the main navigation. */
  nav: string;
  who: Audience;
}

export const routes = [
  { path: '', nav: 'Home', title: 'Card readers', who: 'anyone' },
  { path: 'prescribe', nav: 'Prescribe', title: 'Prescribe', who: 'prescribing role' },
  { path: 'prescriptions', nav: 'Prescriptions', title: 'Prescriptions', who: 'anyone' },
  { path: 'dispense', nav: 'Dispense', title: 'Dispense', who: 'pharmacy role' },
  { path: 'assurance', nav: 'Assurance', title: 'Assurance', who: 'anyone' },
  { path: 'api-keys', nav: 'API keys', title: 'API keys', who: 'anyone' },
  { path: 'diagnostics', nav: 'Diagnostics', title: 'Diagnostics', who: 'anyone' },
  { path: 'settings', nav: 'Settings', title: 'Settings', who: 'anyone' },
] as const satisfies readonly Route[];

export type RoutePath = (typeof routes)[number]['path'];

/** A link inside the app: the hash of an area in the table, or of a page inside one. Made by `href`. */
export type Href = `#/${RoutePath}` | `#/${RoutePath}/${string}` | `#/${RoutePath}?${string}`;

/** The link to an area, or to a page inside it (`href('dispense', id)` is `#/dispense/<id>`). */
export function href(path: RoutePath, ...inside: string[]): Href {
  return `#/${[path, ...inside].filter(Boolean).join('/')}` as Href;
}

/** The hash's path segments, without the query: `#/prescribe/<id>/items` is ['prescribe', '<id>', 'items']. */
export function segments(hash: string): string[] {
  return hash.replace(/^#\/?/, '').split('?')[0]!.split('/').filter(Boolean);
}

export function currentPath(hash: string): RoutePath {
  return pathNamed(hash.replace(/^#\/?/, '').split(/[/?]/)[0]);
}

/** The table's path of that name, or Home's for a name not in the table. */
export function pathNamed(name: string | undefined): RoutePath {
  return routes.find((r) => r.path === name)?.path ?? '';
}

/** Whether a hash is a route ('#/…' or none); other fragments are in-page links and leave the page as it is. */
export function isRouteHash(hash: string): boolean {
  return hash === '' || hash.startsWith('#/');
}

export function routeOf(path: RoutePath): Route {
  return routes.find((r) => r.path === path) ?? routes[0];
}

/** Whether a role with these RBAC activities may use the area (null: no role selected yet). */
export function mayUse(path: RoutePath, activities: readonly string[] | null): boolean {
  const who = routeOf(path).who;
  if (who === 'anyone') return true;
  if (!activities) return false;
  return who === 'prescribing role' ? canPrescribe(activities) : canDispense(activities);
}
