// Adding a command to its group's array is the only registration: every command defined in
// main/commands/*.ts must be in the registry, so a definition left out of its array fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRegistry } from '../../../main/commands';

const commandsDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'main', 'commands');

/** A value shaped like a defineCommand result. */
function isCommand(v: unknown): v is { name: string } {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as { name?: unknown }).name === 'string' &&
    typeof (v as { run?: unknown }).run === 'function' &&
    typeof (v as { http?: unknown }).http === 'object'
  );
}

test('every command defined in main/commands/*.ts is in the registry (its group array holds it)', async () => {
  const registry = createRegistry();
  const defined: string[] = [];
  const missing: string[] = [];
  const modules = readdirSync(commandsDir).filter((f) => f.endsWith('.ts'));
  assert.ok(modules.length > 5, `command modules found in ${commandsDir}`);
  for (const file of modules) {
    const mod = (await import(pathToFileURL(join(commandsDir, file)).href)) as Record<string, unknown>;
    for (const [exported, value] of Object.entries(mod)) {
      for (const c of (Array.isArray(value) ? value : [value]).filter(isCommand)) {
        defined.push(c.name);
        if (registry.get(c.name) !== c) missing.push(`${c.name} (${file}, export ${exported})`);
      }
    }
  }
  assert.deepEqual(
    missing,
    [],
    "defined but not registered: add each to its group's array in its module (and the group to main/commands/index.ts)",
  );
  assert.deepEqual(
    [...new Set(defined)].sort(),
    registry.names().sort(),
    'the registry holds exactly the commands the modules define',
  );
});
