// How the CLI reaches the running agent: SCRIP_URL + SCRIP_API_KEY, or the runtime file and a CLI
// key kept in the OS keychain. It calls each command's own REST route, like any other program.
import { hostname } from 'node:os';
import type { AnyCommand } from '../commands/registry';
import { ScripError, isErrorBody } from '../errors';
import { readRuntimeFile } from './runtime-file';
import { pathParams, inputInQuery } from '../api/openapi';
import { keyStoreFor, KeychainUnavailableError } from '../../native/keychain/keychain';
import { openStores } from '../app';

export interface AgentTarget { url: string; apiKey: string }

const NO_AGENT = 'No Scrip agent is running.';
const START_ONE = 'Start one with "scrip agent" (headless) or "scrip start", or set SCRIP_URL to its address.';

export async function findAgentUrl(dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const url = env.SCRIP_URL ?? readRuntimeFile(dataDir)?.url;
  if (!url) throw new ScripError('service-unreachable', NO_AGENT, undefined, START_ONE);
  try {
    const res = await fetch(new URL('/status', url), { signal: AbortSignal.timeout(3000) });
    if (!res.ok) throw new Error(`status ${res.status}`);
  } catch {
    throw new ScripError('service-unreachable', `${NO_AGENT} Nothing answers at ${url}.`, undefined, START_ONE);
  }
  return url;
}

/** SCRIP_API_KEY, else this user's CLI key from the key store (OS keychain, or the file SCRIP_KEYCHAIN=file names), created on first use. */
export function cliApiKey(dataDir: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.SCRIP_API_KEY) return env.SCRIP_API_KEY;
  const account = `cli:${dataDir}`;
  try {
    // The agent started with --headless keeps its secrets in the file store; the CLI follows that explicit choice.
    const store = keyStoreFor(dataDir, env.SCRIP_KEYCHAIN === undefined && readRuntimeFile(dataDir)?.keyStore === 'file' ? { ...env, SCRIP_KEYCHAIN: 'file' } : env);
    const kc = store.open();
    const existing = kc.get(account);
    if (existing) return existing;
    const { db, apiKeys, audit } = openStores(dataDir, store);
    try {
      const { key, info } = apiKeys.create(`CLI on ${hostname()}`, ['admin']);
      kc.set(account, key);
      audit.append('CLI (local)', 'api-key.create', { id: info.id, name: info.name, scopes: info.scopes, storedIn: store.kind === 'os' ? 'OS keychain' : 'key file' });
      return key;
    } finally {
      db.close();
    }
  } catch (e) {
    if (e instanceof KeychainUnavailableError) {
      throw new ScripError('no-keychain', `No API key was given, and ${e.message.charAt(0).toLowerCase()}${e.message.slice(1)}.`, undefined,
        // Not "create a key": creating keys needs the keychain too (it holds the secret that signs them).
        'Start or unlock a keychain for this desktop session (on Linux a Secret Service such as gnome-keyring) and try again, or set SCRIP_API_KEY to a key you already hold. With no keychain at all (CI, a container), choose the file store explicitly: SCRIP_KEYCHAIN=file (secrets in a 0600 file in the data directory), for the agent and the CLI alike.');
    }
    throw e;
  }
}

export async function callCommand(target: AgentTarget, c: AnyCommand, input: Record<string, unknown>): Promise<unknown> {
  let path = c.http.path;
  const rest = { ...input };
  for (const p of pathParams(c.http.path)) {
    path = path.replace(`{${p}}`, encodeURIComponent(String(rest[p] ?? '')));
    delete rest[p];
  }
  const url = new URL(path, target.url);
  const init: RequestInit = { method: c.http.method, headers: { authorization: `Bearer ${target.apiKey}` } };
  if (inputInQuery(c)) {
    for (const [k, v] of Object.entries(rest)) {
      for (const item of Array.isArray(v) ? v : [v]) url.searchParams.append(k, String(item));
    }
  } else {
    init.body = JSON.stringify(rest);
    (init.headers as Record<string, string>)['content-type'] = 'application/json';
  }
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch (e) {
    throw new ScripError('service-unreachable', `${NO_AGENT} (${e instanceof Error ? e.message : String(e)})`, undefined, START_ONE);
  }
  const body: unknown = await res.json().catch(() => null);
  if (res.ok) return body;
  if (isErrorBody(body)) throw new ScripError(body.code, body.message, body.details, body.action);
  throw new ScripError('internal', `The agent answered ${res.status}.`);
}
