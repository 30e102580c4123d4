import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ChallengeIssuer } from '../../../sandbox/broker/challenge';

const t0 = new Date('2026-11-22T10:00:00Z');
const later = (ms: number) => new Date(t0.getTime() + ms);

test('a challenge is 48 bytes (random ‖ time ‖ MAC), checked without state, and expires', () => {
  const issuer = new ChallengeIssuer(randomBytes(32), 5 * 60_000);
  const { challenge, signature } = issuer.issue(t0);
  assert.equal(Buffer.from(challenge, 'base64').length, 48);
  assert.equal(signature, issuer.serverSignature(challenge));
  assert.deepEqual(issuer.check(challenge, later(299_000)), { ok: true, issuedAt: t0.getTime() });
  assert.deepEqual(issuer.check(challenge, later(301_000)), { ok: false, reason: 'expired' });
  assert.deepEqual(issuer.check(challenge, later(-120_000)), { ok: false, reason: 'from-the-future' });
  assert.notEqual(issuer.issue(t0).challenge, challenge);
});

test('an altered, foreign or malformed challenge is refused for what it is', () => {
  const issuer = new ChallengeIssuer(randomBytes(32));
  const { challenge } = issuer.issue(t0);
  const raw = Buffer.from(challenge, 'base64');
  raw[25]! ^= 1; // the timestamp: pushing a challenge's age is caught by the MAC
  assert.deepEqual(issuer.check(raw.toString('base64'), t0), { ok: false, reason: 'forged' });
  assert.deepEqual(new ChallengeIssuer(randomBytes(32)).check(challenge, t0), { ok: false, reason: 'forged' });
  for (const bad of ['', 'abc', Buffer.alloc(47).toString('base64'), challenge + 'AA', challenge.slice(0, -4)]) {
    const r = issuer.check(bad, t0);
    assert.ok(!r.ok && r.reason === 'malformed', bad);
  }
});
