// Bundles the Electron main process and preload to CommonJS in dist/electron (native modules stay
// external and load from node_modules). The renderer is built by Vite into dist/renderer.
import { build } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  external: ['electron', 'smartcard', 'better-sqlite3', '@napi-rs/keyring', 'pkcs11js'],
  // main/ is ESM (import.meta.url); the bundle is CommonJS.
  banner: { js: "const __scrip_import_meta_url = require('node:url').pathToFileURL(__filename).href;" },
  define: { 'import.meta.url': '__scrip_import_meta_url' },
};
await build({ ...common, entryPoints: ['main/electron/main.ts'], outfile: 'dist/electron/main.cjs' });
await build({ ...common, entryPoints: ['main/electron/preload.ts'], outfile: 'dist/electron/preload.cjs' });
// The dm+d import runs in a worker thread (main/prescribing/medicines.ts loads this file next to main.cjs).
await build({
  ...common,
  entryPoints: ['main/prescribing/dmd/import-worker.ts'],
  outfile: 'dist/electron/dmd-import-worker.cjs',
});
// PKCS#11 modules run in worker threads (native/pkcs11/pkcs11-module.ts loads this file next to main.cjs).
await build({ ...common, entryPoints: ['native/pkcs11/worker.ts'], outfile: 'dist/electron/pkcs11-worker.cjs' });
// The embedded sandbox checks EPS messages in worker threads (sandbox/eps/message-workers.ts loads this file next to main.cjs).
await build({
  ...common,
  entryPoints: ['sandbox/eps/message-worker.ts'],
  outfile: 'dist/electron/eps-message-worker.cjs',
});
// The embedded virtual card runs in a utility process (main/electron/card-spawner.ts loads this file next to main.cjs).
await build({ ...common, entryPoints: ['sandbox/card/virtual-entry.ts'], outfile: 'dist/electron/virtual-card.cjs' });
console.log('built dist/electron/main.cjs and preload.cjs');
