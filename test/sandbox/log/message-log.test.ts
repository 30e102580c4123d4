import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageLog, redact } from '../../../sandbox/log/message-log';
import { openSandboxDb } from '../../../sandbox/store/db';

const TOKEN = 'AQIC5wM2LY4SsecretsecretX=@AAJTSQACMDE=#';

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
    assert.ok(!r.includes('secretsecret'), r);
    assert.match(r, /\[redacted\]/);
  }
  assert.match(redact('{"token":"x","roleProfileId":"200102238987"}'), /200102238987/, 'other values are kept');
});

test('the log keeps exchanges in order across a reopen, caps large bodies, and pages by sequence', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scrip-log-'));
  try {
    let db = openSandboxDb(join(dir, 'sandbox.db'));
    const log = new MessageLog(db);
    const e = { at: '2026-11-22T10:00:00.000Z', method: 'POST', status: 200, requestId: null, response: 'ok', ms: 1 };
    log.record({ ...e, path: '/a', request: `Bearer ${TOKEN}` });
    log.record({ ...e, path: '/b', request: 'x'.repeat(100_000) });
    db.close();
    db = openSandboxDb(join(dir, 'sandbox.db'));
    const again = new MessageLog(db);
    const all = again.since(0);
    assert.deepEqual(all.map((x) => x.path), ['/a', '/b']);
    assert.ok(!all[0]!.request.includes('secret'), '!all[0]!.request.includes(\'secret\')');
    assert.ok(all[1]!.request.length < 70_000 && all[1]!.request.endsWith('[100000 bytes]'), 'all[1]!.request.length < 70_000 && all[1]!.request.endsWith(\'[100000 bytes]\')');
    assert.deepEqual(again.since(all[0]!.seq).map((x) => x.path), ['/b']);
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
