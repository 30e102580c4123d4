// `scrip --help`: the programs bin/scrip.mjs starts itself and every registry command, one line each.
// `npm run build` writes it to dist/cli/overview.txt, which bin prints without loading the bundle.
import { cliPath, type CliCommand } from '../commands/cli-data';

export const builtins: Record<string, string> = {
  agent:
    'Run Scrip headless: the card and identity services and the local API, no window [--port N] [--headless [--admin-key-file F | --admin-key-fd N]]: with --headless, secrets live in a 0600 file in the data directory (no OS keychain needed)',
  start: 'Run Scrip with its window (or in your browser with --browser, or where Electron is missing) [--port N]',
  sandbox: 'Run the Spine-style sandbox alone, or manage its users, tokens and revocations (scrip sandbox --help)',
  'card issue': 'Issue a virtual test card for a sandbox user (scrip card issue --help)',
  'card virtual': 'Insert a virtual test card into the vpcd reader until stopped (scrip card virtual --help)',
  'assure run':
    'Run assurance scenarios against a sandbox of its own and write a signed evidence pack (scrip assure --help)',
};

export function overview(commands: readonly CliCommand[]): string {
  const rows = [
    ...Object.entries(builtins).map(([k, v]) => [k, v] as const),
    ...commands.map((c) => [cliPath(c).join(' '), c.summary] as const),
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  return [
    'Usage: scrip <command> [options] [--json]   (scrip <command> --help for its options)',
    '',
    'Commands:',
    ...rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`),
    '',
    'Commands other than agent/start/sandbox/card issue/card virtual talk to your running agent through its',
    'socket in your data directory, or to the agent at SCRIP_URL with the key in SCRIP_API_KEY (both needed);',
    'pure computations (prescription digest, prescription verify) run in this process, and medicines search',
    'does when no agent is running.',
  ].join('\n');
}
