import { z } from 'zod';
import { sessionStates } from './session-machine';

export const brokerRole = z.object({
  id: z.string().describe('Role profile ID (URPID)'),
  orgCode: z.string().describe('ODS code of the organisation'),
  orgName: z.string(),
  jobRoleName: z.string().describe('e.g. "Clinical":"Clinical Provision":"Clinical Practitioner Access Role"'),
  jobRoleCode: z.string().nullable().describe('e.g. S8000:G8000:R8000'),
  activities: z.array(z.string()).describe('RBAC activity codes, e.g. B0570'),
});

export const sessionView = z.object({
  state: z.enum(sessionStates),
  reader: z.string().nullable(),
  cards: z.array(z.string()).describe('Readers with a card in them; with several, choose one with session.use-card'),
  user: z.object({ id: z.string(), name: z.string() }).nullable(),
  roles: z.array(brokerRole),
  selectedRole: brokerRole.nullable(),
  startedAt: z.string().nullable(),
  idleExpiresAt: z.string().nullable(),
  expiresAt: z.string().nullable(),
  environment: z.string().nullable().describe('The security broker in use'),
  browserLogin: z
    .boolean()
    .describe('A CIS2 login is waiting for the user to finish in their web browser (decision 0017)'),
});

export const ticketHandout = z.object({
  at: z.string(),
  to: z.string(),
  keyId: z.string().nullable(),
  roleProfileId: z.string().nullable(),
});
