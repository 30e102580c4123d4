// The Electron shell: one locked-down window on Scrip's own app:// origin, the shared services,
// the local API for other programs, and IPC bound from the registry. Everything else is in main/.
import { app, BrowserWindow, ipcMain, net, protocol, session, shell } from 'electron';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startRuntime } from '../runtime';
import { startApiServer } from '../api/server';
import { contentSecurityPolicy, staticFilePath } from '../api/static-files';
import { defaultDataDir } from '../config';
import { makeDataDirPrivate } from '../data-dir-permissions';
import { externalLinkAllowed } from '../external-links';
import { writeRuntimeFile, removeRuntimeFile } from '../cli/runtime-file';
import { bindIpc, forwardEvents, APP_ORIGIN } from './ipc-bridge';
import { utilityCardSpawner } from './card-spawner';

protocol.registerSchemesAsPrivileged([
  { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

const rendererDir = join(__dirname, '..', 'renderer');

async function main(): Promise<void> {
  // One Scrip per user: a second launch hands over to the first (its window comes forward) instead of
  // starting a second agent on the same data directory, card and socket.
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  await app.whenReady();
  const dataDir = defaultDataDir();
  makeDataDirPrivate(dataDir);
  // The embedded virtual card runs in a utility process: this executable cannot run scripts as Node.
  // The CIS2 login opens in the user's own browser (RFC 8252), never in a window of Scrip's.
  const runtime = await startRuntime(dataDir, {
    cardSpawner: utilityCardSpawner(),
    openBrowser: (url) => shell.openExternal(url),
  });
  const core = runtime.app;
  const api = await startApiServer(core, { socketDir: dataDir });
  writeRuntimeFile(dataDir, {
    url: api.url,
    pid: process.pid,
    startedAt: new Date().toISOString(),
    mode: 'electron',
    socket: api.socketPath,
    ...(process.platform === 'win32' && api.socketPath ? { pipe: api.socketPath } : {}),
  });

  // app://scrip/<path> → the built renderer, with the strict CSP on every response.
  protocol.handle('app', async (request) => {
    const url = new URL(request.url);
    if (url.host !== 'scrip') return new Response('Not found', { status: 404 });
    let file: string | null;
    try {
      file = staticFilePath(rendererDir, url.pathname);
    } catch {
      return new Response('Bad request', { status: 400 });
    }
    if (!file) return new Response('Not found', { status: 404 });
    const res = await net.fetch(pathToFileURL(file).toString());
    const headers = new Headers(res.headers);
    headers.set('Content-Security-Policy', contentSecurityPolicy);
    return new Response(res.body, { status: res.status, headers });
  });

  // Deny every permission (camera, notifications, …) and every navigation away from app://scrip.
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-navigate', (event, target) => {
      if (!target.startsWith(`${APP_ORIGIN}/`)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      if (externalLinkAllowed(url)) void shell.openExternal(url);
      return { action: 'deny' };
    });
  });

  const unbind = bindIpc(ipcMain, core.registry, core.services);
  const win = new BrowserWindow({
    width: 1200,
    height: 860,
    title: 'Scrip',
    show: false,
    webPreferences: {
      preload: join(__dirname, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      spellcheck: false,
      // A middle click would open a link in a new window without will-navigate (Electronegativity AUXCLICK_JS_CHECK).
      disableBlinkFeatures: 'Auxclick',
    },
  });
  const stopEvents = forwardEvents(core.services, win.webContents);
  win.once('ready-to-show', () => win.show());
  app.on('second-instance', () => {
    if (win.isMinimized()) win.restore();
    win.focus();
  });
  await win.loadURL(`${APP_ORIGIN}/index.html`);

  app.on('window-all-closed', () => app.quit());
  app.on('before-quit', () => {
    stopEvents();
    unbind();
    removeRuntimeFile(dataDir);
    void api.close();
    void runtime.close();
  });
}

main().catch((e: unknown) => {
  console.error(e);
  app.exit(1);
});
