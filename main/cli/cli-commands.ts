// Every registry command as the CLI sees it (main/commands/cli-data.ts): the input's JSON Schema made
// from its zod schema. Run from source the CLI calls this; the bundle reads the list the build wrote.
import { z } from 'zod';
import { createRegistry } from '../commands';
import type { AnyCommand } from '../commands/registry';
import type { CliCommand, FieldSchema } from '../commands/cli-data';

export function toCliCommand(c: AnyCommand): CliCommand {
  const js = z.toJSONSchema(c.input, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, FieldSchema>;
    required?: string[];
  };
  return {
    name: c.name,
    summary: c.summary,
    ...(c.description ? { description: c.description } : {}),
    http: c.http,
    needs: { scope: c.needs.scope },
    ...(c.cli ? { cli: c.cli } : {}),
    ...(c.local ? { local: c.local } : {}),
    input: { fields: js.properties ?? {}, required: js.required ?? [] },
  };
}

export function cliCommands(): CliCommand[] {
  return createRegistry().all().map(toCliCommand);
}
