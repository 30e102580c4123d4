// A value read from one of the sandbox's files and kept until the file changes. Edits (by hand, by
// `scrip sandbox …` in another process, or a replace by rename) apply without a restart, and an
// unchanged file costs one stat per read: inode, mtime and size tell whether it changed.
import { readFileSync, statSync } from 'node:fs';

export function fileBacked<T>(file: string, parse: (text: string) => T): () => T {
  let seen: { stamp: string; value: T } | null = null;
  return () => {
    const st = statSync(file);
    const stamp = `${st.ino}:${st.mtimeMs}:${st.size}`;
    if (seen?.stamp !== stamp) seen = { stamp, value: parse(readFileSync(file, 'utf8')) };
    return seen.value;
  };
}
