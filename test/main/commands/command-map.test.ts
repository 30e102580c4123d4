// The renderer's command types (main/commands/command-map.ts) come from the registered groups: the
// map names exactly the registered commands, and a screen reading a field an output schema lacks
// fails `npm run typecheck` (the @ts-expect-error below fails the build if that ever stops).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commandGroups, createRegistry } from '../../../main/commands';
import type { CommandName, CommandOutput } from '../../../main/commands/command-map';

type Registered = (typeof commandGroups)[number][number]['name'];
const sameNames: [Registered] extends [CommandName] ? ([CommandName] extends [Registered] ? true : never) : never =
  true;

// An output's fields are the schema's: reading one the schema lacks is a type error (checked by tsc).
type ReadersList = CommandOutput<'readers.list'>;
// @ts-expect-error readers.list answers no `cards` field
const noSuchField = (r: ReadersList): unknown => r.cards;

test('every command group is registered, and the command map names exactly the registered commands', () => {
  assert.equal(sameNames, true, 'the type checker compared the names');
  assert.equal(typeof noSuchField, 'function', 'the type-level check above compiled');
  const registered = createRegistry().names();
  assert.deepEqual(
    [...registered].sort(),
    commandGroups
      .flat()
      .map((c) => c.name)
      .sort(),
    'the registry holds every command of every group',
  );
});
