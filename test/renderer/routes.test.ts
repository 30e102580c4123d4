import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  currentPath,
  href,
  isRouteHash,
  mayUse,
  pathNamed,
  routeOf,
  routes,
  type Href,
} from '../../renderer/src/routes';
import { checkSignatureHref, dispenseHref, dispenseRoute, prescriberHref } from '../../renderer/src/prescribing/nav';

const SRC = join(import.meta.dirname, '../../renderer/src');
const UUID = '0b5c2f4e-8f1a-4c3d-9e2b-7a6d5c4b3a21';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? sources(join(dir, d.name)) : /\.tsx?$/.test(d.name) ? [join(dir, d.name)] : [],
  );
}

test('every area of the app has a route, Home first, each path once', () => {
  assert.deepEqual(
    routes.map((r) => r.nav),
    ['Home', 'Prescribe', 'Prescriptions', 'Dispense', 'Assurance', 'API keys', 'Diagnostics', 'Settings'],
    'the main navigation lists the areas in this order',
  );
  assert.equal(new Set(routes.map((r) => r.path)).size, routes.length, 'no path is in the table twice');
});

test('every route has a screen, and every screen a route', async () => {
  // Loaded at run time: screens.tsx is JSX for the renderer's compiler, not the tests'.
  const file = join(SRC, 'screens.tsx');
  const { screens } = (await import(file)) as { screens: Record<string, unknown> };
  assert.deepEqual(
    Object.keys(screens).sort(),
    routes.map((r) => r.path).sort(),
    'screens.tsx names a screen for exactly the paths in the route table',
  );
  for (const r of routes) assert.equal(typeof screens[r.path], 'function', `the screen for '${r.path}' is a component`);
});

test('no link is written by hand: every "#/…" is made from the route table', () => {
  const own = ['routes.ts'];
  const found = sources(SRC)
    .filter((f) => !own.includes(relative(SRC, f)))
    .flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .map((line, i) => ({ line, at: `${relative(SRC, f)}:${i + 1}` }))
        // Comments may show a route's shape; code may not spell one.
        .filter(({ line }) => !/^\s*(\/\/|\*|\/\*\*)/.test(line) && line.includes('#/')),
    );
  assert.deepEqual(
    found.map((x) => x.at),
    [],
    `links written as strings, not through href() or a builder in prescribing/nav.ts: ${found.map((x) => `${x.at}: ${x.line.trim()}`).join('; ')}`,
  );
});

test('reads the route from the hash, and falls back to Home for unknown or empty hashes', () => {
  assert.equal(currentPath(''), '', 'no hash is Home');
  assert.equal(currentPath('#/'), '', '#/ is Home');
  assert.equal(currentPath('#/diagnostics'), 'diagnostics', 'an area');
  assert.equal(currentPath('#diagnostics'), 'diagnostics', 'an area without the slash');
  assert.equal(currentPath('#/api-keys?x=1'), 'api-keys', 'the query is not part of the path');
  assert.equal(currentPath('#/prescribe/new'), 'prescribe', 'a page inside an area is that area');
  assert.equal(currentPath('#/nowhere'), '', 'an unknown area is Home');
  assert.equal(currentPath('#maincontent'), '', 'an in-page link is not an area');
  assert.equal(pathNamed('settings'), 'settings', 'a name in the table');
  assert.equal(pathNamed(undefined), '', 'no name is Home');
  assert.equal(isRouteHash('#maincontent'), false, 'an in-page fragment leaves the page as it is');
  assert.equal(isRouteHash('#/settings'), true, 'a hash route changes the page');
  assert.equal(isRouteHash(''), true, 'no hash is Home');
});

test('links are made from the table, and read back to the same place', () => {
  assert.equal(href(''), '#/', 'Home');
  assert.equal(href('dispense'), '#/dispense', 'an area');
  assert.equal(href('prescribe', UUID, 'items'), `#/prescribe/${UUID}/items`, 'a page inside an area');
  for (const r of routes) assert.equal(currentPath(href(r.path)), r.path, `href('${r.path}') leads back to it`);
  assert.equal(routeOf('settings').title, 'Settings', 'the title comes from the table');
  assert.deepEqual(dispenseRoute(dispenseHref(UUID)), { page: 'detail', id: UUID }, 'one released prescription');
  assert.deepEqual(dispenseRoute(checkSignatureHref), { page: 'check' }, 'the signature check');
  assert.deepEqual(dispenseRoute(dispenseHref()), { page: 'list' }, 'the list');
  assert.deepEqual(dispenseRoute('#/dispense/not-an-id'), { page: 'list' }, 'a bad ID is the list');
  assert.equal(prescriberHref(UUID), `#/settings/prescriber?back=${UUID}`, 'the way back to a draft is kept');
  assert.equal(prescriberHref(), '#/settings/prescriber', 'no way back');
});

test('a link to a path not in the table does not compile (npm run typecheck checks these lines)', () => {
  // @ts-expect-error: 'nowhere' is not a path in the route table.
  const made = href('nowhere');
  // @ts-expect-error: a hand-written link must also lead to a path in the table.
  const written: Href = '#/nowhere/else';
  const fine: Href = '#/prescriptions/x';
  assert.equal(made, '#/nowhere', 'at run time href only joins; the type checker is the guard');
  assert.equal(currentPath(written), '', 'and an unknown area shows Home');
  assert.equal(currentPath(fine), 'prescriptions', 'a page inside a known area');
});

test('who may use an area: a role for prescribing or dispensing, anyone for the rest', () => {
  assert.equal(mayUse('dispense', ['B0570']), true, 'a pharmacy role dispenses');
  assert.equal(mayUse('dispense', ['B0278']), false, 'a prescribing role does not dispense');
  assert.equal(mayUse('prescribe', ['B0278']), true, 'a prescribing role prescribes');
  assert.equal(mayUse('prescribe', ['B0570']), false, 'a pharmacy role does not prescribe');
  assert.equal(mayUse('prescribe', null), false, 'no role, no prescribing');
  assert.equal(mayUse('settings', null), true, 'Settings is for anyone');
});
