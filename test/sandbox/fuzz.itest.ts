// Hostile and broken input on every route the sandbox mounts, over real HTTPS: a seeded fuzz run
// (the same requests every time) and targeted cases — body limit, 405 with Allow, path traversal,
// DTDs and external entities (a marker file that must never come back), huge, duplicated and
// garbage headers. Every answer must be a 4xx (or a 2xx for the rare input that happens to be
// valid), never a 5xx; afterwards the server still works and its database is intact.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'node:https';
import { generateKeyPairSync, randomUUID, sign, createSign } from 'node:crypto';
import { constants, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type RunningSandbox } from '../../sandbox/server';
import { encodeGpObject, parseGpObject, gpValue } from '../../protocols/spine/gpobject';
import { buildSignedData, wrapSmime } from '../../protocols/spine/cms';
import { assembleSignature, provenanceEntry } from '../../protocols/eps/signature';
import {
  seeded,
  send as rawSend,
  sendRaw,
  mutateJson,
  deepJson,
  mutateBytes,
  hostileXml,
  type Reply,
  type Rng,
} from './fuzz-support';
import { epsAcuteExample } from '../support/fixtures';

const example = epsAcuteExample;
const GP = '555086689106',
  ROLE = '200102238987';
const SEED = 20261130;
const CASES_PER_ROUTE = 48;

type Json = Record<string, unknown>;
let sb: RunningSandbox;
let dir: string;
let ca: string;
let agent: Agent;
let token: string;
let marker: { file: string; text: string };
let bundle: Json;
let signedBundle: Json;
let cardKey: ReturnType<typeof generateKeyPairSync>['privateKey'];
let authCertDer: Buffer;

const send = (path: string, init: Parameters<typeof rawSend>[3] = {}): Promise<Reply> =>
  rawSend(sb.baseUrl, ca, path, { agent, ...init });
const auth = (): Record<string, string> => ({
  authorization: `Bearer ${token}`,
  'nhsd-session-urid': ROLE,
  'content-type': 'application/fhir+json',
  'x-request-id': randomUUID(),
});

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'scrip-fuzz-'));
  sb = await startSandbox({ dataDir: dir, clock: '2026-11-22T10:00:00Z' });
  ca = readFileSync(sb.caCertPath, 'utf8');
  agent = new Agent({ keepAlive: true, maxSockets: 4, ca });
  marker = { file: join(dir, 'marker.txt'), text: `XXE-MARKER-${randomUUID()}` };
  writeFileSync(marker.file, marker.text);
  const s = sb.context.broker.scriptedSession(GP, ROLE);
  assert.ok(typeof s !== 'string', String(s));
  token = s.token;
  // A login card (auth) and a signing key, both from the sandbox CA, so valid bodies reach deep code.
  const authKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  cardKey = authKeys.privateKey;
  authCertDer = sb.context.ca.issueAuthCertificate({
    userId: GP,
    displayName: 'DR CLARE BOIN',
    publicKey: authKeys.publicKey,
  }).der;
  const signKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signCert = sb.context.ca.issueSigningCertificate({
    userId: GP,
    displayName: 'DR CLARE BOIN',
    publicKey: signKeys.publicKey,
  });
  bundle = JSON.parse(readFileSync(example, 'utf8')) as Json;
  const prep = await send('/FHIR/R4/$prepare', { method: 'POST', headers: auth(), body: JSON.stringify(bundle) });
  assert.equal(prep.status, 200, prep.body);
  const p = (JSON.parse(prep.body) as { parameter: Array<{ name: string; valueString: string }> }).parameter;
  const digest = p.find((x) => x.name === 'digest')!.valueString,
    timestamp = p.find((x) => x.name === 'timestamp')!.valueString;
  const xml = assembleSignature(
    digest,
    sign('sha256', Buffer.from(digest, 'base64'), signKeys.privateKey).toString('base64'),
    signCert.der.toString('base64'),
  );
  const entries = bundle.entry as Json[];
  const mrs = entries.filter((e) => (e.resource as Json).resourceType === 'MedicationRequest');
  const requester = ((mrs[0]!.resource as Json).requester as Json).reference as string;
  signedBundle = {
    ...bundle,
    entry: [
      ...entries,
      provenanceEntry({
        id: randomUUID(),
        requesterReference: requester,
        targetReferences: mrs.map((e) => e.fullUrl as string),
        recorded: timestamp,
        signedAt: timestamp,
        signatureXml: xml,
      }),
    ],
  };
});
after(async () => {
  agent?.destroy();
  await sb?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A valid gpOBJECT body for each broker POST route (validate: a real challenge, signed by the card). */
async function brokerBody(path: string): Promise<string> {
  const activation = encodeGpObject([
    { name: 'auth_method', value: '3' },
    { name: 'app_url', value: 'NHST' },
    { name: 'service', value: 'ACTIVATION' },
  ]);
  if (path.endsWith('authactivate')) return activation;
  if (path.endsWith('authlogout'))
    return encodeGpObject([
      { name: 'sso_ticket', value: sb.context.broker.scriptedSession(GP, ROLE) && 'AQIC5wM2LY4Sunknown' },
      { name: 'service', value: 'LOGOUT' },
    ]);
  const a = parseGpObject((await send('/login/authactivate', { method: 'POST', body: activation })).body);
  const challenge = gpValue(a, 'challenge')!;
  const content = Buffer.from(challenge, 'base64');
  const response = wrapSmime(
    buildSignedData({
      content,
      certificateDer: authCertDer,
      signature: createSign('sha256').update(content).sign(cardKey),
      digest: 'sha256',
    }),
  );
  return encodeGpObject([
    { name: 'service', value: 'AUTHENTICATION' },
    { name: 'challenge', value: challenge },
    { name: 'signature', value: gpValue(a, 'signature')! },
    { name: 'uid', value: GP },
    { name: 'response', value: response, attrs: { encoding: 'base64' } },
  ]);
}

/** A plausible body for a route, before mutation. */
async function baseBody(method: string, path: string): Promise<{ text: string; json: boolean }> {
  if (method === 'GET') return { text: '', json: false };
  if (path.startsWith('/login/')) return { text: await brokerBody(path), json: false };
  if (path === '/FHIR/R4/$process-message') return { text: JSON.stringify(signedBundle), json: true };
  if (path.startsWith('/FHIR/')) return { text: JSON.stringify(bundle), json: true };
  if (path === '/_clock') return { text: '{"advanceSeconds":1}', json: true };
  return { text: '{}', json: true };
}

const SEGMENTS = [
  '',
  '..',
  '%2e%2e',
  '..%2f..%2fca%2froot.key.pem',
  '%00',
  '%E0%A4%A',
  '%',
  'x'.repeat(4000),
  '9449305552',
  '200102238987',
  'root',
  'auth.crl',
  '\u00e9\u4e2d',
  '%2F',
  'AQIC5wM2LY4S%40AAJTSQACMDE%3D%23',
  '*',
  'null',
  '-1',
];
const QUERY_KEYS = [
  'token',
  'selectedRoleUid',
  'since',
  'family',
  'given',
  'birthdate',
  'gender',
  'address-postalcode',
  '_max-results',
  'identifier',
  'algorithm',
  'status',
  'patient',
  'focus',
  '_count',
  'x',
];
const QUERY_VALUES = [
  '',
  'a',
  '%',
  '%ZZ',
  '-1',
  '1e400',
  'NaN',
  'x'.repeat(3000),
  'ge2000-01-01',
  'eq9999-99-99',
  '*',
  'SM*',
  'RS1',
  '9449305552',
  '%00',
  '<x>',
  '\u00e9',
];

function fuzzPath(r: Rng, pattern: string): string {
  let p = pattern.replace(/\{[^}]+\}/g, () => encodeURI(r.pick(SEGMENTS)).replace(/%25([0-9A-F]{2})/gi, '%$1'));
  const q: string[] = [];
  for (let n = r.int(4); n > 0; n--)
    q.push(
      `${encodeURIComponent(r.pick(QUERY_KEYS))}=${r.next() < 0.8 ? encodeURIComponent(r.pick(QUERY_VALUES)) : r.pick(QUERY_VALUES).replace(/ /g, '+')}`,
    );
  if (q.length) p += `?${q.join('&')}`;
  return p.replace(/\$/g, '%24').replace(/%24(prepare|process-message|release|convert)/g, '$$$1');
}

function fuzzHeaders(r: Rng): Record<string, string | string[]> {
  const base = r.next() < 0.6 ? auth() : {};
  const k = r.int(8);
  if (k === 0)
    return {
      ...base,
      authorization: [`Bearer ${token}`, 'Bearer AQIC5wM2LY4Sother'],
      'x-request-id': [randomUUID(), randomUUID()],
    };
  if (k === 1)
    return {
      ...base,
      authorization: r.pick([
        'Bearer',
        'Bearer ',
        'Basic Zm9vOmJhcg==',
        `Bearer ${'A'.repeat(8000)}`,
        'bearer \u00ff\u00fe',
      ]),
    };
  if (k === 2) return { ...base, 'nhsd-session-urid': r.pick(['', '200102238988', '0', 'x'.repeat(5000), '\u00e9']) };
  if (k === 3)
    return {
      ...base,
      'content-type': r.pick([
        '',
        'text/xml',
        'application/json; charset=utf-16',
        'multipart/form-data; boundary=x',
        'application/fhir+json;;;',
      ]),
    };
  if (k === 4) return { ...base, 'x-request-id': r.pick(['', 'x'.repeat(8000), '../../etc', '\u00e9\u00e9']) };
  if (k === 5)
    return { ...base, ...Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`x-junk-${i}`, 'y'.repeat(50)])) };
  return base;
}

/** One fuzzed request for a route: which kind of damage, and the request itself. */
async function fuzzCase(
  r: Rng,
  route: { method: string; path: string },
): Promise<{ kind: string; path: string; method: string; headers: Record<string, string | string[]>; body?: Buffer }> {
  const base = await baseBody(route.method, route.path);
  const path =
    r.next() < 0.5
      ? route.path.replace(/\{[^}]+\}/g, (m) =>
          m.includes('nhs') ? '9449305552' : m.includes('kind') ? 'auth.crl' : 'x',
        )
      : fuzzPath(r, route.path);
  const headers = fuzzHeaders(r);
  if (route.method === 'GET') {
    const kind = r.pick(['none', 'none', 'bytes-on-get']);
    return {
      kind,
      path: kind === 'none' ? path : fuzzPath(r, route.path),
      method: 'GET',
      headers,
      ...(kind === 'bytes-on-get' ? { body: r.bytes(r.int(3000)) } : {}),
    };
  }
  const text = Buffer.from(base.text);
  const kinds = [
    'as-is',
    'truncated',
    'bytes',
    'random',
    'empty',
    'deep',
    'hostile-xml',
    base.json ? 'wrong-types' : 'xml-values',
    base.json ? 'wrong-types' : 'xml-values',
    'big',
  ];
  const kind = r.pick(kinds);
  let body: Buffer;
  switch (kind) {
    case 'as-is':
      body = text;
      break;
    case 'truncated':
      body = text.subarray(0, r.int(text.length));
      break;
    case 'bytes':
      body = mutateBytes(text, r);
      break;
    case 'random':
      body = r.bytes(r.int(5000));
      break;
    case 'empty':
      body = Buffer.alloc(0);
      break;
    case 'deep':
      body = Buffer.from(deepJson(r));
      break;
    case 'hostile-xml':
      body = Buffer.from(hostileXml(r, marker.file));
      break;
    case 'wrong-types':
      body = Buffer.from(JSON.stringify(mutateJson(JSON.parse(base.text), r)));
      break;
    case 'xml-values': {
      const evil = r.pick(['<a>', '&bogus;', '&#0;', ']]>', 'x'.repeat(300_000), '"\'', `&xxe;`, '<!--', '\u0000']);
      body = Buffer.from(
        base.text.replace(/(<gpPARAM name="[^"]*"[^>]*>)[^<]*/g, (m, open: string) =>
          r.next() < 0.3 ? open + evil : m,
        ),
      );
      break;
    }
    default:
      body = Buffer.concat([text, Buffer.from(' '.repeat(1_900_000 - text.length > 0 ? 1_900_000 - text.length : 0))]);
      break;
  }
  return { kind, path, method: route.method, headers, body };
}

test('seeded fuzz of every mounted route: never a 5xx, and the server and database survive', async () => {
  const started = Date.now();
  const r = seeded(SEED);
  const routes = sb.routes;
  assert.ok(
    routes.some((x) => x.path === '/FHIR/R4/$process-message') && routes.some((x) => x.path === '/login/authvalidate'),
    'the registered services are mounted',
  );
  const failures: string[] = [];
  const seen = new Map<string, number>();
  let sent = 0;
  for (const route of routes) {
    for (let i = 0; i < CASES_PER_ROUTE; i++) {
      const c = await fuzzCase(r, route);
      // Also the wrong method on the route's path now and then.
      const method =
        r.next() < 0.08
          ? r.pick(['PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', route.method === 'GET' ? 'POST' : 'GET'])
          : c.method;
      const reply = await send(c.path, { method, headers: c.headers, ...(c.body ? { body: c.body } : {}) });
      sent++;
      seen.set(
        `${route.method} ${route.path} ${reply.status}`,
        (seen.get(`${route.method} ${route.path} ${reply.status}`) ?? 0) + 1,
      );
      if (reply.status >= 500 || reply.status < 200)
        failures.push(`${method} ${c.path.slice(0, 120)} [${c.kind}] → ${reply.status} ${reply.body.slice(0, 200)}`);
      if (reply.body.includes(marker.text))
        failures.push(`${method} ${c.path} [${c.kind}] returned the marker file's content`);
    }
  }
  if (process.env.FUZZ_STATS)
    console.log(
      [...seen]
        .sort()
        .map(([k, n]) => `${k}: ${n}`)
        .join('\n'),
    );
  assert.deepEqual(failures, [], `${failures.length} of ${sent} fuzzed requests failed`);
  // The server still answers, its log recorded no 5xx and no entity content, and SQLite is intact.
  assert.equal((await send('/_status')).status, 200);
  const db = sb.context.db;
  assert.equal((db.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check, 'ok');
  const logged5xx = db.prepare('SELECT method, path, response FROM message_log WHERE status >= 500').all() as Array<{
    method: string;
    path: string;
    response: string;
  }>;
  assert.deepEqual(
    logged5xx.map((e) => `${e.method} ${e.path}: ${e.response.slice(0, 300)}`),
    [],
  );
  assert.equal(
    (db.prepare('SELECT COUNT(*) AS n FROM message_log WHERE response LIKE ?').get(`%${marker.text}%`) as { n: number })
      .n,
    0,
  );
  assert.ok(
    (db.prepare('SELECT COUNT(*) AS n FROM message_log').get() as { n: number }).n >= sent,
    "(db.prepare('SELECT COUNT(*) AS n FROM message_log').get() as { n: number }).n >= sent",
  );
  // And it still does its job: a prepare and a patient lookup for the same session.
  const prep = await send('/FHIR/R4/$prepare', { method: 'POST', headers: auth(), body: JSON.stringify(bundle) });
  assert.equal(prep.status, 200, prep.body);
  assert.equal((await send('/Patient/9449305552', { headers: auth() })).status, 200);
  assert.ok(Date.now() - started < 45_000, `the fuzz run took ${Date.now() - started} ms`);
});

/** Every field of every resource, to three levels, replaced by null, [null] or a wrong type. */
function structuralVariants(doc: Json): Json[] {
  const out: Json[] = [];
  const entries = doc.entry as Json[];
  const values: unknown[] = [null, [null], 'x', 7, {}, [[]]];
  entries.forEach((_, i) => {
    out.push(
      { ...doc, entry: entries.map((e, j) => (j === i ? null : e)) },
      { ...doc, entry: entries.map((e, j) => (j === i ? { ...e, resource: null } : e)) },
    );
    const visit = (path: Array<string | number>, node: unknown, depth: number): void => {
      if (depth > 3 || !node || typeof node !== 'object') return;
      for (const [k, child] of Object.entries(node)) {
        const at = [...path, Array.isArray(node) ? Number(k) : k];
        for (const v of values) {
          const copy = JSON.parse(JSON.stringify(doc)) as Json;
          let target = (copy.entry as Json[])[i]!.resource as Record<string | number, unknown>;
          for (const step of at.slice(0, -1)) target = target[step] as Record<string | number, unknown>;
          target[at.at(-1)!] = v;
          out.push(copy);
        }
        visit(at, child, depth + 1);
      }
    };
    visit([], entries[i]!.resource, 1);
  });
  return out;
}

test('FHIR operations: every field of the Bundle nulled or retyped (a seeded sample) gets a 4xx', async () => {
  const r = seeded(SEED + 1);
  const failures: string[] = [];
  for (const route of sb.routes.filter(
    (x) => x.method === 'POST' && x.path.startsWith('/FHIR/') && !x.path.includes('{'),
  )) {
    const all = structuralVariants(route.path === '/FHIR/R4/$process-message' ? signedBundle : bundle);
    for (let i = 0; i < 400; i++) {
      const body = r.pick(all);
      const reply = await send(route.path, { method: 'POST', headers: auth(), body: JSON.stringify(body) });
      if (reply.status >= 500) failures.push(`${route.path} → ${reply.status} ${reply.body.slice(0, 200)}`);
    }
  }
  assert.deepEqual(failures, []);
  const logged5xx = sb.context.db.prepare('SELECT path, response FROM message_log WHERE status >= 500').all() as Array<{
    path: string;
    response: string;
  }>;
  assert.deepEqual(
    logged5xx.map((e) => `${e.path}: ${e.response.slice(0, 300)}`),
    [],
  );
});

test('bodies over the limit get 413 (declared or streamed) and the server goes on', async () => {
  const big = Buffer.alloc(3 * 1024 * 1024, 0x7b);
  const declared = await send('/FHIR/R4/$prepare', { method: 'POST', headers: auth(), body: big, agent: false });
  assert.equal(declared.status, 413);
  assert.equal((JSON.parse(declared.body) as { resourceType: string }).resourceType, 'OperationOutcome');
  const streamed = await send('/login/authvalidate', { method: 'POST', body: big, agent: false, chunked: true });
  assert.equal(streamed.status, 413);
  const hugeDeclared = await sendRaw(
    '127.0.0.1',
    Number(new URL(sb.baseUrl).port),
    ca,
    'POST /FHIR/R4/$process-message HTTP/1.1\r\nHost: localhost\r\nContent-Length: 99999999999\r\n\r\n{',
  );
  assert.match(hugeDeclared, /^HTTP\/1\.1 413 /);
  assert.equal((await send('/_status')).status, 200);
});

test('a wrong method gets 405 with Allow, on every route', async () => {
  for (const route of sb.routes) {
    const path = route.path.replace(/\{[^}]+\}/g, 'x');
    const wrong = route.method === 'GET' ? 'DELETE' : 'GET';
    if (
      sb.routes.some(
        (x) =>
          x.method === wrong &&
          new RegExp(`^${x.path.replace(/[$]/g, '\\$').replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path),
      )
    )
      continue;
    const reply = await send(path, { method: wrong });
    assert.equal(reply.status, 405, `${wrong} ${path}`);
    assert.ok(
      String(reply.headers.allow).split(', ').includes(route.method),
      `${wrong} ${path}: Allow ${String(reply.headers.allow)}`,
    );
  }
  const fhir = await send('/FHIR/R4/$prepare', { method: 'PATCH' });
  assert.equal(fhir.headers.allow, 'POST');
  assert.equal((JSON.parse(fhir.body) as { resourceType: string }).resourceType, 'OperationOutcome');
  const unknownMethod = await sendRaw(
    '127.0.0.1',
    Number(new URL(sb.baseUrl).port),
    ca,
    'FROB /_status HTTP/1.1\r\nHost: localhost\r\n\r\n',
  );
  assert.match(unknownMethod, /^HTTP\/1\.1 4\d\d /);
});

test('path traversal reaches no file: no key, database or CA file comes back', async () => {
  const paths = [
    '/crl/..%2Fca%2Froot.key.pem',
    '/crl/..%2F..%2Fsandbox.db',
    '/crl/%2e%2e%2fbroker.secret',
    '/../../etc/passwd',
    '/crl/../ca/auth-ca.key.pem',
    '/_sessions/..%2F..%2Fusers.json',
    '/Patient/..%2F..%2Fca.json',
    '/directory/PractitionerRole/..%2f..%2fusers.json',
    '/%2e%2e/%2e%2e/broker.secret',
    '/crl/root.crl%00.pem',
    '/FHIR/R4/..%2F..%2F_log',
  ];
  for (const p of paths) {
    const reply = await send(p, { headers: auth() });
    assert.ok(reply.status >= 400 && reply.status < 500, `${p} → ${reply.status}`);
    assert.doesNotMatch(reply.body, /PRIVATE KEY|BEGIN CERTIFICATE|SQLite format|root:x:0|"issued"/, p);
  }
  for (const target of [
    '../../ca/root.key.pem',
    '//etc/passwd',
    '/crl/../../ca/root.key.pem',
    'https://evil.example/ca/root.key.pem',
  ]) {
    const raw = await sendRaw(
      '127.0.0.1',
      Number(new URL(sb.baseUrl).port),
      ca,
      `GET ${target} HTTP/1.1\r\nHost: localhost\r\n\r\n`,
    );
    assert.match(raw, /^HTTP\/1\.1 4\d\d /, target);
    assert.doesNotMatch(raw, /PRIVATE KEY|root:x:0/, target);
  }
});

test('DTDs and external entities are refused or ignored: the marker file is never read into an answer', async () => {
  const bodies: Array<[string, string]> = [];
  const r = seeded(7);
  for (let i = 0; i < 10; i++)
    for (const p of ['/login/authactivate', '/login/authvalidate', '/login/authlogout'])
      bodies.push([p, hostileXml(r, marker.file)]);
  // In the XML-DSig Signature inside a prescription (parsed with xmldom): a DTD with an external entity.
  const entries = signedBundle.entry as Json[];
  const prov = entries.at(-1)!.resource as Json & { signature: Array<Json & { data: string }> };
  const sigXml = Buffer.from(prov.signature[0]!.data, 'base64').toString('utf8');
  const evilSig =
    `<?xml version="1.0"?><!DOCTYPE Signature [<!ENTITY xxe SYSTEM "file://${marker.file}">]>` +
    sigXml.replace('<SignatureValue>', '<SignatureValue>&xxe;');
  const evilBundle = {
    ...signedBundle,
    entry: [
      ...entries.slice(0, -1),
      {
        ...entries.at(-1),
        resource: { ...prov, signature: [{ ...prov.signature[0], data: Buffer.from(evilSig).toString('base64') }] },
      },
    ],
  };
  for (const [path, body] of bodies) {
    const reply = await send(path, { method: 'POST', body });
    // A DOCTYPE naming an external DTD with no internal subset is skipped unread (gpOBJECT always
    // carries one); everything with entity declarations is refused.
    const ignorable = /^<\?xml version="1.0"\?><!DOCTYPE gpOBJECT SYSTEM "[^"]*">/.test(body);
    assert.ok(
      (reply.status >= 400 && reply.status < 500) || (ignorable && reply.status === 200),
      `${path} → ${reply.status} ${reply.body.slice(0, 200)}`,
    );
    assert.ok(!reply.body.includes(marker.text), `${path} returned the marker`);
  }
  const pm = await send('/FHIR/R4/$process-message', {
    method: 'POST',
    headers: auth(),
    body: JSON.stringify(evilBundle),
  });
  assert.ok(pm.status >= 400 && pm.status < 500, `$process-message → ${pm.status} ${pm.body.slice(0, 300)}`);
  assert.ok(!pm.body.includes(marker.text), '!pm.body.includes(marker.text)');
  const logged = sb.context.db
    .prepare('SELECT COUNT(*) AS n FROM message_log WHERE response LIKE ?')
    .get(`%${marker.text}%`) as { n: number };
  assert.equal(logged.n, 0, 'no answer in the message log carries the file content');

  // Stronger than "the content did not come back": entities naming a FIFO. A parser that tried to
  // read one would open it and wait for a writer for ever; then a writer could open it at once.
  const fifo = join(dir, 'entity.fifo');
  execFileSync('mkfifo', [fifo]);
  const r2 = seeded(8);
  for (let i = 0; i < 10; i++) {
    for (const p of ['/login/authactivate', '/login/authvalidate', '/login/authlogout']) {
      const reply = await send(p, { method: 'POST', body: hostileXml(r2, fifo) });
      assert.ok(reply.status < 500, `${p} → ${reply.status}`);
    }
  }
  const fifoSig = evilSig.replaceAll(marker.file, fifo);
  const fifoBundle = {
    ...evilBundle,
    entry: [
      ...entries.slice(0, -1),
      {
        ...entries.at(-1),
        resource: { ...prov, signature: [{ ...prov.signature[0], data: Buffer.from(fifoSig).toString('base64') }] },
      },
    ],
  };
  assert.ok(
    (await send('/FHIR/R4/$process-message', { method: 'POST', headers: auth(), body: JSON.stringify(fifoBundle) }))
      .status < 500,
    "(await send('/FHIR/R4/$process-message', { method: 'POST', headers: auth(), body: JSON.stringify(…",
  );
  assert.throws(
    () => openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK),
    (e: NodeJS.ErrnoException) => e.code === 'ENXIO',
    'nothing in the sandbox opened the FIFO to read it',
  );
});

test('huge, duplicated and garbage headers get 4xx (or are ignored), never a 5xx', async () => {
  const port = Number(new URL(sb.baseUrl).port);
  const huge = await send('/_status', { headers: { 'x-huge': 'h'.repeat(20_000) }, agent: false });
  assert.equal(huge.status, 431);
  const manyHeaders = await send('/Patient/9449305552', {
    headers: { ...auth(), ...Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`x-h-${i}`, 'v'])) },
  });
  assert.equal(manyHeaders.status, 200, 'many small headers are fine');
  const dup = await send('/Patient/9449305552', {
    headers: { ...auth(), 'nhsd-session-urid': [ROLE, '200102238988'], 'x-request-id': [randomUUID(), randomUUID()] },
  });
  assert.ok(dup.status >= 400 && dup.status < 500, `duplicated headers → ${dup.status}`);
  const dupAuth = await send('/FHIR/R4/$prepare', {
    method: 'POST',
    headers: { ...auth(), authorization: ['Bearer AQIC5wM2LY4Sunknown', `Bearer ${token}`] },
    body: JSON.stringify(bundle),
  });
  assert.ok(dupAuth.status < 500, `duplicated Authorization → ${dupAuth.status}`);
  const garbage = [
    'GET /_status HTTP/1.1\r\nHost: localhost\r\nX-Bad: a\u0001b\r\n\r\n',
    'GET /_status HTTP/1.1\r\nHost: localhost\r\nBad Header Name: x\r\n\r\n',
    'GET /_status HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nabcde',
    'GET /_status HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n',
    'POST /login/authactivate HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\nabc\r\n',
    '\u0000\u0001\u0002\u0003garbage\r\n\r\n',
    'GET /_status HTTP/9.9\r\n\r\n',
    'GET /_status HTTP/1.1\r\nHost: localhost\r\n' + 'X: y\r\n'.repeat(5000) + '\r\n',
  ];
  for (const g of garbage) {
    const out = await sendRaw('127.0.0.1', port, ca, g);
    const status = /^HTTP\/1\.[01] (\d{3})/.exec(out)?.[1];
    assert.ok(
      status === undefined || (Number(status) >= 400 && Number(status) < 500) || Number(status) === 200,
      `${JSON.stringify(g.slice(0, 60))} → ${out.slice(0, 60)}`,
    );
  }
  // A request whose body never fully arrives: the server does not fall over.
  await sendRaw(
    '127.0.0.1',
    port,
    ca,
    'POST /login/authactivate HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\n\r\n<gpOBJECT>',
    300,
  );
  assert.equal((await send('/_status')).status, 200);
});

test('deeply nested JSON to the EPS operations is a 400 OperationOutcome', async () => {
  for (const path of ['/FHIR/R4/$prepare', '/FHIR/R4/$process-message']) {
    for (const body of [
      '['.repeat(100_000) + ']'.repeat(100_000),
      '{"resourceType":"Bundle","type":"message","entry":[' +
        '{"resource":'.repeat(50_000) +
        'null' +
        '}'.repeat(50_000) +
        ']}',
    ]) {
      const reply = await send(path, { method: 'POST', headers: auth(), body });
      assert.equal(reply.status, 400, `${path}: ${reply.body.slice(0, 200)}`);
      assert.equal((JSON.parse(reply.body) as { resourceType: string }).resourceType, 'OperationOutcome');
    }
  }
});
