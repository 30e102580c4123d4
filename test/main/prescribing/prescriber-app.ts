// A running Scrip logged in as the sandbox's prescriber, the virtual card attached in-process (no
// vpcd), against a LifecycleSandbox over real HTTPS: what the pad's integration tests start from.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App } from '../../../main/app';
import { sandboxEnvironment } from '../../../main/embedded';
import { InProcessConnector } from '../../../main/card/in-process-connector';
import { invokeCommand } from '../../../main/commands/invoke';
import type { Caller } from '../../../main/commands/registry';
import { scopes } from '../../../main/api/scopes';
import { toScripError } from '../../../main/errors';
import { issueCard, type IssuedCard } from '../../../sandbox/card/issue';
import { PivCard } from '../../../sandbox/card/piv-card';
import { inProcessReader } from '../../../sandbox/card/in-process';
import { FakeReaderWatch } from '../../support/fake-reader-watch';
import { LifecycleSandbox, PEOPLE } from '../../sandbox/eps/lifecycle-support';

export type Json = Record<string, unknown>;
export const PIN = '482913';
export const READER = 'Test Reader 0';

/** The sandbox patient the pad's tests prescribe for, as a draft holds her. */
export const PATIENT = {
  nhsNumber: '9449305552',
  prefix: 'MS',
  given: ['OCTAVIA'],
  family: 'CHISLETT',
  birthDate: '2008-09-20',
  gender: 'female',
  addressLines: ['1 TRINITY STREET', 'HEBDEN BRIDGE'],
  postcode: 'HX7 8AW',
  gpOdsCode: 'A83008',
  nominatedPharmacy: { odsCode: 'FCG71', name: 'WESTON PHARMACY' },
};

/** Two medicines from the bundled dm+d subset, with their units and a usual quantity. */
export const MEDS = [
  { code: '39732311000001104', display: 'Amoxicillin 250mg capsules', unitCode: '428641000', unit: 'capsule', qty: 21 },
  { code: '322237000', display: 'Paracetamol 500mg soluble tablets', unitCode: '428673006', unit: 'tablet', qty: 32 },
];

export interface PrescriberApp {
  sandbox: LifecycleSandbox;
  app: App;
  dataDir: string;
  issued: IssuedCard;
  /** Invokes a command as Scrip itself; a failure comes back as `{ error }`, never thrown. */
  call(name: string, input: unknown): Promise<Json>;
  close(): Promise<void>;
}

export async function startPrescriberApp(prefix: string): Promise<PrescriberApp> {
  const sandbox = new LifecycleSandbox();
  await sandbox.start();
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  const env = sandboxEnvironment(sandbox.sb);
  const issued = issueCard({
    userId: PEOPLE.prescriber.user,
    displayName: 'DR CLARE BOIN',
    pin: PIN,
    puk: '12345678',
    ca: sandbox.sb.context.ca,
  });
  const watch = new FakeReaderWatch();
  const app = await createApp({
    dataDir,
    readerWatch: watch,
    cardConnector: new InProcessConnector({ [READER]: inProcessReader(new PivCard(issued.card)) }),
    environment: () => env,
  });
  watch.set({
    service: 'running',
    readers: [{ name: READER, present: true, atr: '3B', exclusive: false, inUse: false, mute: false }],
  });
  const v = await app.services.identity.login({ pin: PIN, roleId: PEOPLE.prescriber.role });
  assert.equal(v.state, 'role-selected', 'logged in with the prescribing role');
  const caller: Caller = { kind: 'internal', scopes: new Set(scopes), label: 'test' };
  return {
    sandbox,
    app,
    dataDir,
    issued,
    call: async (name, input) => {
      try {
        return (await invokeCommand(app.registry, app.services, name, input, caller)) as Json;
      } catch (e) {
        return { error: toScripError(e).toBody() };
      }
    },
    async close() {
      await app.close(); // ends the session and waits for the broker's logout
      await sandbox.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
