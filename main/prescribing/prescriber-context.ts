// Who is prescribing, with the details the signed author fragment holds: from the sandbox's
// directory (a Spine Directory Service stand-in) for the selected role.
import { ScripError } from '../errors';
import type { ServiceClient } from '../net/service-client';
import type { PrescriberContext } from './model';
import { NOT_ALLOWED_PRESCRIPTION_TYPES, PRESCRIPTION_TYPES } from '../../protocols/eps/validate';

type Registration = 'gmc' | 'nmc' | 'gphc' | 'hcpc' | 'gdc';
const EPS_REGISTRATIONS: ReadonlySet<string> = new Set(['gmc', 'nmc', 'gphc', 'hcpc']);
/** ODS role codes of NHS trusts and trust sites: their prescribers write outpatient community (10xx) prescriptions. */
const TRUST_ROLES: ReadonlySet<string> = new Set(['197', '198']);

/**
 * The NHSBSA prescription type for a role: the directory's own when it gives one, else the setting
 * (GP practice 01xx, NHS trust 10xx) and the profession (doctor x01, nurse independent x04, pharmacist
 * x08). Null when neither tells (an HCPC registration covers several professions with their own types).
 */
export function prescriptionTypeFor(
  given: string | undefined,
  registration: Registration | undefined,
  organisationTypeCode: string | undefined,
): string | null {
  if (given) return given;
  const profession = { gmc: '01', nmc: '04', gphc: '08' }[registration as 'gmc' | 'nmc' | 'gphc'];
  if (!profession) return null;
  return `${organisationTypeCode && TRUST_ROLES.has(organisationTypeCode) ? '10' : '01'}${profession}`;
}

interface DirectoryAnswer {
  user: {
    id: string;
    name: { prefix?: string; given: string[]; family: string };
    professionalCode: { system: Registration; value: string } | null;
    telecom: string;
  };
  role: { id: string; jobRoleCode: string; jobRoleName: string; prescriptionType?: string };
  organisation: PrescriberContext['organisation'] | null;
}

export async function prescriberFromDirectory(
  http: ServiceClient,
  baseUrl: string,
  auth: { token: string; roleProfileId: string },
): Promise<PrescriberContext> {
  const res = await http.send(
    `${baseUrl.replace(/\/$/, '')}/directory/PractitionerRole/${encodeURIComponent(auth.roleProfileId)}`,
    {
      headers: {
        authorization: `Bearer ${auth.token}`,
        accept: 'application/json',
        'x-request-id': crypto.randomUUID(),
      },
    },
  );
  if (res.status !== 200) {
    throw new ScripError(
      'service-error',
      `The directory did not give the prescriber's details for role ${auth.roleProfileId} (HTTP ${res.status}).`,
      undefined,
      'Enter your prescriber and organisation details in Settings → Prescriber details (or scrip prescriber set); saved details are used instead of the directory.',
    );
  }
  const d = JSON.parse(res.body.toString('utf8')) as DirectoryAnswer;
  if (!d.organisation) throw new ScripError('service-error', 'The directory has no organisation for this role.');
  // The type goes on every item and decides how the prescription is paid for (SCAL 1.4.4): one EPS
  // does not take is refused here, before anything is prepared or signed.
  const prescriptionType = prescriptionTypeFor(
    d.role.prescriptionType,
    d.user.professionalCode?.system,
    d.organisation.typeCode,
  );
  if (!prescriptionType)
    throw new ScripError(
      'forbidden',
      `The directory gives no prescription type for your role at ${d.organisation.name}, and your registration does not say which it is.`,
      { roleProfileId: d.role.id, missing: 'prescription-type' },
      'Enter your prescription type in Settings → Prescriber details (or scrip prescriber set).',
    );
  if (!PRESCRIPTION_TYPES[prescriptionType]) {
    const known = NOT_ALLOWED_PRESCRIPTION_TYPES[prescriptionType];
    throw new ScripError(
      'forbidden',
      `Your role's prescription type ${prescriptionType}${known ? ` (${known})` : ''} is not one EPS accepts, so this prescription cannot be sent electronically.`,
      { roleProfileId: d.role.id, prescriptionType },
      'Write it on the paper form for your setting, or ask your Registration Authority to correct the role.',
    );
  }
  if (!d.user.professionalCode || !EPS_REGISTRATIONS.has(d.user.professionalCode.system))
    throw new ScripError(
      'forbidden',
      'You have no professional registration on record, so you cannot prescribe.',
      undefined,
      'Ask your Registration Authority to add it.',
    );
  const jobRole = d.role.jobRoleCode.split(':').pop() ?? d.role.jobRoleCode;
  return {
    userId: d.user.id,
    roleProfileId: d.role.id,
    jobRoleCode: jobRole,
    jobRoleName: d.role.jobRoleName.match(/"([^"]*)"$/)?.[1] ?? d.role.jobRoleName,
    name: d.user.name,
    professionalCode: d.user.professionalCode as PrescriberContext['professionalCode'],
    telecom: d.user.telecom,
    prescriptionType,
    organisation: d.organisation,
  };
}
