// The prescriber's and organisation's details for a role, kept on this computer for environments
// with no directory Scrip can ask (the sandbox's directory answers when nothing is saved).
import { z } from 'zod';
import { defineCommand, type CommandContext } from './registry';
import { ScripError } from '../errors';
import { prescriberSettings } from '../prescribing/prescriber-settings';

const roleId = z
  .string()
  .regex(/^\d{12}$/, 'A role profile ID is 12 digits')
  .optional()
  .describe('Role profile ID (default: the role selected in this session)');

function roleOf(ctx: CommandContext, given: string | undefined): { roleProfileId: string; userId: string | null } {
  if (given) return { roleProfileId: given, userId: ctx.services.identity.view().user?.id ?? null };
  let s;
  try {
    s = ctx.services.identity.requireRole();
  } catch {
    throw new ScripError(
      'bad-state',
      'Say which role these details are for, or log in and choose the role first.',
      { field: 'roleProfileId' },
      'Pass --role-profile-id, or log in with your card.',
    );
  }
  return { roleProfileId: s.role.id, userId: s.userId };
}

const settingsOut = prescriberSettings.nullable();

export const prescriberGet = defineCommand({
  name: 'prescriber.get',
  summary: 'Show the prescriber and organisation details saved for a role',
  http: { method: 'GET', path: '/prescriber' },
  input: z.object({ roleProfileId: roleId }),
  output: z.object({
    roleProfileId: z.string(),
    settings: settingsOut,
    source: z
      .enum(['settings', 'directory', 'none'])
      .describe('Where signing takes the details from: the saved settings, the sandbox directory, or nowhere yet'),
  }),
  needs: { scope: 'read' },
  errors: ['bad-state'],
  run: async (input, ctx) => {
    const { roleProfileId } = roleOf(ctx, input.roleProfileId);
    const settings = ctx.services.prescribing.prescriberSettings(roleProfileId);
    let sandbox = false;
    try {
      sandbox = ctx.services.prescribing.hasDirectory();
    } catch {
      sandbox = false;
    }
    return {
      roleProfileId,
      settings,
      source: settings ? ('settings' as const) : sandbox ? ('directory' as const) : ('none' as const),
    };
  },
});

export const prescriberSet = defineCommand({
  name: 'prescriber.set',
  summary:
    'Save the prescriber and organisation details for a role (professional code, organisation name, address, telephone)',
  description: 'Checked as EPS would check them; they go into every prescription signed in that role.',
  http: { method: 'PUT', path: '/prescriber' },
  input: z.object({
    roleProfileId: roleId,
    settings: z
      .record(z.string(), z.unknown())
      .describe(
        'See prescriber settings: professionalCode {system gmc|nmc|gphc|hcpc, value}, prescriptionType, telecom, name?, jobRoleCode?, organisation {odsCode?, name, typeCode, typeDisplay, telecom, addressLines, city?, district?, postcode, partOf?}; the CLI reads it from a JSON file',
      ),
  }),
  output: z.object({ roleProfileId: z.string(), settings: prescriberSettings }),
  needs: { scope: 'prescribe' },
  errors: ['invalid-input', 'bad-state'],
  run: async (input, ctx) => {
    const { roleProfileId, userId } = roleOf(ctx, input.roleProfileId);
    const parsed = prescriberSettings.safeParse(input.settings);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message }));
      throw new ScripError('invalid-input', problems.map((p) => `${p.field || 'settings'}: ${p.message}`).join(' '), {
        problems,
      });
    }
    return {
      roleProfileId,
      settings: ctx.services.prescribing.setPrescriberSettings(roleProfileId, userId, parsed.data),
    };
  },
});

export const prescriberClear = defineCommand({
  name: 'prescriber.clear',
  summary: 'Forget the prescriber and organisation details saved for a role',
  description:
    'In the sandbox its directory gives the details again; elsewhere signing asks for them until they are saved again.',
  http: { method: 'DELETE', path: '/prescriber' },
  input: z.object({ roleProfileId: roleId }),
  output: z.object({ roleProfileId: z.string(), cleared: z.boolean().describe('false when nothing was saved') }),
  needs: { scope: 'prescribe' },
  errors: ['bad-state'],
  run: async (input, ctx) => {
    const { roleProfileId, userId } = roleOf(ctx, input.roleProfileId);
    return { roleProfileId, cleared: ctx.services.prescribing.clearPrescriberSettings(roleProfileId, userId) };
  },
});

export const prescriberCommands = [prescriberGet, prescriberSet, prescriberClear];
