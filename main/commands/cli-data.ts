// What the CLI needs of a command, as plain data with no zod: its words, route, flags and the JSON
// Schema of its input. `npm run build` writes every command's to dist/cli/commands.json, so a command
// the agent answers runs without loading the registry and its schemas (decision 0013).
import type { Scope } from '../api/scopes';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

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

/** A field of a command's input, as its JSON Schema says. */
export interface FieldSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  items?: FieldSchema;
}

export interface CliCommand {
  name: string;
  summary: string;
  description?: string;
  http: { method: HttpMethod; path: string };
  needs: { scope: Scope };
  cli?: CliSpec;
  local?: LocalRun;
  /** The input's JSON Schema (as it is given, before defaults): its fields and which are required. */
  input: { fields: Record<string, FieldSchema>; required: string[] };
}

/** The CLI words for a command: explicit, or its name split on dots. */
export function cliPath(c: { name: string; cli?: CliSpec }): string[] {
  return c.cli?.path ?? c.name.split('.');
}

/** The `{name}` parameters of an HTTP path. */
export function pathParams(path: string): string[] {
  return [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
}

/** GET and DELETE take their input in the path and query; the others in a JSON body. */
export function inputInQuery(c: { http: { method: HttpMethod } }): boolean {
  return c.http.method === 'GET' || c.http.method === 'DELETE';
}
