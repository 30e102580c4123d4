// Who is prescribing, with the details the signed author fragment holds: from the sandbox's
// directory (a Spine Directory Service stand-in) for the selected role.
import { ScripError } from '../errors';
import type { ServiceClient } from '../net/service-client';
import type { PrescriberContext } from './model';

interface DirectoryAnswer {
  user: {
    id: string;
    name: { prefix?: string; given: string[]; family: string };
    professionalCode: { system: 'gmc' | 'nmc' | 'gphc' | 'hcpc'; value: string } | null;
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
  if (!d.user.professionalCode)
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
    professionalCode: d.user.professionalCode,
    telecom: d.user.telecom,
    prescriptionType: d.role.prescriptionType ?? '0101',
    organisation: d.organisation,
  };
}
