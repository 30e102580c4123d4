import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Router, json, type Route } from '../../../sandbox/http/router';

const r = (method: Route['method'], path: string): Route => ({ method, path, handle: () => json(200, { path }) });

test('routes match by method and path pattern, with decoded {params} and literal $ operations', () => {
  const router = new Router().add([
    r('POST', '/FHIR/R4/$prepare'),
    r('POST', '/FHIR/R4/Task/$release'),
    r('GET', '/FHIR/R4/Task/{id}'),
    r('GET', '/Patient/{nhs}'),
  ]);
  const m = router.match('GET', '/Patient/943%20476');
  assert.ok(m && m !== 'method-not-allowed', "m && m !== 'method-not-allowed'");
  assert.deepEqual(m.params, { nhs: '943 476' });
  const op = router.match('POST', '/FHIR/R4/Task/$release');
  assert.ok(op && op !== 'method-not-allowed', "op && op !== 'method-not-allowed'");
  assert.equal(op.route.path, '/FHIR/R4/Task/$release');
  assert.equal(router.match('GET', '/FHIR/R4/Xprepare'), null, '$ is literal, not a regex anchor');
  assert.equal(router.match('DELETE', '/Patient/1'), 'method-not-allowed');
  assert.equal(router.match('GET', '/Patient/1/extra'), null);
  assert.throws(() => router.match('GET', '/Patient/%E0%A4%A'), URIError);
});

test('a route added twice (same method and path) is refused when the server mounts it, naming it', () => {
  const router = new Router().add([r('GET', '/x'), r('POST', '/x')]);
  assert.throws(() => router.add([r('GET', '/x')]), /GET \/x is mounted twice/, 'the second GET /x is refused');
});
