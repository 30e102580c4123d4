// Builds test/support/pinpad-shim.c: a PKCS#11 module standing for a PIN-pad reader in front of a
// real module (see the C file). Built with the system's C compiler against pkcs11js's PKCS#11 headers.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../e2e/support/scrip-process';

/** Compiles the shim into `dir` and returns the module's path. */
export function buildPinPadShim(dir: string): string {
  const out = join(dir, 'libscrip-pinpad.so');
  execFileSync(
    'cc',
    [
      '-shared',
      '-fPIC',
      '-Wall',
      '-Werror',
      '-o',
      out,
      join(repoRoot, 'test', 'support', 'pinpad-shim.c'),
      '-I',
      join(repoRoot, 'node_modules', 'pkcs11js', 'includes'),
      '-ldl',
    ],
    { stdio: 'pipe' },
  );
  return out;
}
