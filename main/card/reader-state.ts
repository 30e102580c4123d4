import { z } from 'zod';

/** One reader as every surface sees it. */
export const readerState = z.object({
  name: z.string().describe('PC/SC reader name, e.g. "Virtual PCD 00 00"'),
  present: z.boolean().describe('A card is in the reader'),
  atr: z.string().nullable().describe('Answer-to-reset of the card, upper-case hex'),
  pinPad: z.boolean().nullable().describe('The reader has a PIN pad (null: not known yet)'),
  cardType: z
    .string()
    .nullable()
    .describe('Which card driver recognised the card, e.g. "piv" (null: none or not probed)'),
  inUse: z.boolean().describe('Another program holds the card exclusively'),
  pinRetries: z.number().int().nullable().describe('PIN tries left, when known'),
});
export type ReaderState = z.infer<typeof readerState>;

export interface ReadersView {
  service: 'running' | 'stopped';
  readers: ReaderState[];
}
