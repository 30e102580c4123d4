// A whole app (real SQLite in a temp dir, real loopback HTTP server) with a fake reader source.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App } from '../../main/app';
import { startApiServer, type ApiServer, type ApiServerOptions } from '../../main/api/server';
import { FakeReaderWatch } from './fake-reader-watch';
import { InProcessConnector } from '../../main/card/in-process-connector';
import { memoryKeychain } from '../../native/keychain/keychain';
import type { CardConnector } from '../../native/pcsc/card-connection';

export interface TestApp {
  app: App;
  server: ApiServer;
  watch: FakeReaderWatch;
  adminKey: string;
  dataDir: string;
  close(): Promise<void>;
}

export async function startTestApp(
  opts: ApiServerOptions = {},
  cardConnector: CardConnector = new InProcessConnector({}),
): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'scrip-test-'));
  const watch = new FakeReaderWatch();
  // Unit tests hold the API-key secret in memory; the real keychain is for the integration suites.
  const keychain = memoryKeychain();
  const app = await createApp({ dataDir, readerWatch: watch, cardConnector, keychain: () => keychain });
  const server = await startApiServer(app, opts);
  const adminKey = app.services.apiKeys.create('test admin', ['admin']).key;
  return {
    app,
    server,
    watch,
    adminKey,
    dataDir,
    async close() {
      await server.close();
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
