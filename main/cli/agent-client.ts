// How the CLI reaches the running agent. The local agent only through its socket in the user's
// private data directory (checked before anything is sent: decision 0008), with the CLI key kept in
// the OS keychain; an agent elsewhere only when the user names both SCRIP_URL and SCRIP_API_KEY.
// It calls each command's own REST route, like any other program.
import { request } from 'node:http';
import { hostname } from 'node:os';
import { ScripError, isErrorBody } from '../errors';
import { readRuntimeFile } from './runtime-file';
import { checkAgentSocket, noAgent } from '../api/agent-socket';
import { inputInQuery, pathParams, type CliCommand } from '../commands/cli-data';
import { keyStoreFor, KeychainUnavailableError } from '../../native/keychain/keychain';

/** Where the agent is: its private socket (local), or a URL the user gave with its key (remote). */
export type AgentAddress = { socketPath: string } | { url: string };
type AgentTarget = AgentAddress & { apiKey: string };

interface Answer {
  status: number;
  body: unknown;
}

/** One HTTP exchange with the agent, over its socket or over the network. */
async function exchange(
  to: AgentAddress,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
  timeoutMs?: number,
): Promise<Answer> {
  if ('url' in to) {
    const res = await fetch(new URL(path, to.url), {
      method,
      headers,
      ...(body !== undefined ? { body } : {}),
      ...(timeoutMs ? { signal: AbortSignal.timeout(timeoutMs) } : {}),
    });
    return { status: res.status, body: await res.json().catch(() => null) };
  }
  return new Promise<Answer>((resolve, reject) => {
    const req = request(
      {
        socketPath: to.socketPath,
        method,
        path,
        headers: { host: 'localhost', ...headers },
        ...(timeoutMs ? { timeout: timeoutMs } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          let parsed: unknown = null;
          try {
            parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            /* not JSON */
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * The agent to talk to. SCRIP_URL (or --url) is honoured only with SCRIP_API_KEY: the CLI's own
 * admin key never leaves for an address that proves nothing. Otherwise the local socket, whose
 * directory and owner are checked before the first byte is sent.
 */
export async function findAgent(
  dataDir: string,
  env: NodeJS.ProcessEnv = process.env,
  url?: string,
): Promise<AgentAddress> {
  const remote = url ?? (env.SCRIP_URL || undefined);
  if (remote) {
    if (!env.SCRIP_API_KEY) {
      throw new ScripError(
        'invalid-input',
        `SCRIP_URL (${remote}) was given without SCRIP_API_KEY.`,
        undefined,
        'Set SCRIP_API_KEY to a key of that agent; Scrip never sends its own key to an address named in the environment. For the agent on this computer, unset SCRIP_URL.',
      );
    }
    return { url: remote };
  }
  const to = { socketPath: checkAgentSocket(dataDir, readRuntimeFile(dataDir)?.pipe) };
  let answer: Answer;
  try {
    answer = await exchange(to, 'GET', '/status', {}, undefined, 3000);
  } catch {
    throw noAgent('(its socket is left over from one that stopped)');
  }
  if (answer.status !== 200) throw noAgent(`(${to.socketPath} answered ${answer.status})`);
  return to;
}

/** SCRIP_API_KEY, else this user's CLI key from the key store (OS keychain, or the file SCRIP_KEYCHAIN=file names), created on first use. */
export async function cliApiKey(dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (env.SCRIP_API_KEY) return env.SCRIP_API_KEY;
  const account = `cli:${dataDir}`;
  try {
    // The agent started with --headless keeps its secrets in the file store; the CLI follows that explicit choice.
    const store = keyStoreFor(
      dataDir,
      env.SCRIP_KEYCHAIN === undefined && readRuntimeFile(dataDir)?.keyStore === 'file'
        ? { ...env, SCRIP_KEYCHAIN: 'file' }
        : env,
    );
    const kc = store.open();
    const existing = kc.get(account);
    if (existing) return existing;
    // The database opens only the first time, to make the key (not on every command).
    const { openStores } = await import('../store/open-stores');
    const { db, apiKeys, audit } = openStores(dataDir, store);
    try {
      const { key, info } = apiKeys.create(`CLI on ${hostname()}`, ['admin']);
      kc.set(account, key);
      audit.append('CLI (local)', 'api-key.create', {
        id: info.id,
        name: info.name,
        scopes: info.scopes,
        storedIn: store.kind === 'os' ? 'OS keychain' : 'key file',
      });
      return key;
    } finally {
      db.close();
    }
  } catch (e) {
    if (e instanceof KeychainUnavailableError) {
      throw new ScripError(
        'no-keychain',
        `No API key was given, and ${e.message.charAt(0).toLowerCase()}${e.message.slice(1)}.`,
        undefined,
        // Not "create a key": creating keys needs the keychain too (it holds the secret that signs them).
        'Start or unlock a keychain for this desktop session (on Linux a Secret Service such as gnome-keyring) and try again, or set SCRIP_API_KEY to a key you already hold. With no keychain at all (CI, a container), choose the file store explicitly: SCRIP_KEYCHAIN=file (secrets in a 0600 file in the data directory), for the agent and the CLI alike.',
      );
    }
    throw e;
  }
}

export async function callCommand(
  target: AgentTarget,
  c: CliCommand,
  input: Record<string, unknown>,
): Promise<unknown> {
  let path = c.http.path;
  const rest = { ...input };
  for (const p of pathParams(c.http.path)) {
    path = path.replace(`{${p}}`, encodeURIComponent(String(rest[p] ?? '')));
    delete rest[p];
  }
  const query = new URLSearchParams();
  const headers: Record<string, string> = { authorization: `Bearer ${target.apiKey}` };
  let body: string | undefined;
  if (inputInQuery(c)) {
    for (const [k, v] of Object.entries(rest)) {
      for (const item of Array.isArray(v) ? v : [v]) query.append(k, String(item));
    }
    const q = query.toString();
    if (q) path += `?${q}`;
  } else {
    body = JSON.stringify(rest);
    headers['content-type'] = 'application/json';
  }
  let res: Answer;
  try {
    res = await exchange(target, c.http.method, path, headers, body);
  } catch (e) {
    throw noAgent(`(${e instanceof Error ? e.message : String(e)})`);
  }
  if (res.status >= 200 && res.status < 300) return res.body;
  if (isErrorBody(res.body)) throw new ScripError(res.body.code, res.body.message, res.body.details, res.body.action);
  throw new ScripError('internal', `The agent answered ${res.status}.`);
}
