// Where the sandbox keeps its files unless told otherwise: <Scrip data dir>/sandbox (CA in ./ca).
// The data dir rule repeats main/config.ts's defaultDataDir, because sandbox/ may not import main/:
// SCRIP_DATA_DIR, else the OS convention.
import { homedir, platform } from 'node:os';
import { join } from 'node:path';

export function scripDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SCRIP_DATA_DIR) return env.SCRIP_DATA_DIR;
  if (platform() === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Scrip');
  if (platform() === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Scrip');
  return join(env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'scrip');
}

export function defaultCaDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(scripDataDir(env), 'sandbox', 'ca');
}
