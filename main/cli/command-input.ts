// Turns CLI flags into a command's input, guided by the JSON Schema of the command's own input, and
// writes the --help text from the same schema. Nothing here names a particular command.
import { readFileSync } from 'node:fs';
import { cliPath, type CliCommand, type FieldSchema } from '../commands/cli-data';
import { ScripError } from '../errors';
import type { ParsedArgs } from './args';

const inputFields = (c: CliCommand): { fields: Record<string, FieldSchema>; required: Set<string> } => ({
  fields: c.input.fields,
  required: new Set(c.input.required),
});

function convert(name: string, raw: string | true, schema: FieldSchema): unknown {
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  if (type === 'boolean') return raw === true ? true : !/^(false|no|0)$/i.test(raw);
  if (raw === true) throw new ScripError('invalid-input', `--${name} needs a value.`);
  if (type === 'array')
    return raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  if (type === 'object') {
    // An object-valued field is read from a JSON file (or "-" for standard input).
    let text: string;
    try {
      text = readFileSync(raw === '-' ? 0 : raw, 'utf8');
    } catch (e) {
      throw new ScripError(
        'invalid-input',
        `--${name}: cannot read ${raw}: ${e instanceof Error ? e.message : String(e)}.`,
      );
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new ScripError('invalid-input', `--${name}: ${raw} is not JSON.`);
    }
  }
  if (type === 'number' || type === 'integer') {
    const n = Number(raw);
    if (!Number.isFinite(n)) throw new ScripError('invalid-input', `--${name} must be a number.`);
    return n;
  }
  return raw;
}

/** A `files` flag's value: the text of that file ("-": standard input). */
function readTextFile(flag: string, raw: string | true): string {
  if (raw === true) throw new ScripError('invalid-input', `--${flag} needs a file name.`);
  try {
    return readFileSync(raw === '-' ? 0 : raw, 'utf8');
  } catch (e) {
    throw new ScripError(
      'invalid-input',
      `--${flag}: cannot read ${raw}: ${e instanceof Error ? e.message : String(e)}.`,
      undefined,
      'Check the file name and that you may read it.',
    );
  }
}

/** Flags every command understands, handled by the CLI itself. */
const globalFlags = ['json', 'help', 'url'];

/** The flag that asks for secrets on standard input, if this command takes any. */
export function stdinRequested(c: CliCommand, args: ParsedArgs): boolean {
  const first = c.cli?.stdin?.[0];
  return !!first && (args.flags.has('stdin') || args.flags.has(`${first}-stdin`));
}

export function inputFromArgs(
  c: CliCommand,
  args: ParsedArgs,
  positionals: string[],
  stdinLines?: string[],
): Record<string, unknown> {
  const { fields } = inputFields(c);
  const input: Record<string, unknown> = {};
  const pos = c.cli?.positional ?? [];
  positionals.forEach((v, i) => {
    const field = pos[i];
    if (!field) throw new ScripError('invalid-input', `Unexpected argument "${v}".`);
    input[field] = convert(field, v, fields[field] ?? {});
  });
  for (const [flag, raw] of args.flags) {
    if (globalFlags.includes(flag)) continue;
    if (flag === 'api-key')
      throw new ScripError(
        'invalid-input',
        '--api-key is a secret: the command line is visible to every user in "ps".',
        undefined,
        'Put the key in the SCRIP_API_KEY environment variable instead (only you can read it).',
      );
    if (c.cli?.stdin && (flag === 'stdin' || flag === `${c.cli.stdin[0]}-stdin`)) continue;
    if (c.cli?.saveAs?.flag === flag) continue;
    const fileField = c.cli?.files?.[flag];
    if (fileField) {
      input[fileField] = readTextFile(flag, raw);
      continue;
    }
    const field = c.cli?.aliases?.[flag] ?? flag;
    if (c.cli?.stdin?.includes(field))
      throw new ScripError(
        'invalid-input',
        `--${flag} is a secret: give it on standard input with --stdin, not on the command line.`,
      );
    const schema = fields[field];
    if (!schema)
      throw new ScripError(
        'invalid-input',
        `Unknown option --${flag} for "scrip ${cliPath(c).join(' ')}".`,
        undefined,
        `Run "scrip ${cliPath(c).join(' ')} --help".`,
      );
    input[field] = convert(flag, raw, schema);
  }
  if (c.cli?.stdin && stdinLines)
    c.cli.stdin.forEach((field, i) => {
      if (stdinLines[i] !== undefined) input[field] = stdinLines[i];
    });
  return input;
}

export function commandHelp(c: CliCommand): string {
  const { fields, required } = inputFields(c);
  const pos = c.cli?.positional ?? [];
  const usage = [`scrip ${cliPath(c).join(' ')}`, ...pos.map((p) => `<${p}>`)];
  const lines = [`${c.summary}`, ''];
  if (c.description) lines.push(c.description, '');
  const fileFlags = Object.entries(c.cli?.files ?? {});
  for (const [name, s] of Object.entries(fields)) {
    if (pos.includes(name)) continue;
    if (c.cli?.stdin?.includes(name)) continue;
    const flag = fileFlags.find(([, f]) => f === name)?.[0];
    const shown = flag ? `--${flag} <file>` : `--${name} <${String(s.type ?? 'value')}>`;
    usage.push(required.has(name) ? shown : `[${shown}]`);
  }
  if (c.cli?.stdin) usage.push(`--stdin (reads ${c.cli.stdin.join(', ')} from standard input, one per line)`);
  if (c.cli?.saveAs) usage.push(`[--${c.cli.saveAs.flag} <file>]`);
  lines.unshift(`Usage: ${usage.join(' ')} [--json]`, '');
  const opts = Object.entries(fields)
    .filter(([name]) => !fileFlags.some(([flag]) => flag === name))
    .map(([name, s]) => {
      const flag = c.cli?.stdin?.includes(name) ? `(stdin) ${name}` : pos.includes(name) ? `<${name}>` : `--${name}`;
      const type = s.type === 'array' ? `${String(s.items?.type ?? 'value')},…` : String(s.type ?? 'value');
      const choices = s.enum ?? s.items?.enum;
      const extra = [
        required.has(name) ? 'required' : 'optional',
        choices ? `one of: ${choices.join(', ')}` : '',
        s.default !== undefined ? `default: ${JSON.stringify(s.default)}` : '',
      ]
        .filter(Boolean)
        .join('; ');
      return `  ${flag.padEnd(22)} ${type.padEnd(10)} ${s.description ?? ''} (${extra})`;
    });
  for (const [alias, field] of Object.entries(c.cli?.aliases ?? {}))
    opts.push(`  --${alias.padEnd(20)} ${''.padEnd(10)} the same as --${field}`);
  for (const [flag, field] of fileFlags)
    opts.push(`  --${flag.padEnd(20)} ${'file'.padEnd(10)} gives ${field} the text of this file ("-": standard input)`);
  if (c.cli?.saveAs)
    opts.push(
      `  --${c.cli.saveAs.flag.padEnd(20)} ${'file'.padEnd(10)} write ${c.cli.saveAs.what} to this file (optional)`,
    );
  if (opts.length) lines.push('Options:', ...opts);
  lines.push(
    '',
    `  --json                 print the answer as one line of JSON`,
    '',
    `API: ${c.http.method} ${c.http.path}   scope: ${c.needs.scope}`,
  );
  return lines.join('\n');
}
