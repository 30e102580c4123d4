import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  MessageLog,
  PAGE_LIMITS,
  STORED_BODY_CHARS,
  redact,
  redactBody,
  redactPath,
} from '../../../sandbox/log/message-log';
import { openSandboxDb, type SandboxDb } from '../../../sandbox/store/db';
import { parseGpObject } from '../../../protocols/spine/gpobject';

const TOKEN = 'AQIC5wM2LY4SsecretsecretX=@AAJTSQACMDE=#';

function withDb(f: (db: SandboxDb, dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'scrip-log-'));
  const db = openSandboxDb(join(dir, 'sandbox.db'));
  try {
    f(db, dir);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
const exchange = {
  at: '2026-11-22T10:00:00.000Z',
  method: 'POST',
  status: 200,
  requestId: null,
  response: 'ok',
  ms: 1,
};

test('tokens are redacted wherever they appear: headers, gpOBJECT, JSON, query strings, SAML', () => {
  const texts = [
    `Authorization: Bearer ${TOKEN}`,
    `<gpPARAM name="sso_ticket">${TOKEN}</gpPARAM>`,
    `{"token":"${TOKEN}","roleProfileId":"200102238987"}`,
    `/saml/RoleAssertion?token=${TOKEN}&x=1`,
    `<saml:SubjectConfirmationData>${TOKEN}</saml:SubjectConfirmationData>`,
    `/_sessions/${TOKEN}`,
  ];
  for (const t of texts) {
    const r = redact(t);
    assert.ok(!r.includes('secretsecret'), `redacted: ${r}`);
    assert.match(r, /\[redacted\]/, `marked: ${r}`);
  }
  assert.match(redact('{"token":"x","roleProfileId":"200102238987"}'), /200102238987/, 'other values are kept');
});

test('the two leaks found: a percent-encoded ?%74oken= and a single-quoted gpPARAM name are redacted', () => {
  const secret = 'S3CRETabcdefghijklmnop';
  const path = redactPath(`/saml/RoleAssertion?%74oken=${secret}&x=1`);
  assert.ok(!path.includes(secret), `the path keeps no token: ${path}`);
  assert.match(path, /%74oken=\[redacted\]&x=1$/, 'the name as sent, the value redacted, the rest kept');
  const body = redactBody(
    `<?xml version="1.0"?><gpOBJECT><gpPARAM name='sso_ticket'>${secret}</gpPARAM><gpPARAM name="service">LOGOUT</gpPARAM></gpOBJECT>`,
  );
  assert.ok(!body.includes(secret), `the gpOBJECT keeps no token: ${body}`);
  assert.deepEqual(
    parseGpObject(body).map((p) => [p.name, p.value]),
    [
      ['sso_ticket', '[redacted]'],
      ['service', 'LOGOUT'],
    ],
    'the redacted body is still a gpOBJECT, other params kept',
  );
});

test('RP-initiated logout: the ID token sent as id_token_hint is redacted in a form body and a query string', () => {
  const idToken = 'eyJhbGciOiJSUzI1NiJ9.eyJzaWQiOiJ4In0.c2lnbmF0dXJl';
  const body = redactBody(`id_token_hint=${idToken}&client_id=scrip.apps.sandbox`);
  assert.ok(!body.includes(idToken), `the form body keeps no ID token: ${body}`);
  assert.match(body, /client_id=scrip\.apps\.sandbox/, 'the client ID is kept');
  const path = redactPath(`/cis2/connect/endSession?id_token_hint=${idToken}&state=s`);
  assert.ok(!path.includes(idToken), `the query keeps no ID token: ${path}`);
});

// Encodings a client might use, each one the sandbox's own readers decode back to the plain text.
const percentEncode = (s: string, pick: boolean[]): string =>
  [...s]
    .map((c, i) =>
      pick[i % pick.length]
        ? `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`
        : c === '&' || c === '=' || c === '#' || c === '%' || c === '+'
          ? encodeURIComponent(c)
          : c,
    )
    .join('');
const charRefs = (s: string, pick: boolean[], hex: boolean): string =>
  [...s]
    .map((c, i) =>
      pick[i % pick.length]
        ? hex
          ? `&#x${c.codePointAt(0)!.toString(16)};`
          : `&#${c.codePointAt(0)};`
        : c === '&'
          ? '&amp;'
          : c === '<'
            ? '&lt;'
            : c === "'"
              ? '&apos;'
              : c === '"'
                ? '&quot;'
                : c,
    )
    .join('');
const jsonEscape = (s: string, pick: boolean[]): string =>
  [...s]
    .map((c, i) =>
      pick[i % pick.length] ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}` : JSON.stringify(c).slice(1, -1),
    )
    .join('');

const secretArb = fc
  .string({
    unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=@#'),
    minLength: 12,
    maxLength: 40,
  })
  .map((s) => `Q9${s}`);
const picks = fc.array(fc.boolean(), { minLength: 1, maxLength: 9 });

test('property: a secret under any encoding of its name and value never survives redaction', () => {
  fc.assert(
    fc.property(
      secretArb,
      fc.constantFrom('token', 'sso_ticket', 'access_token', 'TOKEN', 'Token'),
      picks,
      picks,
      (secret, name, pn, pv) => {
        const out = redactPath(`/saml/RoleAssertion?a=1&${percentEncode(name, pn)}=${percentEncode(secret, pv)}&b=2`);
        const values = [...new URLSearchParams(out.slice(out.indexOf('?') + 1)).values()];
        return (
          !out.includes(secret) &&
          !values.some((v) => v.includes(secret)) &&
          values.includes('1') &&
          values.includes('2')
        );
      },
    ),
    { numRuns: 300 },
  );

  fc.assert(
    fc.property(
      secretArb,
      fc.constantFrom('sso_ticket', 'response', 'signature', 'token'),
      picks,
      picks,
      fc.boolean(),
      fc.constantFrom('"', "'"),
      fc.constantFrom('', ' ', '\n\t'),
      (secret, name, pn, pv, hex, quote, space) => {
        const doc = `<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE USER SYSTEM "gpOBJECT.DTD">\n<gpOBJECT>\n<gpPARAM${space} name${space}=${space}${quote}${charRefs(name, pn, hex)}${quote}${space}>${charRefs(secret, pv, hex)}</gpPARAM>\n<gpPARAM name="service">AUTHENTICATION</gpPARAM>\n</gpOBJECT>`;
        // The broker reads the secret from this document: the encoding is one it accepts.
        assert.equal(
          parseGpObject(doc).find((p) => p.name === name)?.value,
          secret,
          'the generated document carries the secret',
        );
        const out = redactBody(doc);
        return !out.includes(secret) && !parseGpObject(out).some((p) => p.value.includes(secret));
      },
    ),
    { numRuns: 300 },
  );

  fc.assert(
    fc.property(
      secretArb,
      fc.constantFrom('token', 'sso_ticket', 'access_token', 'password'),
      picks,
      picks,
      fc.boolean(),
      (secret, name, pn, pv, nested) => {
        const member = `"${jsonEscape(name, pn)}":"${jsonEscape(secret, pv)}"`;
        const text = nested
          ? `{"resourceType":"Parameters","parameter":[{"name":"x",${member}}]}`
          : `{${member},"roleProfileId":"200102238987"}`;
        const out = redactBody(text);
        return !out.includes(secret) && !JSON.stringify(JSON.parse(out)).includes(secret);
      },
    ),
    { numRuns: 300 },
  );

  // A body the broker cannot parse still shows no token, however its characters were written.
  fc.assert(
    fc.property(secretArb, picks, (secret, pv) => {
      const out = redactBody(
        `<gpOBJECT><gpPARAM name='sso_ticket'>AQIC5wM2LY4S${charRefs(secret, pv, true)}</gpPARAM><oops></gpOBJECT>`,
      );
      return !out.includes(secret);
    }),
    { numRuns: 200 },
  );
});

test('the log keeps exchanges in order across a reopen, caps stored bodies, and shows them cut with a marker', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scrip-log-'));
  try {
    let db = openSandboxDb(join(dir, 'sandbox.db'));
    const log = new MessageLog(db);
    log.record({ ...exchange, path: '/a', request: `Bearer ${TOKEN}` });
    log.record({ ...exchange, path: '/b', request: 'x'.repeat(100_000) });
    db.close();
    db = openSandboxDb(join(dir, 'sandbox.db'));
    const again = new MessageLog(db);
    const all = again.since(0);
    assert.deepEqual(
      all.map((x) => x.path),
      ['/a', '/b'],
      'both, in order',
    );
    assert.ok(!all[0]!.request.includes('secret'), 'the bearer token is redacted');
    const stored = (db.prepare("SELECT request FROM message_log WHERE path = '/b'").get() as { request: string })
      .request;
    assert.ok(
      stored.length < STORED_BODY_CHARS + 100 && stored.endsWith('[100000 bytes]'),
      'the stored body is capped and says how long it was',
    );
    assert.ok(
      all[1]!.request.length < PAGE_LIMITS.bodyChars + 200 &&
        /…\[truncated: \d+ characters stored/.test(all[1]!.request),
      'the body shown is cut with a marker',
    );
    assert.deepEqual(
      again.since(all[0]!.seq).map((x) => x.path),
      ['/b'],
      'since returns only newer exchanges',
    );
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('retention by size: the oldest exchanges go once the log passes its byte limit', () =>
  withDb((db) => {
    const maxBytes = 200_000;
    const log = new MessageLog(db, { maxAgeSeconds: 86_400, maxBytes });
    for (let i = 0; i < 200; i++) log.record({ ...exchange, path: `/x/${i}`, request: 'y'.repeat(10_000) });
    const sum = db.prepare('SELECT SUM(bytes) AS n, COUNT(*) AS c, MIN(path) AS first FROM message_log').get() as {
      n: number;
      c: number;
    };
    assert.ok(log.storedBytes <= maxBytes, `stored ${log.storedBytes} bytes, limit ${maxBytes}`);
    assert.equal(sum.n, log.storedBytes, 'the running total is what the table holds');
    assert.ok(sum.c > 10 && sum.c < 20, `about maxBytes of 10 kB exchanges kept: ${sum.c}`);
    const paths = log.since(0).map((e) => e.path);
    assert.equal(paths.at(-1), '/x/199', 'the newest is kept');
    assert.ok(!paths.includes('/x/0'), 'the oldest is gone');
  }));

test('retention by age: exchanges older than the limit go, by real time', () =>
  withDb((db) => {
    let now = Date.parse('2026-11-22T10:00:00Z');
    const log = new MessageLog(db, { maxAgeSeconds: 3600, maxBytes: 1e9 }, () => now);
    log.record({ ...exchange, path: '/old', request: '' });
    now += 1800_000;
    log.record({ ...exchange, path: '/middle', request: '' });
    now += 1800_000 + 1;
    log.record({ ...exchange, path: '/new', request: '' });
    assert.deepEqual(
      log.since(0).map((e) => e.path),
      ['/middle', '/new'],
      'only the one past an hour went',
    );
  }));

test('a page is bounded in bytes however large the bodies, and paging with last reads each exchange once', () =>
  withDb((db) => {
    const log = new MessageLog(db);
    const big = 'z'.repeat(60_000);
    for (let i = 0; i < 120; i++) log.record({ ...exchange, path: `/p/${i}`, request: big, response: big });
    const seen: string[] = [];
    let since = 0,
      pages = 0;
    for (;;) {
      const page = log.page(since);
      assert.ok(
        Buffer.byteLength(page.json) <= PAGE_LIMITS.bytes + 1024,
        `page ${pages}: ${Buffer.byteLength(page.json)} bytes`,
      );
      const parsed = JSON.parse(page.json) as {
        exchanges: Array<{ path: string; request: string }>;
        last: number;
        more: boolean;
      };
      seen.push(...parsed.exchanges.map((e) => e.path));
      pages++;
      if (!parsed.more) break;
      assert.ok(parsed.last > since, 'each page moves on');
      since = parsed.last;
    }
    assert.deepEqual(
      seen,
      Array.from({ length: 120 }, (_, i) => `/p/${i}`),
      'every exchange once, in order',
    );
    assert.ok(pages > 1, `more than one page: ${pages}`);
    assert.equal(log.page(0, 5).count, 5, 'limit caps the count');
  }));
