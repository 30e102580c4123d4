// Role lines of the broker's authvalidate answer:
//   <gpPARAM name="nhsjobrole0" id="887389426511" orgcode="B81012">STIRLING MEDICAL CENTRE (S KUMAR), "Admin & Clerical":"Admin":"Demographic Administrator"</gpPARAM>
import type { GpParam } from './gpobject';

interface GpRole {
  id: string;
  orgCode: string;
  orgName: string;
  jobRoleName: string;
}

export function rolesFromGp(params: readonly GpParam[]): GpRole[] {
  return params
    .filter((p) => /^nhsjobrole\d+$/.test(p.name))
    .map((p) => {
      const split = p.value.indexOf(', "');
      return {
        id: p.attrs.id ?? '',
        orgCode: p.attrs.orgcode ?? '',
        orgName: split >= 0 ? p.value.slice(0, split) : p.value,
        jobRoleName: split >= 0 ? p.value.slice(split + 2) : '',
      };
    })
    .filter((r) => /^\d+$/.test(r.id));
}

export function roleToGp(index: number, r: GpRole): { name: string; value: string; attrs: Record<string, string> } {
  return {
    name: `nhsjobrole${index}`,
    value: `${r.orgName}, ${r.jobRoleName}`,
    attrs: { id: r.id, orgcode: r.orgCode },
  };
}
