// Every command's name → what it takes and what it answers, as the zod schemas say (`z.input` of
// the input: defaults may be left out; `z.output` of the output: what arrives on the wire). The
// renderer's transport is typed by it, so a field removed from an output schema fails the build of
// every screen that reads it. Types only: the renderer imports nothing of main/ at run time.
import type { z } from 'zod';
import type { commandGroups } from './index';

type Definition = (typeof commandGroups)[number][number];

type CommandMap = {
  [D in Definition as D['name']]: { input: z.input<D['input']>; output: z.output<D['output']> };
};
export type CommandName = keyof CommandMap;
export type CommandInput<N extends CommandName> = CommandMap[N]['input'];
export type CommandOutput<N extends CommandName> = CommandMap[N]['output'];
