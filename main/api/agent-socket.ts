// The local agent's private door: a Unix domain socket in the user-only data directory (a named pipe
// on Windows). Only the user can reach a socket inside a 0700 directory they own, and only the agent
// they started can have put it there, so the CLI knows it talks to Scrip before sending a key or a
// PIN (decision 0008). A TCP port proves nothing: after a crash anyone may take it.
import { chmodSync, existsSync, lstatSync, mkdirSync, statSync, unlinkSync, type Stats } from 'node:fs';
import { createConnection, type Server } from 'node:net';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ScripError } from '../errors';

const isWindows = process.platform === 'win32';
/** sun_path holds 108 bytes on Linux, 104 on macOS. */
const MAX_SOCKET_PATH = 100;

/**
 * Where the agent for this data directory listens. Windows pipe names are global, so a squatter
 * could create a guessed one first: there each run takes a random name, written only into the
 * runtime file in the user's private directory (`pipeName`), and the pipe is created as the first
 * instance with the creator-only ACL (decision 0008).
 */
function agentSocketPath(dataDir: string, pipeName?: string): string {
  if (isWindows) return pipeName ?? `\\\\.\\pipe\\scrip-${randomBytes(16).toString('hex')}`;
  return join(dataDir, 'agent.sock');
}

function ownedByMe(s: Stats): boolean {
  return typeof process.getuid !== 'function' || s.uid === process.getuid();
}

/**
 * Throws unless `dataDir` is a directory of this user that nobody else may enter or change.
 * `repair`: the agent tightens its own directory (a 0755 one left by an older version) and checks again.
 */
function checkPrivateDir(dataDir: string, repair = false): void {
  if (isWindows) return; // the profile folder's ACL is the user's; nothing to check by mode bits
  let s: Stats;
  try {
    s = lstatSync(dataDir);
  } catch {
    throw new ScripError(
      'not-found',
      `The data directory ${dataDir} does not exist.`,
      undefined,
      'Start Scrip with "scrip agent" or "scrip start" first.',
    );
  }
  if (!s.isDirectory() || !ownedByMe(s)) {
    throw new ScripError(
      'forbidden',
      `The data directory ${dataDir} is not a directory of yours, so Scrip will not trust what is in it.`,
      { path: dataDir },
      'Set SCRIP_DATA_DIR to a directory of your own.',
    );
  }
  if ((s.mode & 0o077) !== 0) {
    if (repair) {
      chmodSync(dataDir, 0o700);
      return checkPrivateDir(dataDir, false);
    }
    throw new ScripError(
      'forbidden',
      `The data directory ${dataDir} may be entered by other users (mode ${(s.mode & 0o777).toString(8)}).`,
      { path: dataDir },
      `Run "chmod 700 ${dataDir}" and start the agent again.`,
    );
  }
}

/** The CLI's check before it sends anything: the socket is this user's, in this user's private directory. */
export function checkAgentSocket(dataDir: string, pipeName?: string): string {
  if (isWindows) {
    if (!pipeName) throw noAgent();
    return pipeName;
  }
  const path = agentSocketPath(dataDir);
  if (!existsSync(dataDir)) throw noAgent(); // nothing has ever run here
  checkPrivateDir(dataDir);
  let s: Stats;
  try {
    s = lstatSync(path);
  } catch {
    throw noAgent();
  }
  if (!s.isSocket() || !ownedByMe(s)) {
    throw new ScripError(
      'forbidden',
      `${path} is not a socket of yours, so it is not Scrip's agent; nothing was sent to it.`,
      { path },
      `Remove ${path} and start the agent again with "scrip agent" or "scrip start".`,
    );
  }
  return path;
}

export function noAgent(detail = ''): ScripError {
  return new ScripError(
    'service-unreachable',
    `No Scrip agent is running.${detail ? ` ${detail}` : ''}`,
    undefined,
    'Start one with "scrip agent" (headless) or "scrip start". For an agent elsewhere set SCRIP_URL and SCRIP_API_KEY.',
  );
}

function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = createConnection(path);
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

/** Throws when an agent already answers on this data directory's socket (checked before starting anything). */
export async function refuseSecondAgent(dataDir: string, pipeName?: string): Promise<void> {
  const path = isWindows ? pipeName : agentSocketPath(dataDir);
  if (path && (await answers(path)))
    throw new ScripError(
      'bad-state',
      `Another Scrip agent is already running for ${dataDir}.`,
      { path },
      'Use that one, or stop it first.',
    );
}

/** Listens on the agent socket: refuses when another agent answers there, clears a dead one's socket. */
export async function listenOnAgentSocket(server: Server, dataDir: string): Promise<string> {
  const path = agentSocketPath(dataDir);
  if (!isWindows) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    checkPrivateDir(dataDir, true);
    if (Buffer.byteLength(path) > MAX_SOCKET_PATH) {
      throw new ScripError(
        'invalid-input',
        `The data directory path is too long for the agent's socket (${path}).`,
        { path },
        'Set SCRIP_DATA_DIR to a shorter path.',
      );
    }
    let exists = false;
    try {
      exists = statSync(path) !== undefined;
    } catch {
      /* none */
    }
    if (exists) {
      if (await answers(path))
        throw new ScripError(
          'bad-state',
          `Another Scrip agent is already running for ${dataDir}.`,
          { path },
          'Use that one, or stop it first.',
        );
      unlinkSync(path); // left by an agent that did not exit cleanly; only this user could have made it
    }
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // readableAll/writableAll false: on Windows libuv gives the pipe the creator-only default DACL.
    server.listen({ path, readableAll: false, writableAll: false }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  if (!isWindows) chmodSync(path, 0o600);
  return path;
}
