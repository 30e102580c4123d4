// The PDS-style patient index over real HTTPS: retrieval, search, and the PDS error codes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type RunningSandbox } from '../../../sandbox/server';
import { isValidNhsNumber } from '../../../protocols/ids/nhs-number';
import { httpsClient } from '../support/sandbox-client';

let sb: RunningSandbox;
let send: ReturnType<typeof httpsClient>;
let dir: string;
let token: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'scrip-pds-'));
  sb = await startSandbox({ dataDir: dir, clock: '2026-11-22T10:00:00Z' });
  send = httpsClient(sb.baseUrl, sb.caCertPath);
  const s = sb.context.broker.scriptedSession('555086689106', '200102238987');
  assert.ok(typeof s !== 'string', "typeof s !== 'string'");
  token = s.token;
});
after(async () => {
  await sb.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = (path: string, headers: Record<string, string> = {}) =>
  send(path, { headers: { authorization: `Bearer ${token}`, 'x-request-id': randomUUID(), ...headers } });
type Outcome = {
  resourceType: string;
  issue: Array<{ code: string; details: { coding: Array<{ code: string }> }; expression?: string[] }>;
};
const spineCode = (body: string) => (JSON.parse(body) as Outcome).issue[0]!.details.coding[0]!.code;

test('a patient is retrieved by NHS number, with the nominated pharmacy and an ETag', async () => {
  const r = await get('/Patient/9449305552');
  assert.equal(r.status, 200, r.body);
  assert.equal(r.headers.etag, 'W/"1"');
  assert.match(String(r.headers['content-type']), /application\/fhir\+json/);
  const p = JSON.parse(r.body);
  assert.equal(p.resourceType, 'Patient');
  assert.equal(p.identifier[0].value, '9449305552');
  assert.equal(p.identifier[0].extension[0].valueCodeableConcept.coding[0].code, '01');
  assert.deepEqual(p.name[0].given, ['OCTAVIA']);
  const pharmacy = p.extension.find(
    (e: { url: string }) => e.url === 'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NominatedPharmacy',
  );
  assert.equal(pharmacy.valueReference.identifier.value, 'FCG71');
  assert.equal(pharmacy.valueReference.display, 'WESTON PHARMACY');
});

test('every seeded patient has a valid NHS number and some have a nominated pharmacy', async () => {
  const r = await get('/Patient?family=*&birthdate=ge1900-01-01');
  assert.equal(r.status, 400, 'a wildcard needs two leading characters');
  let withPharmacy = 0;
  for (const n of ['9449305552', '5839945242', '9449304424', '9000000009', '9000000017', '9434765919']) {
    assert.ok(isValidNhsNumber(n), 'isValidNhsNumber(n)');
    const p = JSON.parse((await get(`/Patient/${n}`)).body);
    if (p.extension) withPharmacy++;
  }
  assert.ok(withPharmacy >= 2 && withPharmacy < 6, 'withPharmacy >= 2 && withPharmacy < 6');
});

test('a restricted record withholds address and GP', async () => {
  const p = JSON.parse((await get('/Patient/9000000025')).body);
  assert.equal(p.meta.security[0].code, 'R');
  assert.equal(p.address, undefined);
  assert.equal(p.generalPractitioner, undefined);
  const byPostcode = JSON.parse(
    (await get('/Patient?family=SMYTHE&birthdate=eq2005-06-16&address-postalcode=WF132AB')).body,
  );
  assert.equal(byPostcode.total, 0, 'never found by address');
});

test('search by family and birthdate, narrowed by given name, gender and postcode; no pharmacy in results', async () => {
  const r = await get('/Patient?family=smith&birthdate=eq2010-10-22');
  assert.equal(r.status, 200, r.body);
  const b = JSON.parse(r.body);
  assert.equal(b.resourceType, 'Bundle');
  assert.equal(b.type, 'searchset');
  assert.equal(b.total, 1);
  assert.equal(b.entry[0].resource.id, '9000000009');
  assert.equal(b.entry[0].search.score, 1);
  assert.equal(b.entry[0].resource.extension, undefined, 'search results carry no pharmacy details');
  assert.equal(
    JSON.parse(
      (await get('/Patient?family=SMITH&birthdate=eq2010-10-22&given=JANE&gender=female&address-postalcode=wf13%201hf'))
        .body,
    ).total,
    1,
  );
  assert.equal(JSON.parse((await get('/Patient?family=SMITH&birthdate=eq2010-10-22&given=PETER')).body).total, 0);
  assert.equal(
    JSON.parse((await get('/Patient?family=SM*&birthdate=ge1950-01-01&birthdate=le2011-01-01')).body).total,
    3,
  );
});

test('too many matches is a 200 asking to refine the search', async () => {
  const r = await get('/Patient?family=SM*&birthdate=ge1900-01-01&_max-results=1');
  assert.equal(r.status, 200);
  const b = JSON.parse(r.body);
  assert.equal(b.total, 0);
  assert.equal(b.entry[0].resource.issue[0].details.coding[0].code, 'TOO_MANY_MATCHES');
});

test('each mistake has its PDS error code', async () => {
  const cases: Array<[string, number, string]> = [
    ['/Patient/9000000000', 400, 'INVALID_RESOURCE_ID'],
    ['/Patient/12345', 400, 'INVALID_RESOURCE_ID'],
    ['/Patient/9111231130', 404, 'RESOURCE_NOT_FOUND'],
    ['/Patient', 400, 'UNSUPPORTED_SERVICE'],
    ['/Patient?family=SMITH', 400, 'MISSING_VALUE'],
    ['/Patient?family=SMITH&birthdate=22-10-2010', 400, 'INVALID_VALUE'],
    ['/Patient?family=SMITH&birthdate=eq2010-10-22&gender=mal', 400, 'INVALID_VALUE'],
    ['/Patient?family=SMITH&birthdate=eq2010-10-22&colour=blue', 400, 'ADDITIONAL_PROPERTIES'],
    ['/Patient?family=SMITH&birthdate=eq2010-10-22&_max-results=99', 400, 'INVALID_VALUE'],
  ];
  for (const [path, status, code] of cases) {
    const r = await get(path);
    assert.equal(r.status, status, `${path}: ${r.body}`);
    assert.equal(spineCode(r.body), code, path);
  }
  const noId = await send('/Patient/9449305552', { headers: { authorization: `Bearer ${token}` } });
  assert.equal(noId.status, 400);
  assert.equal(spineCode(noId.body), 'MISSING_VALUE');
});

test('no token, an unknown token, or an ended session is refused with ACCESS_DENIED', async () => {
  const anon = await send('/Patient/9449305552', { headers: { 'x-request-id': randomUUID() } });
  assert.equal(anon.status, 401);
  assert.equal(spineCode(anon.body), 'ACCESS_DENIED');
  assert.equal((await get('/Patient/9449305552', { authorization: 'Bearer AQIC5wM2LY4Snope' })).status, 401);
  const s = sb.context.broker.scriptedSession('555086692103', '200102240003');
  assert.ok(typeof s !== 'string', "typeof s !== 'string'");
  assert.equal((await get('/Patient/9449305552', { authorization: `Bearer ${s.token}` })).status, 200);
  assert.equal(
    (await get('/Patient/9449305552', { authorization: `Bearer ${s.token}`, 'nhsd-session-urid': '200102238987' }))
      .status,
    403,
    'URID must be the selected role',
  );
  await sb.context.clock.advance(16 * 60_000);
  const idle = await get('/Patient/9449305552', { authorization: `Bearer ${s.token}` });
  assert.equal(idle.status, 401);
  assert.match(JSON.parse(idle.body).issue[0].diagnostics, /token-idle-timeout/);
});
