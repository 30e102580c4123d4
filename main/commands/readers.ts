import { z } from 'zod';
import { defineCommand } from './registry';
import { readerState } from '../card/reader-state';

export const readersList = defineCommand({
  name: 'readers.list',
  summary: 'List smartcard readers and the card in each',
  description:
    'Reads the PC/SC readers now. `service` is "stopped" when pcscd is not running; Scrip reconnects by itself.',
  http: { method: 'GET', path: '/readers' },
  input: z.object({}),
  output: z.object({ service: z.enum(['running', 'stopped']), readers: z.array(readerState) }),
  needs: { scope: 'read' },
  run: async (_input, ctx) => ctx.services.readers.list(),
});

export const readerCommands = [readersList];
