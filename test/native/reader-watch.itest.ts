// The reader watch against the real PC/SC stack: pcscd + the vpcd driver + a card on the vpcd socket.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { PcscReaderWatch, type PcscStatus } from '../../native/pcsc/reader-watch';
import { insertMinimalCard } from '../support/minimal-vicc';
import { need, requirements } from '../support/system';
import { startPcscd } from '../sandbox/card/vpcd-harness';

const READER = 'Virtual PCD 00 00';

function waitFor(watch: PcscReaderWatch, pred: (s: PcscStatus) => boolean, ms = 8000): Promise<PcscStatus> {
  if (pred(watch.current())) return Promise.resolve(watch.current());
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      watch.off('change', on);
      reject(new Error(`timed out; last: ${JSON.stringify(watch.current())}`));
    }, ms);
    const on = (s: PcscStatus) => {
      if (pred(s)) {
        clearTimeout(timer);
        watch.off('change', on);
        resolve(s);
      }
    };
    watch.on('change', on);
  });
}

test('sees the vpcd readers, and a card inserted and removed', async (t) => {
  if (!need(t, requirements.pcscd)) return;
  const watch = new PcscReaderWatch();
  watch.start();
  try {
    const first = await waitFor(watch, (s) => s.service === 'running');
    assert.ok(
      first.readers.some((r) => r.name === READER),
      `readers: ${first.readers.map((r) => r.name).join(', ')}`,
    );
    const card = await insertMinimalCard(35963);
    const inserted = await waitFor(watch, (s) => s.readers.some((r) => r.name === READER && r.present));
    assert.equal(inserted.readers.find((r) => r.name === READER)?.atr, card.atr);
    await card.remove();
    const removed = await waitFor(watch, (s) => s.readers.some((r) => r.name === READER && !r.present));
    assert.equal(removed.readers.find((r) => r.name === READER)?.atr, null);
  } finally {
    watch.stop();
  }
});

test('reports pcscd stopped, and recovers by itself when it is back', async (t) => {
  if (!need(t, requirements.pcscd)) return;
  if (process.getuid?.() !== 0) {
    t.skip('restarting pcscd needs root');
    return;
  }
  const watch = new PcscReaderWatch({ retryMs: 200 });
  watch.start();
  try {
    await waitFor(watch, (s) => s.service === 'running');
    execFileSync('pkill', ['-x', 'pcscd']);
    const stopped = await waitFor(watch, (s) => s.service === 'stopped');
    assert.deepEqual(stopped.readers, []);
    assert.ok(stopped.error, 'says why');
    startPcscd();
    const back = await waitFor(
      watch,
      (s) => s.service === 'running' && s.readers.some((r) => r.name === READER),
      15000,
    );
    assert.ok(back.readers.length >= 1, 'back.readers.length >= 1');
  } finally {
    watch.stop();
    try {
      execFileSync('pgrep', ['-x', 'pcscd']);
    } catch {
      startPcscd();
    }
  }
});
