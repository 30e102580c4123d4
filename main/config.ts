// Where Scrip keeps its files and which services it talks to. Environments are configured, never hard-wired.
import { homedir, platform } from 'node:os';
import { join } from 'node:path';

export interface AppConfig {
  /** The user's data directory: database, runtime file, embedded sandbox data. */
  dataDir: string;
  version: string;
}

/** The per-user data directory: SCRIP_DATA_DIR, else the OS convention. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SCRIP_DATA_DIR) return env.SCRIP_DATA_DIR;
  const home = homedir();
  switch (platform()) {
    case 'darwin':
      return join(home, 'Library', 'Application Support', 'Scrip');
    case 'win32':
      return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Scrip');
    default:
      return join(env.XDG_DATA_HOME ?? join(home, '.local', 'share'), 'scrip');
  }
}

export const appVersion = '0.1.0';
