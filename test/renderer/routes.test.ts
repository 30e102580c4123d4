import { test } from 'node:test';
import assert from 'node:assert/strict';
import { currentPath, routes } from '../../renderer/src/routes';

test('every area of the app has a route, Home first', () => {
  assert.deepEqual(
    routes.map((r) => r.label),
    ['Home', 'Prescribe', 'Prescriptions', 'Dispense', 'Assurance', 'API keys', 'Diagnostics', 'Settings'],
  );
  assert.equal(new Set(routes.map((r) => r.path)).size, routes.length);
});

test('reads the route from the hash, and falls back to Home for unknown or empty hashes', () => {
  assert.equal(currentPath(''), '');
  assert.equal(currentPath('#/'), '');
  assert.equal(currentPath('#/diagnostics'), 'diagnostics');
  assert.equal(currentPath('#diagnostics'), 'diagnostics');
  assert.equal(currentPath('#/api-keys?x=1'), 'api-keys');
  assert.equal(currentPath('#/prescribe/new'), 'prescribe');
  assert.equal(currentPath('#/nowhere'), '');
  assert.equal(currentPath('#maincontent'), '');
});
