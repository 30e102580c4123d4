// RBAC activity codes and job roles in plain words (spine-identity.md §4.3).
const activities: Record<string, string> = {
  B0570: 'Perform pharmacy activities',
  B0572: 'Manage pharmacy activities',
  B0571: 'Pharmacy activities',
  B0068: 'Verify prescriptions',
  B0278: 'Prepare prescriptions',
  B0058: 'Nurse prescribers formulary prescribing',
  B0420: 'Independent prescribing',
  B0440: 'Prescribing',
  B0401: 'View patient medication',
  B0825: 'Amend patient demographics',
  B0100: 'Manage workgroups',
  B0090: 'Manage workgroup membership',
};

export function activityWords(code: string): string {
  return activities[code] ?? code;
}

/** '"Clinical":"Clinical Provision":"Nurse Access Role"' → 'Nurse Access Role (Clinical, Clinical Provision)'. */
export function jobRoleWords(name: string): string {
  const parts = [...name.matchAll(/"([^"]*)"/g)].map((m) => m[1]!);
  if (parts.length < 2) return name;
  return `${parts.at(-1)} (${parts.slice(0, -1).join(', ')})`;
}

/** Just the role: '"Clinical":"Clinical Provision":"Nurse Access Role"' → 'Nurse Access Role'. */
export function jobRoleTitle(name: string): string {
  const parts = [...name.matchAll(/"([^"]*)"/g)].map((m) => m[1]!);
  return parts.at(-1) ?? name;
}
