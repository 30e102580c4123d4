// The data directory is the user's alone at every start (issue #15, Low): 0700 folders, 0600 files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeDataDirPrivate } from '../../main/data-dir-permissions';

test('an older 0755 directory with 0644 files is tightened, and what is created afterwards is 0600', (t) => {
  if (process.platform === 'win32') {
    t.skip('mode bits are POSIX');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'scrip-perm-'));
  const outside = join(mkdtempSync(join(tmpdir(), 'scrip-perm-out-')), 'other.txt');
  const before = process.umask();
  try {
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, 'scrip.db'), 'x', { mode: 0o644 });
    mkdirSync(join(dir, 'sandbox'), { mode: 0o755 });
    writeFileSync(join(dir, 'sandbox', 'ca-key.pem'), 'k', { mode: 0o644 });
    writeFileSync(outside, 'o', { mode: 0o644 });
    symlinkSync(outside, join(dir, 'link'));
    const fixed = makeDataDirPrivate(dir);
    assert.equal(statSync(dir).mode & 0o777, 0o700, 'the directory');
    assert.equal(statSync(join(dir, 'scrip.db')).mode & 0o777, 0o600, 'a file in it');
    assert.equal(statSync(join(dir, 'sandbox')).mode & 0o777, 0o700, 'a folder in it');
    assert.equal(statSync(join(dir, 'sandbox', 'ca-key.pem')).mode & 0o777, 0o600, 'a file deeper down');
    assert.equal(statSync(outside).mode & 0o777, 0o644, 'a symlink is not followed out of the directory');
    assert.equal(fixed.length, 4, `names what it changed: ${fixed.join(', ')}`);
    writeFileSync(join(dir, 'scrip.db-wal'), 'w');
    assert.equal(
      statSync(join(dir, 'scrip.db-wal')).mode & 0o777,
      0o600,
      "umask 077: a new file (the WAL) is the user's alone",
    );
  } finally {
    process.umask(before);
    rmSync(dir, { recursive: true, force: true });
  }
});
