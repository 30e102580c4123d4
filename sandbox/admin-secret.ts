// The sandbox's admin secret: what a script that is not a logged-in user (a supplier's CI polling
// the message log) shows to read `/_log`. 256 random bits, made once and kept in
// `<data dir>/admin-secret` (0600, in a 0700 directory): whoever can read the sandbox's own files
// is its administrator. Sent as `Authorization: Bearer <secret>`; the ready line names the file,
// never the secret (stdout ends up in CI logs).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const ADMIN_SECRET_FILE = 'admin-secret';
const SHAPE = /^scrip-sandbox-admin_[A-Za-z0-9_-]{43}$/;

/** The data directory's admin secret, made (0600) if it has none. */
export function adminSecret(dataDir: string): { secret: string; file: string } {
  const file = join(dataDir, ADMIN_SECRET_FILE);
  try {
    const fd = openSync(file, 'wx', 0o600);
    try {
      writeSync(fd, `scrip-sandbox-admin_${randomBytes(32).toString('base64url')}\n`);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  const secret = readFileSync(file, 'utf8').trim();
  if (!SHAPE.test(secret))
    throw new Error(
      `${file} does not hold a sandbox admin secret; delete it and start the sandbox again to make a new one.`,
    );
  return { secret, file };
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Whether an Authorization header carries this admin secret (compared in constant time). */
export function hasAdminSecret(authorization: string | undefined, secret: string): boolean {
  const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  return !!m && timingSafeEqual(digest(m[1]!), digest(secret));
}
