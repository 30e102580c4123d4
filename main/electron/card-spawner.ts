// The embedded virtual card in the Electron shell: a utility process running the bundled
// dist/electron/virtual-card.cjs. `process.execPath` is the app itself here, and with the RunAsNode
// fuse off it cannot run a script; utilityProcess is Electron's own way to run Node code in a child.
import { utilityProcess } from 'electron';
import { join } from 'node:path';
import { cardProcessOf, type CardProcessSpawner } from '../card-process';

export function utilityCardSpawner(entry = join(__dirname, 'virtual-card.cjs')): CardProcessSpawner {
  return (args, env) =>
    cardProcessOf(
      utilityProcess.fork(entry, args, {
        stdio: ['ignore', 'pipe', 'ignore'],
        env: { ...process.env, ...env },
        serviceName: 'Scrip virtual card',
      }),
    );
}
