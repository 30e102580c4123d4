// The single path every surface takes into a command: look it up, check the caller may use it,
// validate the input, run, and check the output. Failures are ScripErrors, never raw exceptions.
import { z } from 'zod';
import { ScripError, toScripError } from '../errors';
import type { Registry, Caller, CommandContext, AnyCommand } from './registry';
import type { Services } from '../services';
import { ACTIVITY_NEEDS } from '../../protocols/spine/activities';

export function inputIssues(error: z.ZodError): Array<{ path: string; message: string }> {
  return error.issues.map((i) => ({ path: i.path.join('.') || '(input)', message: i.message }));
}

/** What `needs.session` and `needs.activity` declare, enforced here for every surface. */
function checkSession(command: AnyCommand, services: Services): void {
  const { session, activity } = command.needs;
  if (!session && !activity) return;
  services.identity.machine.require(['role-selected'], `use ${command.name}`);
  if (!activity) return;
  const role = services.identity.view().selectedRole!;
  const need = ACTIVITY_NEEDS[activity];
  if (!role.activities.some((a) => need.codes.includes(a))) {
    throw new ScripError(
      'forbidden',
      `Your role at ${role.orgName} does not include ${need.named}, which ${command.name} needs.`,
      { needs: activity, activities: [...need.codes], roleProfileId: role.id },
      'Switch to a role that has this activity (scrip role use).',
    );
  }
}

export async function invokeCommand(
  registry: Registry,
  services: Services,
  name: string,
  rawInput: unknown,
  caller: Caller,
): Promise<unknown> {
  const command = registry.get(name);
  if (!command)
    throw new ScripError(
      'not-found',
      `There is no command called "${name}".`,
      undefined,
      'See /openapi.json or "scrip --help" for the commands.',
    );
  if (!caller.scopes.has(command.needs.scope) && !caller.scopes.has('admin')) {
    throw new ScripError('forbidden', `This caller may not use ${name}: it needs the "${command.needs.scope}" scope.`, {
      needs: command.needs.scope,
    });
  }
  checkSession(command, services);
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
  if (!out.success)
    throw new ScripError('internal', `${name} produced an answer that does not match its schema.`, {
      issues: inputIssues(out.error),
    });
  return out.data;
}
