// The command registry: every action a person can take is one command, defined once.
// Electron IPC, the local HTTP API (and its OpenAPI document) and the CLI are all generated from
// these definitions, so no surface keeps a second list.
import { z } from 'zod';
import type { Services } from '../services';
import type { ErrorCode } from '../errors';
import type { ActivityNeed } from '../../protocols/spine/activities';
import type { Scope } from '../api/scopes';
import type { CliSpec, HttpMethod, LocalRun } from './cli-data';

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

interface CommandNeeds {
  /** The API-key scope a program needs to call this command. */
  scope: Scope;
  /** The command needs a logged-in session with a role selected; invokeCommand answers bad-state otherwise. */
  session?: boolean;
  /** The selected role must hold an activity granting this work (implies `session`); else forbidden, naming it. */
  activity?: ActivityNeed;
}

interface CommandDefinition<
  I extends z.ZodType = z.ZodType,
  O extends z.ZodType = z.ZodType,
  N extends string = string,
> {
  /** Dotted name: `<group>.<action>`, e.g. `readers.list`. Stable: programs rely on it. */
  name: N;
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
export function defineCommand<I extends z.ZodType, O extends z.ZodType, const N extends string>(
  def: CommandDefinition<I, O, N>,
): CommandDefinition<I, O, N> {
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
  get(name: string): AnyCommand | undefined {
    return this.#byName.get(name);
  }
  all(): AnyCommand[] {
    return [...this.#byName.values()];
  }
  names(): string[] {
    return [...this.#byName.keys()];
  }
}
