// EPS status code tables (eps.md §1.8, §1.10): the prescription's business status (Task
// businessStatus), the line item's status (MedicationDispense.type), the cancellation reasons and
// the cancel answer codes (Extension-DM-PrescriptionStatusHistory). Pure data, shared by the
// sandbox and the client.

export const PRESCRIPTION_STATUS_SYSTEM = 'https://fhir.nhs.uk/CodeSystem/EPS-task-business-status';
export const LINE_ITEM_STATUS_SYSTEM = 'https://fhir.nhs.uk/CodeSystem/medicationdispense-type';
export const CANCEL_REASON_SYSTEM = 'https://fhir.nhs.uk/CodeSystem/medicationrequest-status-reason';
export const STATUS_HISTORY_SYSTEM = 'https://fhir.nhs.uk/CodeSystem/medicationrequest-status-history';

/** Prescription status (EPS-task-business-status). */
export const PRESCRIPTION_STATUS = {
  '0001': 'To be Dispensed',
  '0002': 'With Dispenser',
  '0003': 'With Dispenser - Active',
  '0004': 'Expired',
  '0005': 'Cancelled',
  '0006': 'Dispensed',
  '0007': 'Not Dispensed',
} as const;
export type PrescriptionStatusCode = keyof typeof PRESCRIPTION_STATUS;

/** Line item status (medicationdispense-type). */
export const LINE_ITEM_STATUS = {
  '0001': 'Item fully dispensed',
  '0002': 'Item not dispensed',
  '0003': 'Item dispensed - partial',
  '0004': 'Item not dispensed owing',
  '0005': 'Item cancelled',
  '0006': 'Expired',
  '0007': 'Item to be dispensed',
  '0008': 'Item with dispenser',
} as const;
export type LineItemStatusCode = keyof typeof LINE_ITEM_STATUS;

/** Why a prescriber cancels (medicationrequest-status-reason). */
export const CANCEL_REASONS = {
  '0001': 'Prescribing Error',
  '0002': 'Clinical contra-indication',
  '0003': 'Change to medication treatment regime',
  '0004': 'Clinical grounds',
  '0005': "At the Patient's request",
  '0006': "At the Pharmacist's request",
  '0007': 'Notification of Death',
  '0008': 'Patient deducted - other reason',
  '0009': 'Patient deducted - registered with new practice',
} as const;
export type CancelReasonCode = keyof typeof CANCEL_REASONS;

/** What a cancellation achieved, per line item (medicationrequest-status-history). */
export const CANCEL_RESPONSES = {
  'R-0001': 'Prescription/item was cancelled',
  'R-0002': 'Prescription/item was not cancelled. With dispenser. Marked for cancellation',
  'R-0003': 'Prescription item was not cancelled. With dispenser active. Marked for cancellation',
  'R-0004': 'Prescription/item was not cancelled. Prescription has been dispensed',
  'R-0005': 'Prescription/item was not cancelled. Prescription has expired',
  'R-0006': 'Prescription/item had already been cancelled',
  'R-0007': 'Prescription/item cancellation requested by another prescriber',
  'R-0008': 'Prescription/item not found',
  'R-0009': 'Cancellation functionality disabled in Spine',
  'R-0010': 'Prescription/item was not cancelled. Prescription has been not dispensed',
  'R-5000': 'Unable to process message. Information missing or invalid',
  'R-5888': 'Invalid message',
} as const;
export type CancelResponseCode = keyof typeof CANCEL_RESPONSES;

export const isPrescriptionStatus = (c: unknown): c is PrescriptionStatusCode =>
  typeof c === 'string' && Object.hasOwn(PRESCRIPTION_STATUS, c);
export const isLineItemStatus = (c: unknown): c is LineItemStatusCode =>
  typeof c === 'string' && Object.hasOwn(LINE_ITEM_STATUS, c);
export const isCancelReason = (c: unknown): c is CancelReasonCode =>
  typeof c === 'string' && Object.hasOwn(CANCEL_REASONS, c);
