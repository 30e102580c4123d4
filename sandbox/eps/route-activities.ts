// Which RBAC activities each EPS operation needs of the selected role (spine-identity.md §4.3;
// eps.md): one table for every route, so `$prepare` and `$convert` ask what `$process-message`
// asks of the same message. Message events ($process-message, $convert) and routes share it.
import { DISPENSING_ACTIVITIES, PRESCRIBING_ACTIVITIES } from '../../protocols/spine/activities';

export const OPERATION_ACTIVITIES = {
  /** Preparing a prescription for signing is prescribing. */
  $prepare: PRESCRIBING_ACTIVITIES,
  'prescription-order': PRESCRIBING_ACTIVITIES,
  'prescription-order-update': PRESCRIBING_ACTIVITIES,
  'dispense-notification': DISPENSING_ACTIVITIES,
  'Task/$release': DISPENSING_ACTIVITIES,
  /** Return and withdraw. */
  Task: DISPENSING_ACTIVITIES,
  /** The tracker: either side may look. */
  'Task?': [...PRESCRIBING_ACTIVITIES, ...DISPENSING_ACTIVITIES],
} as const satisfies Record<string, readonly string[]>;

/** The activities a message event needs, or undefined for an event EPS does not take. */
export function eventActivities(event: unknown): readonly string[] | undefined {
  return event === 'prescription-order' || event === 'prescription-order-update' || event === 'dispense-notification'
    ? OPERATION_ACTIVITIES[event]
    : undefined;
}
