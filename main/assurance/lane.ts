// One lane of an assurance run beside a Scrip: a Scrip of its own (data directory, session) that
// sees only one vpcd reader, with its own copy of the environment, against the shared embedded
// sandbox. `scrip assure run` adds them beside its own Scrip; the agent runs every UI/API run in
// one, so the scenarios' logins and logouts are never the agent's session (nor lock its tabs).
import { createApp, type App } from '../app';
import { CardSlot, embeddedWorld, sandboxEnvironment, type Embedded, type EnvironmentHolder } from '../embedded';
import { EnvironmentService } from '../environments/environment-service';
import { OneReaderWatch, PcscReaderWatch } from '../../native/pcsc/reader-watch';
import { versions, type AssureTarget } from './run';

/** A lane beside the runtime's own: a Scrip in its own data directory, seeing only its reader, with its own copy of the environment. */
export async function laneScrip(
  embedded: Embedded,
  laneDir: string,
  index: number,
  reader: string,
  clock: string | null,
): Promise<{ target: AssureTarget; app: App }> {
  const holder: EnvironmentHolder = { environment: sandboxEnvironment(embedded.sandbox) };
  const app = await createApp({
    dataDir: laneDir,
    readerWatch: new OneReaderWatch(new PcscReaderWatch(), reader),
    environments: new EnvironmentService({
      dataDir: laneDir,
      sandbox: { current: () => holder.environment, start: async () => holder.environment },
    }),
  });
  // vpcd serves reader "… 00 0N" on port 35963 + N.
  const world = embeddedWorld(embedded, {
    fixedClock: clock,
    versions: versions(),
    lane: { slot: new CardSlot(35963 + index), holder, name: `lane-${index}` },
  });
  return { target: { services: app.services, registry: app.registry, world }, app };
}
