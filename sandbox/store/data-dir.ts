// The sandbox's data directory holds its CA's private keys, the broker's MAC secret, the admin
// secret and the database: it is made 0700 by whoever makes it, and a directory someone else could
// write to (group or others, or another owner) is refused, since they could swap any of those.
import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';

export class DataDirError extends Error {}

/** Creates `dir` (0700) if missing; throws DataDirError, saying what to do, if others can write it. */
export function secureDataDir(dir: string): void {
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // mkdir's mode passes through the umask; the one made here is exactly 0700.
    chmodSync(dir, 0o700);
  }
  const st = statSync(dir);
  if (!st.isDirectory())
    throw new DataDirError(`The sandbox's data directory ${dir} is not a directory. Choose another with --data.`);
  if (process.platform === 'win32') return;
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) {
    throw new DataDirError(
      `The sandbox's data directory ${dir} belongs to another user (uid ${st.uid}), who could replace its CA, users or database. Use a directory of your own with --data.`,
    );
  }
  if (st.mode & 0o022) {
    const who = [st.mode & 0o020 ? 'its group' : '', st.mode & 0o002 ? 'everyone' : ''].filter(Boolean).join(' and ');
    throw new DataDirError(
      `The sandbox's data directory ${dir} can be written by ${who} (mode ${(st.mode & 0o777).toString(8)}), who could replace its CA, users or database. Run \`chmod 700 ${dir}\`, or use another directory with --data.`,
    );
  }
}
