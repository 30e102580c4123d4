// API-key scopes: kept apart from the command registry so the key store needs no commands.
/**
 * What a key may do (the matrix is in the OpenAPI document's `x-scrip-scopes` and on each operation):
 * read: look; ticket: take the live session (Ticket API); login: act on the card session (PIN, log in,
 * role, log out); prescribe, sign, dispense: those workflows; admin: everything, including keys.
 */
export const scopes = ['read', 'ticket', 'login', 'prescribe', 'sign', 'dispense', 'admin'] as const;
export type Scope = (typeof scopes)[number];
