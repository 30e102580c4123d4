// Every app event and its payload schema. Pure (zod only), so the renderer can import its types.
import { z } from 'zod';
import { readerState } from './card/reader-state';
import { sessionView, ticketHandout } from './identity/schemas';

export const eventSchemas = {
  'reader.changed': z
    .object({ readers: z.array(readerState), service: z.enum(['running', 'stopped']) })
    .describe('A reader was attached or detached, or a card inserted or removed.'),
  'session.changed': sessionView.describe('The login session moved to another state (card, PIN, login, role).'),
  'session.ended': z
    .object({
      reason: z.enum(['card-removed', 'logout', 'timeout', 'broker-refused']),
      userId: z.string(),
      at: z.string(),
    })
    .describe('The session ended; its token is destroyed.'),
  'session.expiring': z
    .object({ at: z.string(), reason: z.enum(['idle', 'absolute']) })
    .describe('The session will time out soon.'),
  'session.ticket': ticketHandout.describe('A local program was given the session (Ticket API).'),
  'prescription.changed': z
    .object({
      id: z.string(),
      status: z.string(),
      shortFormId: z.string().nullable(),
      lastError: z.string().nullable(),
    })
    .describe('A prescription was saved, signed, sent, accepted, rejected or cancelled.'),
  'environments.changed': z
    .object({ selected: z.string() })
    .describe('Another environment was chosen for the next session.'),
  'medicines.import': z
    .object({
      phase: z.enum(['start', 'file', 'index', 'done', 'failed']),
      file: z.string().nullable(),
      records: z.number(),
      zip: z.string(),
      error: z.string().optional(),
    })
    .describe(
      'Progress of a dm+d release import (it runs in the background; search keeps using the old release until done).',
    ),
  'dispensing.changed': z
    .object({ id: z.string(), shortFormId: z.string(), status: z.string() })
    .describe('A released prescription was kept, dispensed, returned or had its dispense record withdrawn.'),
  'session.ticket-asked': z
    .object({ keyId: z.string(), to: z.string(), at: z.string() })
    .describe('A program asked for the session for the first time; the user must allow it (ticket.approve).'),
  'assurance.progress': z
    .object({
      runId: z.string(),
      phase: z.enum(['start', 'step', 'scenario', 'done']),
      scenario: z.string().nullable(),
      step: z.string().nullable(),
      index: z.number().int(),
      total: z.number().int(),
      status: z.enum(['passed', 'failed', 'skipped']).nullable(),
      message: z.string().nullable(),
    })
    .describe('An assurance run moved on: a step or scenario finished, or the run ended.'),
  'session.prompt': z
    .object({ requestedBy: z.string(), at: z.string() })
    .describe('A program asked the user to log in with card and PIN.'),
} as const;

export type EventName = keyof typeof eventSchemas;
export type EventPayload<N extends EventName> = z.infer<(typeof eventSchemas)[N]>;
/** Any event, discriminated by `type`. */
export type ScripEvent = { [N in EventName]: { type: N; at: string; data: EventPayload<N> } }[EventName];
