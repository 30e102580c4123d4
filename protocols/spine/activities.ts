// RBAC activity (business function) codes that gate EPS work (spine-identity.md §4.3): B0278 Perform
// Prescription Preparation and its children B0420 Independent Prescribing, B0058 Nurse Prescribers
// Formulary, B0440; B0570 Perform Pharmacy Activities and its children B0571, B0572. One list, used
// by the sandbox's checks and by the client alike.
export const PRESCRIBING_ACTIVITIES: readonly string[] = ['B0278', 'B0420', 'B0058', 'B0440'];
export const DISPENSING_ACTIVITIES: readonly string[] = ['B0570', 'B0572', 'B0571'];

export const canPrescribe = (activities: readonly string[]): boolean =>
  activities.some((a) => PRESCRIBING_ACTIVITIES.includes(a));
export const canDispense = (activities: readonly string[]): boolean =>
  activities.some((a) => DISPENSING_ACTIVITIES.includes(a));

/** The kinds of work a command can require of the selected role, each with the codes that grant it. */
export const ACTIVITY_NEEDS = {
  prescribing: {
    codes: PRESCRIBING_ACTIVITIES,
    named: 'B0278 Perform Prescription Preparation (or B0420, B0058, B0440)',
  },
  dispensing: { codes: DISPENSING_ACTIVITIES, named: 'B0570 Perform Pharmacy Activities (or B0572, B0571)' },
} as const;
export type ActivityNeed = keyof typeof ACTIVITY_NEEDS;
