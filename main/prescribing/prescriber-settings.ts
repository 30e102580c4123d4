// Prescriber and organisation details kept by the user, per role profile, for environments with no
// directory Scrip can ask (outside the sandbox). They are what the signed author fragment holds, so
// they are checked as strictly as EPS would before they are saved.
import { z } from 'zod';
import { migrate, type Db } from '../store/database';
import { PRESCRIPTION_TYPES } from '../../protocols/eps/validate';
import type { PrescriberContext } from './model';

const phone = z
  .string()
  .trim()
  .regex(/^\+?[0-9][0-9 ()-]{5,30}$/, 'A telephone number is digits, spaces and brackets, e.g. 0113 496 0000.');
const ods = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z0-9]{3,8}$/, 'An ODS code is 3 to 8 letters and digits, e.g. A83008.');
const postcode = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$/, 'Enter a UK postcode, e.g. LS1 6AE.');
const line = z.string().trim().min(1).max(35, 'An address line is at most 35 characters.');

/** Registration number formats by regulator (GMC 7 digits, NMC 2 digits+letter+4 digits+letter, GPhC 7 digits, HCPC 2 letters+digits). */
const codeFormats = {
  gmc: { re: /^C?\d{7}$/, hint: 'A GMC number is 7 digits.' },
  nmc: { re: /^\d{2}[A-Z]\d{4}[A-Z]$/, hint: 'An NMC PIN looks like 12A3456B.' },
  gphc: { re: /^\d{7}$/, hint: 'A GPhC number is 7 digits.' },
  hcpc: { re: /^[A-Z]{2}\d{4,8}$/, hint: 'An HCPC number is 2 letters and digits, e.g. PA123456.' },
} as const;

export const prescriberSettings = z
  .object({
    professionalCode: z
      .object({ system: z.enum(['gmc', 'nmc', 'gphc', 'hcpc']), value: z.string().trim().toUpperCase() })
      .superRefine((v, ctx) => {
        const f = codeFormats[v.system];
        if (!f.re.test(v.value)) ctx.addIssue({ code: 'custom', message: f.hint, path: ['value'] });
      })
      .describe('Your professional registration'),
    prescriptionType: z
      .string()
      .refine(
        (v) => !!PRESCRIPTION_TYPES[v],
        'Not an EPS prescription type (e.g. 0101 for a primary care medical prescriber).',
      )
      .default('0101')
      .describe('EPS prescription type code (0101 primary care medical prescriber, 0104 nurse, 0108 pharmacist …)'),
    telecom: phone.describe('Your work telephone number'),
    name: z
      .object({
        prefix: z.string().trim().max(35).optional(),
        given: z.array(z.string().trim().min(1).max(35)).max(5).default([]),
        family: z.string().trim().min(1).max(35),
      })
      .optional()
      .describe('Your name as printed on prescriptions (default: the name on your card)'),
    jobRoleCode: z
      .string()
      .trim()
      .regex(/^(S\d{4}:G\d{4}:)?R\d{4}$/, 'A job role code looks like R8000.')
      .optional()
      .describe('SDS job role code (default: from your role)'),
    organisation: z.object({
      odsCode: ods.optional().describe("Default: your role's organisation"),
      name: z.string().trim().min(1).max(100),
      typeCode: z
        .string()
        .trim()
        .regex(/^\d{1,4}$/, 'An organisation role code is a number, e.g. 76 for a GP practice.')
        .default('76'),
      typeDisplay: z.string().trim().min(1).max(100).default('GP PRACTICE'),
      telecom: phone,
      addressLines: z.array(line).min(1, 'Enter at least one address line.').max(5),
      city: z.string().trim().max(35).optional(),
      district: z.string().trim().max(35).optional(),
      postcode,
      partOf: z.object({ odsCode: ods, name: z.string().trim().min(1).max(100) }).optional(),
    }),
  })
  .refine((v) => !(String(v.prescriptionType ?? '0101').startsWith('01') && !v.organisation?.partOf), {
    // EPS refuses a primary care (01xx) prescription whose organisation has no parent (validate.ts).
    // `when`: said together with the other problems, not in a second round.
    path: ['organisation', 'partOf'],
    message:
      'Primary care prescriptions need the organisation your practice belongs to (e.g. its ICB): its ODS code and name.',
    when: (p) => typeof p.value === 'object' && p.value !== null,
  });
export type PrescriberSettings = z.infer<typeof prescriberSettings>;

export class PrescriberSettingsStore {
  readonly #db: Db;
  constructor(db: Db) {
    this.#db = db;
    migrate(db, [
      {
        id: 'prescriber-settings-1',
        sql: 'CREATE TABLE prescriber_settings (role_profile_id TEXT PRIMARY KEY, user_id TEXT, value TEXT NOT NULL, updated_at TEXT NOT NULL)',
      },
    ]);
  }

  get(roleProfileId: string): PrescriberSettings | null {
    const v = this.#db
      .prepare('SELECT value FROM prescriber_settings WHERE role_profile_id = ?')
      .pluck()
      .get(roleProfileId) as string | undefined;
    return v ? prescriberSettings.parse(JSON.parse(v)) : null;
  }

  /** Validates and saves; throws the zod error for the caller to explain. */
  set(roleProfileId: string, userId: string | null, value: unknown): PrescriberSettings {
    const parsed = prescriberSettings.parse(value);
    this.#db
      .prepare(
        'INSERT INTO prescriber_settings (role_profile_id, user_id, value, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT(role_profile_id) DO UPDATE SET user_id = excluded.user_id, value = excluded.value, updated_at = excluded.updated_at',
      )
      .run(roleProfileId, userId, JSON.stringify(parsed), new Date().toISOString());
    return parsed;
  }

  delete(roleProfileId: string): boolean {
    return this.#db.prepare('DELETE FROM prescriber_settings WHERE role_profile_id = ?').run(roleProfileId).changes > 0;
  }
}

/** The session's role plus the saved settings → what the Bundle's author resources hold. */
export function contextFromSettings(
  s: PrescriberSettings,
  session: {
    userId: string;
    userName: string | null;
    role: { id: string; orgCode: string; jobRoleName: string; jobRoleCode: string | null };
  },
): PrescriberContext {
  const name = s.name ?? nameFromCard(session.userName);
  const jobRole = s.jobRoleCode ?? session.role.jobRoleCode ?? 'R8000';
  return {
    userId: session.userId,
    roleProfileId: session.role.id,
    jobRoleCode: jobRole.split(':').pop() ?? jobRole,
    jobRoleName: session.role.jobRoleName.match(/"([^"]*)"$/)?.[1] ?? session.role.jobRoleName,
    name,
    professionalCode: s.professionalCode,
    telecom: s.telecom,
    prescriptionType: s.prescriptionType,
    organisation: {
      odsCode: s.organisation.odsCode ?? session.role.orgCode,
      name: s.organisation.name,
      typeCode: s.organisation.typeCode,
      typeDisplay: s.organisation.typeDisplay,
      telecom: s.organisation.telecom,
      addressLines: s.organisation.addressLines,
      postcode: s.organisation.postcode,
      ...(s.organisation.city ? { city: s.organisation.city } : {}),
      ...(s.organisation.district ? { district: s.organisation.district } : {}),
      ...(s.organisation.partOf ? { partOf: s.organisation.partOf } : {}),
    },
  };
}

/** "DR CLARE BOIN" → prefix DR, given CLARE, family BOIN (the card's display name). */
function nameFromCard(display: string | null): PrescriberContext['name'] {
  const words = (display ?? '').trim().split(/\s+/).filter(Boolean);
  const prefixes = new Set(['DR', 'MR', 'MRS', 'MS', 'MISS', 'PROF', 'MX']);
  const prefix = words.length > 1 && prefixes.has(words[0]!.toUpperCase().replace('.', '')) ? words.shift() : undefined;
  const family = words.pop() ?? 'UNKNOWN';
  return { ...(prefix ? { prefix } : {}), given: words, family };
}
