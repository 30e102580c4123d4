// Tells every surface that a prescription changed (the list, the detail page, the event stream).
import type { EventBus } from '../events';
import type { PrescriptionRecord } from './store';

export function prescriptionChanged(events: EventBus, r: PrescriptionRecord): PrescriptionRecord {
  events.emit('prescription.changed', {
    id: r.id,
    status: r.status,
    shortFormId: r.shortFormId,
    lastError: r.lastError,
  });
  return r;
}
