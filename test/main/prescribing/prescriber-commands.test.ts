// prescriber.get/set/clear over the real local HTTP API: saved details win; cleared, they are gone
// and the environment's own source (the sandbox directory, or none) answers again.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../support/test-app';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(async () => {
  await t.close();
});

const ROLE = '200102238987';
const call = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${t.server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${t.adminKey}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
};

test('saved prescriber details are used until cleared', async () => {
  const before = await call('GET', `/prescriber?roleProfileId=${ROLE}`);
  assert.equal(before.status, 200);
  assert.notEqual(before.json.source, 'settings');
  const settings = {
    professionalCode: { system: 'gmc', value: '6095103' },
    telecom: '01234567890',
    organisation: {
      name: 'HALLGARTH SURGERY',
      telecom: '0115 9737320',
      addressLines: ['CHEAPSIDE'],
      postcode: 'DL4 2HP',
      partOf: { odsCode: '84H', name: 'NHS COUNTY DURHAM CCG' },
    },
  };
  assert.equal((await call('PUT', '/prescriber', { roleProfileId: ROLE, settings })).status, 200);
  assert.equal((await call('GET', `/prescriber?roleProfileId=${ROLE}`)).json.source, 'settings');
  assert.deepEqual((await call('DELETE', `/prescriber?roleProfileId=${ROLE}`)).json, {
    roleProfileId: ROLE,
    cleared: true,
  });
  const after = await call('GET', `/prescriber?roleProfileId=${ROLE}`);
  assert.equal(after.json.source, before.json.source);
  assert.equal(after.json.settings, null);
  assert.deepEqual((await call('DELETE', `/prescriber?roleProfileId=${ROLE}`)).json, {
    roleProfileId: ROLE,
    cleared: false,
  });
});
