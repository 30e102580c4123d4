// `scrip card virtual` as a file of its own, bundled to dist/electron/virtual-card.cjs: what the
// Electron shell's utility process runs for the embedded virtual card (main/electron/card-spawner.ts),
// where bin/scrip.mjs and tsx are not available. Its arguments start at `--card`, wherever the host
// puts its own before them in process.argv.
import { runCardCli } from './cli';

const at = process.argv.indexOf('--card');
runCardCli(['virtual', ...(at >= 0 ? process.argv.slice(at) : [])]).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
