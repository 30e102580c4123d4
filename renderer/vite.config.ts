// The renderer is built to dist/renderer with relative URLs, so the same files load from
// app://scrip/ (Electron) and http://127.0.0.1:PORT/ (browser mode). Everything is bundled.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: './',
  plugins: [react()],
  // nhsuk-frontend's icons are bundled too: the styles point at them through this alias.
  resolve: {
    alias: {
      '@nhsuk-images': fileURLToPath(
        new URL('../node_modules/nhsuk-frontend/dist/nhsuk/assets/images', import.meta.url),
      ),
    },
  },
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    assetsInlineLimit: 0,
    sourcemap: true,
  },
  css: {
    preprocessorOptions: {
      scss: { loadPaths: [fileURLToPath(new URL('../node_modules', import.meta.url))], quietDeps: true },
    },
  },
});
