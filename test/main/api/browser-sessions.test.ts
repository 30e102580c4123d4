// Browser mode's credentials on a clock the test turns: a link lasts a minute and works once; a
// tab's session ends when idle too long and, in any case, after its absolute lifetime.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BrowserSessions } from '../../../main/api/browser-sessions';
import { staticFilePath } from '../../../main/api/static-files';

function clock(): { now: () => number; add(ms: number): void } {
  let t = 1_000_000;
  return {
    now: () => t,
    add: (ms) => {
      t += ms;
    },
  };
}

test('a link token expires within a minute and works once', () => {
  const c = clock();
  const s = new BrowserSessions({}, c.now);
  const late = s.issueToken();
  c.add(60_000);
  assert.equal(s.redeem(late), null, 'a minute-old token is refused');
  const fresh = s.issueToken();
  c.add(59_000);
  const secret = s.redeem(fresh);
  assert.ok(secret, 'a token used within the minute is traded');
  assert.equal(s.redeem(fresh), null, 'and only once');
  assert.equal(s.redeem('made-up'), null, 'a made-up token is refused');
});

test('a tab session ends when idle, and after its absolute lifetime however busy', () => {
  const c = clock();
  const s = new BrowserSessions({ idleMs: 1000, absoluteMs: 5000 }, c.now);
  const idle = s.redeem(s.issueToken())!;
  c.add(1001);
  assert.equal(s.check(idle), null, 'idle for longer than the idle timeout');
  const busy = s.redeem(s.issueToken())!;
  for (let i = 0; i < 5; i++) {
    c.add(900);
    assert.equal(s.check(busy), 'open', `still in use at ${i}`);
  }
  c.add(600);
  assert.equal(s.check(busy), null, 'past the absolute lifetime');
});

test('a static path stays under its root: a sibling with the same prefix is outside; a bad escape is invalid input', () => {
  assert.equal(staticFilePath('/opt/scrip/renderer', '/..%2frenderer-old/secret.txt'), null, 'sibling folder');
  assert.equal(
    staticFilePath('/opt/scrip/renderer/', '/..%2frenderer-old/secret.txt'),
    null,
    'root with a trailing separator',
  );
  assert.equal(staticFilePath('/opt/scrip/renderer', '/assets/a.js'), '/opt/scrip/renderer/assets/a.js');
  assert.equal(staticFilePath('/opt/scrip/renderer', '/'), '/opt/scrip/renderer/index.html');
  assert.throws(
    () => staticFilePath('/opt/scrip/renderer', '/%E0%A4%A'),
    (e: Error & { code?: string }) => e.code === 'invalid-input',
    'a bad %-escape',
  );
});
