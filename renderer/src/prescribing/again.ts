// "Prescribe again": prescription.copy makes a new draft from an earlier prescription (refused ones
// included) with new line IDs and the patient unconfirmed. Where the prescriber has just seen the
// patient's current record, the copy takes that record and is confirmed; otherwise it goes to the
// "Is this the right patient?" step.
import type { Transport } from '../transport';
import type { DraftContent, PatientSnapshot } from './rx-words';
import { padHref } from './nav';

export async function prescribeAgain(transport: Transport, fromId: string, confirmed?: PatientSnapshot): Promise<string> {
  const copy = await transport.invoke<{ id: string; draft: DraftContent }>('prescription.copy', { id: fromId });
  if (!confirmed || copy.draft.patient?.nhsNumber !== confirmed.nhsNumber) return padHref(copy.id, 'confirm');
  await transport.invoke('prescription.update', { id: copy.id, draft: { ...copy.draft, patient: confirmed, patientConfirmed: true } });
  return padHref(copy.id, 'items');
}
