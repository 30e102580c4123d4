// Which scope a caller needs to receive each event on /events: the scope of the commands that read
// the same facts, so the stream tells a key nothing its commands would not (a dispense-only key sees
// dispensing, not prescriptions or sessions). A new event fails typecheck until it is placed here.
import type { EventName } from '../event-types';
import type { Caller } from '../commands/registry';
import type { Scope } from './scopes';

export const eventScopes: Record<EventName, Scope> = {
  'reader.changed': 'read',
  'session.changed': 'read',
  'session.ended': 'read',
  'session.expiring': 'read',
  'session.prompt': 'read',
  'session.ticket': 'read', // as session.handouts
  'session.ticket-asked': 'read',
  'environments.changed': 'read',
  'medicines.import': 'read',
  'prescription.changed': 'read', // as prescription.get|list
  'dispensing.changed': 'dispense',
  'assurance.progress': 'admin', // as assure.run
};

export function eventVisibleTo(type: EventName, caller: Pick<Caller, 'scopes'>): boolean {
  return caller.scopes.has('admin') || caller.scopes.has(eventScopes[type]);
}
