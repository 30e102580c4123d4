// The single path every surface takes into a command: look it up, check the caller may use it,
// validate the input, run, and check the output. Failures are ScripErrors, never raw exceptions.
import { z } from 'zod';
import { ScripError, toScripError } from '../errors';
import type { Registry, Caller, CommandContext } from './registry';
import type { Services } from '../services';

export function inputIssues(error: z.ZodError): Array<{ path: string; message: string }> {
  return error.issues.map((i) => ({ path: i.path.join('.') || '(input)', message: i.message }));
}

export async function invokeCommand(registry: Registry, services: Services, name: string, rawInput: unknown, caller: Caller): Promise<unknown> {
  const command = registry.get(name);
  if (!command) throw new ScripError('not-found', `There is no command called "${name}".`, undefined, 'See /openapi.json or "scrip --help" for the commands.');
  if (!caller.scopes.has(command.needs.scope) && !caller.scopes.has('admin')) {
    throw new ScripError('forbidden', `This caller may not use ${name}: it needs the "${command.needs.scope}" scope.`, { needs: command.needs.scope });
  }
  const parsed = command.input.safeParse(rawInput ?? {});
  if (!parsed.success) {
    throw new ScripError('invalid-input', `The input for ${name} is not valid.`, { issues: inputIssues(parsed.error) });
  }
  const ctx: CommandContext = { services, caller };
  let result: unknown;
  try {
    result = await command.run(parsed.data, ctx);
  } catch (e) {
    throw toScripError(e);
  }
  const out = command.output.safeParse(result);
  if (!out.success) throw new ScripError('internal', `${name} produced an answer that does not match its schema.`, { issues: inputIssues(out.error) });
  return out.data;
}
