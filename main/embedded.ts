// Scrip's embedded defaults: the Spine-style sandbox started in this process, and a virtual test
// card (issued once, kept in the data directory) put into the vpcd reader. This is the one module
// in main/ that may import sandbox/: it composes the app with its built-in test world.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSandbox, type RunningSandbox } from '../sandbox/server';
import { issueCard } from '../sandbox/card/issue';
import { readCardFile, writeCardFile } from '../sandbox/card/card-file';
import { PivCard } from '../sandbox/card/piv-card';
import { VpcdAttachment } from '../sandbox/card/vpcd-client';
import type { Environment } from './environments/environments';

export const VIRTUAL_CARD_USER = '555086689106';
export const VIRTUAL_CARD_PIN = '123456';
export const VIRTUAL_CARD_PUK = '12345678';

export interface Embedded {
  sandbox: RunningSandbox;
  environment: Environment;
  card: { file: string; userId: string; pin: string; attachment: VpcdAttachment | null };
  close(): Promise<void>;
}

export function sandboxEnvironment(sb: RunningSandbox): Environment {
  return {
    name: 'sandbox', label: 'Scrip sandbox (embedded)', brokerUrl: sb.baseUrl, epsUrl: `${sb.baseUrl}/FHIR/R4`, pdsUrl: sb.baseUrl,
    caPem: readFileSync(sb.caCertPath, 'utf8'), challengeDigest: 'sha256',
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
  let attachment: VpcdAttachment | null = null;
  if (opts.insertCard !== false) {
    const card = new PivCard(readCardFile(file), (f) => writeCardFile(file, f));
    attachment = new VpcdAttachment(card, { port: opts.vpcdPort ?? 35963 });
    // Without pcscd/vpcd the card simply waits to be inserted; the reader list says why.
    void attachment.insert().catch(() => undefined);
  }
  return {
    sandbox, environment: sandboxEnvironment(sandbox),
    card: { file, userId: VIRTUAL_CARD_USER, pin: VIRTUAL_CARD_PIN, attachment },
    async close() {
      await attachment?.remove().catch(() => undefined);
      await sandbox.close();
    },
  };
}
