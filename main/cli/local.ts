// Commands the CLI runs in its own process (a definition's `local`): the same invokeCommand as
// every surface — same validation, same answer — with services that hold only what such a command
// may use (config and the medicines index); anything else is a clear error, not a half-built service.
import type { CliCommand } from '../commands/cli-data';
import { createRegistry } from '../commands';
import { invokeCommand } from '../commands/invoke';
import { ScripError } from '../errors';
import { MedicinesService } from '../prescribing/medicines';
import { appVersion } from '../config';
import type { Services } from '../services';

export async function invokeLocally(c: CliCommand, input: Record<string, unknown>, dataDir: string): Promise<unknown> {
  const medicines = new MedicinesService(dataDir);
  const present: Partial<Services> = { config: { dataDir, version: appVersion }, medicines };
  const services = new Proxy(present, {
    get(target, key: string) {
      if (key in target) return target[key as keyof Services];
      throw new ScripError(
        'internal',
        `${c.name} needs the ${key} service, which runs only in the agent.`,
        undefined,
        'Start the agent ("scrip agent") and try again.',
      );
    },
  }) as Services;
  try {
    return await invokeCommand(createRegistry(), services, c.name, input, {
      kind: 'cli',
      scopes: new Set([c.needs.scope]),
      label: 'CLI (in-process)',
    });
  } finally {
    await medicines.dispose();
  }
}
