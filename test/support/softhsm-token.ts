// A SoftHSM2 token holding the keys and certificates a Scrip data directory's sandbox CA issued to a
// user, as a card's PKCS#11 middleware would hold them: CKA_ID 01 the authentication key and
// certificate (PIV 9A), 02 the signing pair (9C). Made with softhsm2-util and OpenSC's pkcs11-tool
// in a token directory of its own, named by the SOFTHSM2_CONF file the agent is started with.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { discoverModules } from '../../main/card/pkcs11-tokens';
import { issueCard } from '../../sandbox/card/issue';

export const SOFTHSM_MODULE =
  discoverModules().find((p) => p.endsWith('libsofthsm2.so')) ?? '/usr/lib/softhsm/libsofthsm2.so';
export const OPENSC_MODULE =
  discoverModules().find((p) => p.endsWith('opensc-pkcs11.so')) ?? '/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so';

export interface SoftHsmDir {
  dir: string;
  conf: string;
  remove(): void;
}

/** An empty token directory and the SOFTHSM2_CONF that names it (give `conf` to the agent's environment). */
export function softHsmDir(): SoftHsmDir {
  const dir = mkdtempSync(join(tmpdir(), 'scrip-softhsm-'));
  mkdirSync(join(dir, 'tokens'));
  const conf = join(dir, 'softhsm2.conf');
  writeFileSync(conf, `directories.tokendir = ${join(dir, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  return { dir, conf, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Initialises token `label` with the PIN and imports the user's keys and certificates, issued by the sandbox CA under `scripDataDir`. */
export function softHsmTokenFor(
  hsm: SoftHsmDir,
  scripDataDir: string,
  opts: { pin: string; label?: string; userId?: string; name?: string },
): void {
  const label = opts.label ?? 'Scrip test';
  const issued = issueCard({
    userId: opts.userId ?? '555086689106',
    displayName: opts.name ?? 'DR CLARE BOIN',
    pin: opts.pin,
    puk: '12345678',
    ca: join(scripDataDir, 'sandbox', 'ca'),
  });
  const env = { ...process.env, SOFTHSM2_CONF: hsm.conf };
  execFileSync(
    'softhsm2-util',
    ['--init-token', '--free', '--label', label, '--pin', opts.pin, '--so-pin', '12345678'],
    { env, stdio: 'pipe' },
  );
  for (const [slot, id] of [
    ['9a', '01'],
    ['9c', '02'],
  ] as const) {
    const k = issued.card.keys[slot];
    const pem = join(hsm.dir, `${id}.pem`),
      der = join(hsm.dir, `${id}.der`);
    writeFileSync(pem, k.privateKeyPem, { mode: 0o600 });
    writeFileSync(der, Buffer.from(k.certificateDer, 'hex'));
    try {
      execFileSync(
        'softhsm2-util',
        ['--import', pem, '--token', label, '--label', `key ${id}`, '--id', id, '--pin', opts.pin],
        { env, stdio: 'pipe' },
      );
    } finally {
      rmSync(pem, { force: true }); // the private key lives only in the token
    }
    execFileSync(
      'pkcs11-tool',
      [
        '--module',
        SOFTHSM_MODULE,
        '--token-label',
        label,
        '--login',
        '--pin',
        opts.pin,
        '--write-object',
        der,
        '--type',
        'cert',
        '--id',
        id,
        '--label',
        `cert ${id}`,
      ],
      { env, stdio: 'pipe' },
    );
  }
}
