// Where the sandbox CA lives unless told otherwise: <Scrip data dir>/sandbox/ca. The data dir rule
// repeats main/config.ts's defaultDataDir (sandbox may not import main): SCRIP_DATA_DIR, else the
// OS convention.
import { homedir, platform } from 'node:os';
import { join } from 'node:path';

export function defaultCaDir(env: NodeJS.ProcessEnv = process.env): string {
  let data: string;
  if (env.SCRIP_DATA_DIR) data = env.SCRIP_DATA_DIR;
  else if (platform() === 'darwin') data = join(homedir(), 'Library', 'Application Support', 'Scrip');
  else if (platform() === 'win32') data = join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Scrip');
  else data = join(env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'scrip');
  return join(data, 'sandbox', 'ca');
}
