// `scrip`: one subcommand per registry command (generated), plus the few that start things.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CliCommand } from '../commands/cli-data';
import { builtins, overview } from './overview';
import { findCommand, runsLocally } from './find-command';
import { ScripError, toScripError } from '../errors';
import { defaultDataDir } from '../config';
import { parseArgs, flagString, type ParsedArgs } from './args';
import { commandHelp, inputFromArgs, stdinRequested } from './command-input';
import { callCommand, cliApiKey, findAgent, type AgentAddress } from './agent-client';
import { formatHuman } from './format';
import type { Services } from '../services';

// What only some commands need loads when they run, so `scrip --help` and a command answered by the
// agent start without the services, the sandbox and the assurance runner (decision 0013).
const serving = () => import('./serve');
const assuring = () => import('./assure');
const local = () => import('./local');

/**
 * The commands as the CLI sees them: in the bundle, the list `npm run build` wrote next to it (no zod,
 * no schemas to build); from source, made from the registry.
 */
async function cliCommands(): Promise<CliCommand[]> {
  const built = join(dirname(fileURLToPath(import.meta.url)), 'commands.json');
  if (existsSync(built)) return JSON.parse(readFileSync(built, 'utf8')) as CliCommand[];
  return (await import('./cli-commands')).cliCommands();
}

function readStdinLines(): string[] {
  return readFileSync(0, 'utf8').split(/\r?\n/);
}

function print(args: ParsedArgs, value: unknown): void {
  process.stdout.write((args.flags.has('json') ? JSON.stringify(value) : formatHuman(value)) + '\n');
}

/** `api-key create` with no agent and no key: the user's own data directory is their authority. */
async function createKeyLocally(
  command: CliCommand,
  input: Record<string, unknown>,
  dataDir: string,
): Promise<unknown> {
  const [{ openStores }, { invokeCommand }, { createRegistry }] = await Promise.all([
    import('../store/open-stores'),
    import('../commands/invoke'),
    import('../commands'),
  ]);
  const { db, apiKeys, audit } = openStores(dataDir);
  try {
    const services = { apiKeys, audit } as unknown as Services; // api-key.create needs only these two
    return await invokeCommand(createRegistry(), services, command.name, input, {
      kind: 'cli',
      scopes: new Set(['admin']),
      label: 'CLI (local)',
    });
  } finally {
    db.close();
  }
}

/** Whether an agent answers (a command that may run without one asks first). */
async function agentAnswers(args: ParsedArgs, dataDir: string): Promise<boolean> {
  try {
    await findAgent(dataDir, process.env, flagString(args.flags, 'url'));
    return true;
  } catch {
    return false;
  }
}

async function viaAgent(
  args: ParsedArgs,
  command: CliCommand,
  input: Record<string, unknown>,
  dataDir: string,
): Promise<unknown> {
  const envKey = process.env.SCRIP_API_KEY || undefined;
  let agent: AgentAddress | null = null;
  try {
    agent = await findAgent(dataDir, process.env, flagString(args.flags, 'url'));
  } catch (e) {
    if (command.name !== 'api-key.create' || toScripError(e).code !== 'service-unreachable') throw e;
  }
  return agent
    ? await callCommand({ ...agent, apiKey: envKey ?? (await cliApiKey(dataDir)) }, command, input)
    : await createKeyLocally(command, input, dataDir);
}

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  const commands = await cliCommands();
  const dataDir = defaultDataDir();
  try {
    const [first] = args.words;
    if (!first || first === 'help') {
      process.stdout.write(overview(commands) + '\n');
      return 0;
    }
    if (first === 'agent' || first === 'start') {
      if (args.flags.has('help')) {
        process.stdout.write(`scrip ${first}: ${builtins[first]}\n`);
        return 0;
      }
      const port = flagString(args.flags, 'port');
      const keyFile = flagString(args.flags, 'admin-key-file');
      const keyFd = flagString(args.flags, 'admin-key-fd');
      if ((keyFile || keyFd) && !args.flags.has('headless'))
        throw new ScripError(
          'invalid-input',
          '--admin-key-file and --admin-key-fd go with --headless.',
          undefined,
          'Add --headless, or create a key with "scrip api-key create".',
        );
      if (keyFd !== undefined && !/^\d+$/.test(keyFd))
        throw new ScripError('invalid-input', `--admin-key-fd takes a file descriptor number, not "${keyFd}".`);
      const headless = args.flags.has('headless')
        ? {
            ...(keyFile ? { adminKeyFile: keyFile } : {}),
            ...(keyFd !== undefined ? { adminKeyFd: Number(keyFd) } : {}),
          }
        : undefined;
      return await (
        await serving()
      ).serve(first, {
        browser: first === 'agent' || args.flags.has('browser'),
        ...(port ? { port: Number(port) } : {}),
        open: !args.flags.has('no-open'),
        ...(headless ? { headless } : {}),
      });
    }
    // Assurance runs and checks in this process (no agent needed), unless --agent asks the agent.
    if (first === 'assure' && !args.flags.has('agent'))
      return await (await assuring()).assureCli(args, args.words.slice(1), (v) => print(args, v));
    const found = findCommand(commands, args.words);
    if (!found)
      throw new ScripError(
        'invalid-input',
        `"scrip ${args.words.join(' ')}" is not a command.`,
        undefined,
        'Run "scrip --help" for the list.',
      );
    const { command, rest } = found;
    if (args.flags.has('help')) {
      process.stdout.write(commandHelp(command) + '\n');
      return 0;
    }
    const input = inputFromArgs(command, args, rest, stdinRequested(command, args) ? readStdinLines() : undefined);
    const result = (await runsLocally(command, () => agentAnswers(args, dataDir)))
      ? await (await local()).invokeLocally(command, input, dataDir)
      : await viaAgent(args, command, input, dataDir);
    const save = command.cli?.saveAs;
    const target = save ? flagString(args.flags, save.flag) : undefined;
    if (save && target && result && typeof result === 'object') {
      const { [save.field]: data, ...rest } = result as Record<string, unknown>;
      writeFileSync(target, Buffer.from(String(data), 'base64'), { mode: 0o600 });
      print(args, { ...rest, savedTo: target });
    } else print(args, result);
    // A check that found a fault fails the command, so a script or CI step stops on it.
    const verdict = command.cli?.exitOn;
    if (verdict && result && typeof result === 'object' && (result as Record<string, unknown>)[verdict] === false)
      return 1;
    return 0;
  } catch (e) {
    const err = toScripError(e);
    if (args.flags.has('json')) process.stderr.write(JSON.stringify({ error: err.toBody() }) + '\n');
    else {
      process.stderr.write(`Error: ${err.message}\n${err.action}\n`);
      if (err.code === 'internal' && typeof err.details?.cause === 'string')
        process.stderr.write(`  (${err.details.cause})\n`);
      const issues = err.details?.issues;
      if (Array.isArray(issues))
        for (const i of issues as Array<{ path: string; message: string }>)
          process.stderr.write(`  ${i.path}: ${i.message}\n`);
    }
    return err.exitCode;
  }
}
