// Scrip's embedded defaults: the Spine-style sandbox started in this process, and a virtual test
// card (issued once, kept in the data directory) put into the vpcd reader. This is the one module
// in main/ that may import sandbox/: it composes the app with its built-in test world.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { startSandbox, type RunningSandbox } from '../sandbox/server';
import { issueCard } from '../sandbox/card/issue';
import { writeCardFile } from '../sandbox/card/card-file';
import { ApplicationStore } from '../sandbox/cis2/applications';
import type { Environment } from './environments/environments';

export const VIRTUAL_CARD_USER = '555086689106';
export const VIRTUAL_CARD_PIN = '123456';
export const VIRTUAL_CARD_PUK = '12345678';

export interface Embedded {
  sandbox: RunningSandbox;
  environment: Environment;
  card: { file: string; userId: string; pin: string; process: ChildProcess | null };
  close(): Promise<void>;
}

/** The embedded sandbox as a `cis2-apim` environment: its CIS2-style provider and APIM-style gateway. */
export const SANDBOX_CIS2_CLIENT = 'scrip-desktop.apps.sandbox', SANDBOX_APIM_CLIENT = 'scrip-desktop-sandbox';

function cis2Settings(sb: RunningSandbox): Partial<Environment> {
  return {
    auth: 'cis2-apim', cis2Issuer: `${sb.baseUrl}/cis2`, cis2ClientId: SANDBOX_CIS2_CLIENT, apimTokenUrl: `${sb.baseUrl}/oauth2/token`, apimClientId: SANDBOX_APIM_CLIENT,
    // Scrip makes its application key on first use, keeps it in the keychain, and registers the public half here.
    registerAppKey: ({ kid, jwk }) => new ApplicationStore(sb.dataDir).register({
      name: 'Scrip (embedded sandbox)', cis2ClientId: SANDBOX_CIS2_CLIENT, apimClientId: SANDBOX_APIM_CLIENT,
      redirectUris: ['http://127.0.0.1/callback'], keys: [{ ...jwk, kty: 'RSA', n: String(jwk.n), e: String(jwk.e), kid }],
    }),
  };
}

/** SCRIP_SANDBOX_AUTH=cis2-apim: the embedded environment logs in through CIS2 and APIM instead of the broker. */
export function sandboxEnvironment(sb: RunningSandbox, auth = process.env.SCRIP_SANDBOX_AUTH === 'cis2-apim' ? 'cis2-apim' : 'ssb'): Environment {
  return {
    ...(auth === 'cis2-apim' ? cis2Settings(sb) : {}),
    name: 'sandbox', label: 'Scrip sandbox (embedded)', brokerUrl: sb.baseUrl, epsUrl: `${sb.baseUrl}/FHIR/R4`, pdsUrl: sb.baseUrl,
    // The root anchors TLS; the Signing CA is listed too so that Scrip itself can check who signed a
    // released prescription (dispensing) against this environment's bundle.
    caPem: `${readFileSync(sb.caCertPath, 'utf8').trim()}\n${sb.context.ca.sign.pem.trim()}\n`, challengeDigest: 'sha256',
  };
}

/** Starts the sandbox under <data>/sandbox and, unless told not to, inserts the virtual card into vpcd. */
export async function startEmbedded(dataDir: string, opts: { insertCard?: boolean; vpcdPort?: number } = {}): Promise<Embedded> {
  const sandboxDir = join(dataDir, 'sandbox');
  const sandbox = await startSandbox({ dataDir: sandboxDir });
  const file = join(sandboxDir, 'virtual-card.json');
  if (!existsSync(file)) {
    const issued = issueCard({ userId: VIRTUAL_CARD_USER, displayName: 'DR CLARE BOIN', pin: VIRTUAL_CARD_PIN, puk: VIRTUAL_CARD_PUK, ca: sandbox.context.ca });
    writeCardFile(file, issued.card);
  }
  // The card runs in its own process: this process makes blocking PC/SC calls that wait on pcscd,
  // and pcscd waits on the card's vpcd socket — served by the same event loop it would be a deadlock.
  let child: ChildProcess | null = null;
  if (opts.insertCard !== false) {
    const bin = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'scrip.mjs');
    child = spawn(process.execPath, [bin, 'card', 'virtual', '--card', file, '--vpcd', `127.0.0.1:${opts.vpcdPort ?? 35963}`], { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, SCRIP_CARD_PARENT_PID: String(process.pid) } });
    child.on('error', () => undefined);
    // Wait briefly for "inserted"; without pcscd/vpcd the card keeps trying and the reader list says why.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 3000);
      createInterface({ input: child!.stdout! }).on('line', (l) => { if (l.includes('"inserted"')) { clearTimeout(timer); resolve(); } });
      child!.once('exit', () => { clearTimeout(timer); resolve(); });
    });
  }
  return {
    sandbox, environment: sandboxEnvironment(sandbox),
    card: { file, userId: VIRTUAL_CARD_USER, pin: VIRTUAL_CARD_PIN, process: child },
    async close() {
      if (child && child.exitCode === null) {
        const exited = new Promise((r) => child!.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      await sandbox.close();
    },
  };
}
