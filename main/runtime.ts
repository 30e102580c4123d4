// Starting Scrip for real (agent, browser mode, Electron): pick the environment — the embedded
// sandbox unless another is chosen — and build the app around it.
import { createApp, type App } from './app';
import { startEmbedded, type Embedded } from './embedded';
import { configuredEnvironments, type Environment } from './environments/environments';
import { ScripError } from './errors';

export interface Runtime { app: App; embedded: Embedded | null; environment: Environment; close(): Promise<void> }

/** SCRIP_ENVIRONMENT names a configured environment; "sandbox" (the default) is the embedded one. */
export async function startRuntime(dataDir: string, opts: { environment?: string; insertVirtualCard?: boolean } = {}): Promise<Runtime> {
  const name = opts.environment ?? process.env.SCRIP_ENVIRONMENT ?? 'sandbox';
  let embedded: Embedded | null = null;
  let environment: Environment;
  if (name === 'sandbox') {
    embedded = await startEmbedded(dataDir, { insertCard: opts.insertVirtualCard ?? process.env.SCRIP_VIRTUAL_CARD !== 'off' });
    environment = embedded.environment;
  } else {
    const env = configuredEnvironments(dataDir)[name];
    if (!env) throw new ScripError('not-found', `No environment called "${name}" is configured.`, undefined, `Add it to environments.json in ${dataDir}, or use "sandbox".`);
    environment = env;
  }
  const app = await createApp({ dataDir, environment: () => environment });
  return {
    app, embedded, environment,
    async close() {
      await app.close();
      await embedded?.close();
    },
  };
}
