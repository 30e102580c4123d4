// An agent started by a program for itself (SCRIP_PARENT_PID) goes when that program goes, however it
// goes: here the program is SIGKILLed, so no signal reaches the agent, and the agent still shuts down
// cleanly (its runtime file removed, its data directory free). This is what keeps a test that dies
// from leaving an agent behind holding its data directory and the reader.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { repoRoot } from '../../e2e/support/scrip-process';

test('an agent whose SCRIP_PARENT_PID process is killed shuts down and frees its data directory', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'scrip-parent-'));
  try {
    // The "program": starts the agent as the test helpers do, sharing its stdout with us.
    const program = `
      const { spawn } = require('node:child_process');
      spawn(process.execPath, [${JSON.stringify(join(repoRoot, 'bin', 'scrip.mjs'))}, 'agent'], {
        stdio: ['ignore', 'inherit', 'inherit'],
        env: { ...process.env, SCRIP_DATA_DIR: ${JSON.stringify(dataDir)}, SCRIP_PARENT_PID: String(process.pid), SCRIP_VIRTUAL_CARD: 'off' },
      });
      setInterval(() => undefined, 1 << 30);`;
    const parent = spawn(process.execPath, ['-e', program], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines = createInterface({ input: parent.stdout! });
    let ready: { pid: number } | null = null;
    for await (const line of lines) {
      try {
        const v = JSON.parse(line) as { event?: string; pid: number };
        if (v.event === 'ready') {
          ready = v;
          break;
        }
      } catch {
        /* other output */
      }
    }
    assert.ok(ready, 'the agent said it was ready');
    assert.ok(existsSync(join(dataDir, 'agent.json')), 'the running agent announces itself in its data directory');
    // The pipe stays open while anyone holds its write end: once the program is gone, only the agent does.
    const closed = once(parent.stdout!, 'close');
    parent.kill('SIGKILL');
    parent.stdout!.resume();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error('the agent was still running 20 s after the program that started it died')),
        20_000,
      );
    });
    try {
      await Promise.race([closed, late]);
    } finally {
      clearTimeout(timer);
    }
    // Gone, or a zombie waiting for whoever adopted it (pid 1 in a container may never reap it).
    assert.ok(
      !existsSync(`/proc/${ready.pid}`) || /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${ready.pid}/stat`, 'utf8')),
      'the agent process has ended',
    );
    assert.ok(!existsSync(join(dataDir, 'agent.json')), 'it shut down cleanly: its runtime file is removed');
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
