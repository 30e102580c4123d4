// The data directory holds the database, the audit log, the sandbox's keys and the agent socket:
// the user's alone. Every start sets umask 077 (what Scrip creates is 0600/0700) and takes group
// and other access away from anything already there (an older version's 0644 files, a 0755 folder).
import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Returns the paths whose mode it tightened. */
export function makeDataDirPrivate(dataDir: string): string[] {
  if (process.platform === 'win32') return []; // the profile folder's ACL is the user's
  process.umask(0o077);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const fixed: string[] = [];
  const walk = (path: string): void => {
    const s = lstatSync(path);
    if (s.isSymbolicLink()) return; // never follow a link out of the directory
    if (typeof process.getuid === 'function' && s.uid !== process.getuid()) return; // not ours to change (checked elsewhere)
    if ((s.mode & 0o077) !== 0) {
      chmodSync(path, s.mode & 0o700);
      fixed.push(path);
    }
    if (s.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
  };
  walk(dataDir);
  return fixed;
}
