// "Prescribe again": prescription.copy makes a new draft from an earlier prescription (refused ones
// included) with new line IDs and the patient unconfirmed. Where the prescriber has just seen the
// patient's current record, the copy takes that record and is confirmed; otherwise it goes to the
// "Is this the right patient?" step.
import type { Transport } from '../transport';
import type { PatientSnapshot } from './rx-words';
import { padHref } from './nav';
import type { Href } from '../routes';

export type AgainMode = 'again' | 'reissue';

/**
 * `again` copies any prescription and lands on its items; `reissue` (prescription.reissue, a
 * signed repeat) lands on review, passcode focused: one action from the patient to signing.
 */
export async function prescribeAgain(
  transport: Transport,
  fromId: string,
  confirmed?: PatientSnapshot,
  mode: AgainMode = 'again',
): Promise<Href> {
  const copy = await transport.invoke(mode === 'reissue' ? 'prescription.reissue' : 'prescription.copy', {
    id: fromId,
  });
  if (!confirmed || copy.draft.patient?.nhsNumber !== confirmed.nhsNumber) return padHref(copy.id, 'confirm');
  await transport.invoke('prescription.update', {
    id: copy.id,
    draft: { ...copy.draft, patient: confirmed, patientConfirmed: true },
  });
  return padHref(copy.id, mode === 'reissue' ? 'review' : 'items');
}
