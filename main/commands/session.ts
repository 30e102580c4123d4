// The identity agent's commands: log in with card and PIN, roles, log out, and the Ticket API
// for local programs. PINs arrive in the input and go straight to the card.
import { z } from 'zod';
import { defineCommand, type CommandContext } from './registry';
import { sessionView, brokerRole, ticketHandout } from '../identity/schemas';
import { ScripError } from '../errors';
import { pinAttempt } from './pin-attempts';

const pin = z.string().describe('The card passcode (6–8 digits); read from standard input by the CLI');

export const sessionGet = defineCommand({
  name: 'session.get',
  summary: 'Show the login session: card, user, roles, selected role, expiry',
  http: { method: 'GET', path: '/session' },
  input: z.object({}),
  output: sessionView,
  needs: { scope: 'read' },
  cli: { path: ['session'] },
  run: async (_i, ctx) => ctx.services.identity.view(),
});

export const sessionLogin = defineCommand({
  name: 'session.login',
  summary: 'Log in with the card in the reader and its passcode',
  description:
    "Verifies the PIN on the card, signs the security broker's challenge with the card's authentication key and starts a session. Chooses `role` if given, the only role, or the role last used.",
  http: { method: 'POST', path: '/session' },
  input: z.object({
    pin,
    role: z
      .string()
      .regex(/^\d{6,15}$/)
      .optional()
      .describe('Role profile ID to select'),
  }),
  output: sessionView,
  needs: { scope: 'login' },
  cli: { path: ['login'], stdin: ['pin'] },
  errors: [
    'no-card',
    'pin-wrong',
    'pin-blocked',
    'pin-format',
    'bad-state',
    'service-unreachable',
    'service-error',
    'card-removed',
  ],
  run: async (input, ctx) => {
    const reader = ctx.services.identity.view().reader ?? undefined;
    return pinAttempt(ctx, 'session.login', reader, () =>
      ctx.services.identity.login({ pin: input.pin, ...(input.role ? { roleId: input.role } : {}) }),
    );
  },
});

export const sessionUseCard = defineCommand({
  name: 'session.use-card',
  summary: 'Choose which card to log in with, when cards are in several readers',
  description:
    'Before a session starts, makes the card in `reader` the one `session.login` uses (and whose removal would end the session). The readers with a card are listed in `cards` of `session.get`.',
  http: { method: 'POST', path: '/session/card' },
  input: z.object({ reader: z.string().min(1).max(200).describe('Reader name, as listed in `cards`') }),
  output: sessionView,
  needs: { scope: 'login' },
  cli: { path: ['use-card'] },
  errors: ['no-card', 'bad-state'],
  run: async (input, ctx) => ctx.services.identity.useCard(input.reader),
});

export const sessionLogout = defineCommand({
  name: 'session.logout',
  summary: 'End the session (the same as taking the card out)',
  http: { method: 'DELETE', path: '/session' },
  input: z.object({}),
  output: sessionView,
  needs: { scope: 'login' },
  cli: { path: ['logout'] },
  run: async (_i, ctx) => ctx.services.identity.logout(),
});

export const rolesList = defineCommand({
  name: 'roles.list',
  summary: 'List your role profiles, with organisation, job role and activities',
  http: { method: 'GET', path: '/session/roles' },
  input: z.object({}),
  output: z.object({ roles: z.array(brokerRole), selected: z.string().nullable() }),
  needs: { scope: 'read' },
  cli: { path: ['roles'] },
  run: async (_i, ctx) => {
    const v = ctx.services.identity.view();
    if (!v.user) throw new ScripError('bad-state', 'You are not logged in.', undefined, 'Log in with your card first.');
    return { roles: v.roles, selected: v.selectedRole?.id ?? null };
  },
});

export const roleUse = defineCommand({
  name: 'role.use',
  summary: 'Choose or switch role, without taking the card out',
  http: { method: 'PUT', path: '/session/role' },
  input: z.object({
    role: z
      .string()
      .regex(/^\d{6,15}$/)
      .describe('Role profile ID'),
  }),
  output: sessionView,
  needs: { scope: 'login' },
  cli: { path: ['role', 'use'], positional: ['role'] },
  run: async (input, ctx) => ctx.services.identity.selectRole(input.role),
});

export const roleAssertion = defineCommand({
  name: 'session.role-assertion',
  summary: 'Read back the SAML role assertion the broker holds for this session',
  http: { method: 'GET', path: '/session/role-assertion' },
  input: z.object({}),
  output: z.object({ xml: z.string() }),
  needs: { scope: 'read' },
  run: async (_i, ctx) => ({ xml: await ctx.services.identity.roleAssertion() }),
});

const ticket = z.object({
  token: z.string(),
  userId: z.string(),
  roleProfileId: z.string().nullable(),
  expiresAt: z.string(),
});

/**
 * A program's first hand-out waits for the user's yes (remembered per key, revocable). The user's
 * own surfaces (the window, the CLI) and admin keys need none.
 */
function requireApproval(ctx: CommandContext): void {
  const keyId = ctx.caller.keyId;
  // An admin key could approve itself (ticket.approve is admin), so asking it would be theatre.
  if (
    ctx.caller.kind !== 'api' ||
    !keyId ||
    ctx.caller.scopes.has('admin') ||
    ctx.services.ticketApprovals.approved(keyId)
  )
    return;
  const at = new Date().toISOString();
  ctx.services.audit.append(ctx.caller.label, 'session.ticket-asked', { keyId });
  ctx.services.events.emit('session.ticket-asked', { keyId, to: ctx.caller.label, at });
  throw new ScripError(
    'forbidden',
    `The user has not yet allowed ${ctx.caller.label} to take their session; Scrip is asking them now.`,
    { approvalNeeded: true, keyId },
    'Ask the user to allow this program in Scrip (Who has my session), then try again.',
  );
}

export const ticketGet = defineCommand({
  name: 'ticket.get',
  summary: 'Get the current session for a local program, without prompting (Ticket API)',
  description:
    'Answers bad-state when nobody is logged in. Every hand-out is written to the audit log and shown to the user.',
  http: { method: 'GET', path: '/ticket' },
  input: z.object({}),
  output: ticket,
  needs: { scope: 'ticket' },
  errors: ['bad-state', 'forbidden'],
  run: async (_i, ctx) => {
    requireApproval(ctx);
    return ctx.services.identity.ticket({ label: ctx.caller.label, keyId: ctx.caller.keyId ?? null });
  },
});

export const ticketRequest = defineCommand({
  name: 'ticket.request',
  summary: 'Ask the user to log in with card and PIN, and wait for the session (Ticket API)',
  description: 'Shows a prompt in Scrip and waits up to `waitSeconds` for the user to log in and choose a role.',
  http: { method: 'POST', path: '/ticket/request' },
  input: z.object({ waitSeconds: z.number().int().min(1).max(300).default(120) }),
  output: ticket,
  needs: { scope: 'ticket' },
  errors: ['bad-state', 'forbidden'],
  run: async (input, ctx) => {
    requireApproval(ctx);
    const id = ctx.services.identity;
    if (id.view().state !== 'role-selected') {
      ctx.services.events.emit('session.prompt', { requestedBy: ctx.caller.label, at: new Date().toISOString() });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          stop();
          reject(
            new ScripError(
              'bad-state',
              `Nobody logged in within ${input.waitSeconds} seconds.`,
              undefined,
              'Ask the user to insert their card and log in, then try again.',
            ),
          );
        }, input.waitSeconds * 1000);
        const stop = ctx.services.events.subscribe((e) => {
          if (e.type === 'session.changed' && id.view().state === 'role-selected') {
            clearTimeout(timer);
            stop();
            resolve();
          }
        });
      });
    }
    return id.ticket({ label: ctx.caller.label, keyId: ctx.caller.keyId ?? null });
  },
});

export const sessionHandouts = defineCommand({
  name: 'session.handouts',
  summary: 'Who has been given my session (Ticket API hand-outs)',
  http: { method: 'GET', path: '/session/handouts' },
  input: z.object({}),
  output: z.object({ handouts: z.array(ticketHandout) }),
  needs: { scope: 'read' },
  run: async (_i, ctx) => ({ handouts: ctx.services.identity.handouts() }),
});

const approval = z.object({ keyId: z.string(), approvedAt: z.string() });

export const ticketApprovals = defineCommand({
  name: 'ticket.approvals',
  summary: 'Which programs you have allowed to take your session',
  http: { method: 'GET', path: '/ticket/approvals' },
  input: z.object({}),
  output: z.object({ approvals: z.array(approval) }),
  needs: { scope: 'admin' },
  run: async (_i, ctx) => ({ approvals: ctx.services.ticketApprovals.list() }),
});

export const ticketApprove = defineCommand({
  name: 'ticket.approve',
  summary: 'Allow a program (its API key) to take your session from now on',
  http: { method: 'PUT', path: '/ticket/approvals/{keyId}' },
  input: z.object({
    keyId: z
      .string()
      .regex(/^[0-9a-f]{16}$/)
      .describe("The API key's id"),
  }),
  output: approval,
  needs: { scope: 'admin' },
  cli: { positional: ['keyId'] },
  errors: ['not-found'],
  run: async (input, ctx) => {
    const key = ctx.services.apiKeys.list().find((k) => k.id === input.keyId && !k.revokedAt);
    if (!key) throw new ScripError('not-found', `There is no live API key with id ${input.keyId}.`);
    ctx.services.audit.append(ctx.caller.label, 'session.ticket-approved', { keyId: key.id, name: key.name });
    return ctx.services.ticketApprovals.approve(key.id);
  },
});

export const ticketRevoke = defineCommand({
  name: 'ticket.revoke',
  summary: 'Stop a program (its API key) from taking your session',
  http: { method: 'DELETE', path: '/ticket/approvals/{keyId}' },
  input: z.object({
    keyId: z
      .string()
      .regex(/^[0-9a-f]{16}$/)
      .describe("The API key's id"),
  }),
  output: z.object({ keyId: z.string(), revoked: z.boolean() }),
  needs: { scope: 'admin' },
  cli: { positional: ['keyId'] },
  run: async (input, ctx) => {
    const revoked = ctx.services.ticketApprovals.revoke(input.keyId);
    ctx.services.audit.append(ctx.caller.label, 'session.ticket-revoked', { keyId: input.keyId });
    return { keyId: input.keyId, revoked };
  },
});

export const sessionCommands = [
  sessionGet,
  sessionLogin,
  sessionUseCard,
  sessionLogout,
  rolesList,
  roleUse,
  roleAssertion,
  ticketGet,
  ticketRequest,
  sessionHandouts,
  ticketApprovals,
  ticketApprove,
  ticketRevoke,
];
