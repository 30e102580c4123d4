// What an integration suite needs from the machine, and what to do when it is missing:
// outside CI the suite is skipped with the reason; in CI (CI=true) a missing part fails the run.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { TestContext } from 'node:test';

export const inCi = process.env.CI === 'true';

/** Returns a reason string when `check` fails; null when the part is present. */
export type Requirement = { name: string; check: () => string | null };

export function commandExists(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export const requirements = {
  pcscd: {
    name: 'pcscd with the vpcd driver',
    check: () =>
      existsSync('/usr/lib/pcsc/drivers/serial/libifdvpcd.so') && commandExists('pcscd')
        ? null
        : 'install pcscd and vsmartcard-vpcd (scripts/setup-system.sh)',
  },
  chromium: {
    name: 'Chromium',
    check: () => (existsSync('/usr/bin/chromium') ? null : 'install chromium (scripts/setup-system.sh)'),
  },
  opensc: {
    name: 'OpenSC tools',
    check: () =>
      commandExists('pkcs15-tool') && commandExists('pkcs11-tool') ? null : 'install opensc (scripts/setup-system.sh)',
  },
  softhsm2: {
    name: 'SoftHSM2',
    check: () =>
      commandExists('softhsm2-util') &&
      ['/usr/lib/softhsm/libsofthsm2.so', '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so'].some(existsSync)
        ? null
        : 'install softhsm2 (scripts/setup-system.sh)',
  },
  openscPkcs11: {
    name: 'OpenSC PKCS#11 module',
    check: () =>
      ['/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so', '/usr/lib/aarch64-linux-gnu/opensc-pkcs11.so'].some(existsSync)
        ? null
        : 'install opensc-pkcs11 (scripts/setup-system.sh)',
  },
  xmlsec1: {
    name: 'xmlsec1',
    check: () => (commandExists('xmlsec1') ? null : 'install xmlsec1 (scripts/setup-system.sh)'),
  },
  openssl: {
    name: 'the openssl command',
    check: () => (commandExists('openssl') ? null : 'install openssl (scripts/setup-system.sh)'),
  },
  pdfAndBarcode: {
    name: 'pdftoppm and zbarimg',
    check: () =>
      commandExists('pdftoppm') && commandExists('zbarimg')
        ? null
        : 'install poppler-utils and zbar-tools (scripts/setup-system.sh)',
  },
  secretService: {
    name: 'a Secret Service keyring on D-Bus',
    check: () =>
      process.env.DBUS_SESSION_BUS_ADDRESS
        ? null
        : 'run inside scripts/with-session-bus.sh (gnome-keyring in a D-Bus session)',
  },
} satisfies Record<string, Requirement>;

/**
 * Call at the top of a suite's `before` (or a test). Outside CI a missing part skips the test with
 * the reason; in CI it throws, so the run fails naming the part.
 */
export function need(t: TestContext, ...reqs: Requirement[]): boolean {
  for (const r of reqs) {
    const why = r.check();
    if (why) {
      if (inCi) throw new Error(`missing system component: ${r.name}: ${why}`);
      t.skip(`needs ${r.name}: ${why}`);
      return false;
    }
  }
  return true;
}
