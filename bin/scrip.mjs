#!/usr/bin/env node
// Entry point for `scrip` / `npx scrip`. TypeScript runs through tsx, so it works right after `npm ci`.
// The sandbox and the virtual card are standalone programs (they never load main/); everything else
// is the main CLI.
import { register } from 'tsx/esm/api';

register();
const argv = process.argv.slice(2);
const [a, b] = argv;
let code;
if (a === 'sandbox') {
  const { runSandboxCli } = await import('../sandbox/cli.ts');
  code = await runSandboxCli(argv.slice(1));
} else if (a === 'card' && (b === 'issue' || b === 'virtual')) {
  const { runCardCli } = await import('../sandbox/card/cli.ts');
  code = await runCardCli(argv.slice(1));
} else {
  const { main } = await import('../main/cli/main.ts');
  code = await main(argv);
}
process.exitCode = code;
