// The command registry: every action a person can take is one command, defined once.
// Electron IPC, the local HTTP API (and its OpenAPI document) and the CLI are all generated from
// these definitions, so no surface keeps a second list.
import { z } from 'zod';
import type { Services } from '../services';
import type { ErrorCode } from '../errors';
import type { ActivityNeed } from '../../protocols/spine/activities';

/**
 * What a key may do (the matrix is in the OpenAPI document's `x-scrip-scopes` and on each operation):
 * read: look; ticket: take the live session (Ticket API); login: act on the card session (PIN, log in,
 * role, log out); prescribe, sign, dispense: those workflows; admin: everything, including keys.
 */
export const scopes = ['read', 'ticket', 'login', 'prescribe', 'sign', 'dispense', 'admin'] as const;
export type Scope = (typeof scopes)[number];

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Who is calling: the desktop UI, a program with an API key, the CLI in-process, or Scrip itself. */
export interface Caller {
  kind: 'ui' | 'api' | 'cli' | 'internal';
  scopes: ReadonlySet<Scope>;
  keyId?: string;
  keyName?: string;
  /** A short label shown in the audit log: "UI", "API key 'pharmacy-bot'", … */
  label: string;
}

export interface CommandContext {
  services: Services;
  caller: Caller;
}

export interface CommandNeeds {
  /** The API-key scope a program needs to call this command. */
  scope: Scope;
  /** The command needs a logged-in session with a role selected; invokeCommand answers bad-state otherwise. */
  session?: boolean;
  /** The selected role must hold an activity granting this work (implies `session`); else forbidden, naming it. */
  activity?: ActivityNeed;
}

export interface CliSpec {
  /** Words after `scrip`; default: the command name split on '.'. */
  path?: string[];
  /** Input fields taken from positional arguments, in order. */
  positional?: string[];
  /**
   * Secret input fields (PINs) read from standard input, one line each in this order, with
   * `--stdin` (or `--<first field>-stdin`): never from the command line, where `ps` shows them.
   */
  stdin?: string[];
  /** Other names for input flags, e.g. `{ file: 'draft' }` lets `--file rx.json` give `draft`. */
  aliases?: Record<string, string>;
  /** The output's boolean field that decides the exit code: false exits 1 (a check that found a fault). */
  exitOn?: string;
  /** `--<flag> <path>` writes the output's base64 `field` to that file instead of printing it. */
  saveAs?: { flag: string; field: string; what: string };
  /** Text fields read from a file: `{ file: 'prescription' }` makes `--file rx.xml` give `prescription` its content ("-": standard input). */
  files?: Record<string, string>;
}

/**
 * Where the CLI may run a command in its own process, through the same invokeCommand (same
 * validation and answer), with no agent, card service or keychain:
 * - 'always': a pure computation on its input (and files shipped with Scrip); the answer is the same anywhere;
 * - 'without-agent': read-only data the agent would also use (the bundled dm+d subset); the agent answers when one runs.
 * Such a command may use only `config` and `medicines` of the services.
 */
export type LocalRun = 'always' | 'without-agent';

export interface CommandDefinition<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  /** Dotted name: `<group>.<action>`, e.g. `readers.list`. Stable: programs rely on it. */
  name: string;
  summary: string;
  description?: string;
  http: { method: HttpMethod; path: string };
  input: I;
  output: O;
  needs: CommandNeeds;
  cli?: CliSpec;
  /** The CLI may run it in-process (see LocalRun); absent: only through the running agent. */
  local?: LocalRun;
  /** Error codes the command may answer with (documented in OpenAPI). */
  errors?: ErrorCode[];
  run: (input: z.infer<I>, ctx: CommandContext) => Promise<z.infer<O>>;
}

/** Keeps the input/output types of one definition together; the value is returned unchanged. */
export function defineCommand<I extends z.ZodType, O extends z.ZodType>(def: CommandDefinition<I, O>): CommandDefinition<I, O> {
  if (!/^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/.test(def.name)) throw new Error(`bad command name ${def.name}`);
  if (!def.http.path.startsWith('/')) throw new Error(`bad http path for ${def.name}`);
  return def;
}

// A registry holds definitions of differing input/output types; each is validated at the edge.
export type AnyCommand = CommandDefinition<z.ZodType, z.ZodType>;

export class Registry {
  readonly #byName = new Map<string, AnyCommand>();
  constructor(commands: readonly AnyCommand[]) {
    const routes = new Set<string>();
    for (const c of commands) {
      if (this.#byName.has(c.name)) throw new Error(`command ${c.name} defined twice`);
      const route = `${c.http.method} ${c.http.path.replace(/\{[^}]+\}/g, '{}')}`;
      if (routes.has(route)) throw new Error(`route ${route} used twice (${c.name})`);
      routes.add(route);
      this.#byName.set(c.name, c);
    }
  }
  get(name: string): AnyCommand | undefined { return this.#byName.get(name); }
  all(): AnyCommand[] { return [...this.#byName.values()]; }
  names(): string[] { return [...this.#byName.keys()]; }
}

/** The CLI words for a command: explicit, or its name split on dots. */
export function cliPath(c: AnyCommand): string[] {
  return c.cli?.path ?? c.name.split('.');
}
