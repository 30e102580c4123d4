// The HL7 v3 CancellationRequest a prescription-order-update Bundle translates to (eps.md §1.8):
// the patient, who cancels and who was responsible, the short-form ID, the line item, the reason
// and the original prescription's long-form ID. Pure.
import { el, type XmlElement } from '../xml/canonical';
import { FragmentError, arr, hl7Time, identifier, obj, recordTarget, str, type Json } from '../eps/fragments';
import { cancelAuthor, cancelResponsibleParty } from './agent-person';
import { withoutNamespace } from './message';
import { longFormId, medicationRequests, messageId, patientOf, shortFormId } from './parent-prescription';

const OBS = '2.16.840.1.113883.2.1.3.2.4.17.30';
const STATUS_REASON = 'https://fhir.nhs.uk/CodeSystem/medicationrequest-status-reason';

/** The CancellationRequest element; `now` is its effectiveTime, as EPS stamps it. */
export function cancellationRequest(bundle: Json, now: Date): XmlElement {
  const mrs = medicationRequests(bundle);
  if (mrs.length !== 1)
    throw new FragmentError('A cancellation must hold exactly one MedicationRequest.', 'Bundle.entry');
  const mr = mrs[0]!;
  const lineId = identifier(mr, 'https://fhir.nhs.uk/Id/prescription-order-item-number');
  if (!lineId)
    throw new FragmentError(
      'The MedicationRequest has no prescription-order-item-number.',
      'MedicationRequest.identifier',
    );
  const reason = arr(obj(mr.statusReason).coding).find((c) => c.system === STATUS_REASON);
  const reasonCode = str(reason?.code);
  if (!reasonCode)
    throw new FragmentError(`The cancellation has no reason from ${STATUS_REASON}.`, 'MedicationRequest.statusReason');
  const reasonText = str(reason?.display);
  return el(
    'CancellationRequest',
    { classCode: 'INFO', moodCode: 'EVN' },
    el('id', { root: messageId(bundle) }),
    el('effectiveTime', { value: hl7Time(now.toISOString()) }),
    withoutNamespace(recordTarget(patientOf(bundle, mr))),
    el('author', { typeCode: 'AUT' }, cancelAuthor(bundle, mr)),
    el('responsibleParty', { typeCode: 'RESP' }, cancelResponsibleParty(bundle, mr)),
    el(
      'pertinentInformation2',
      { contextConductionInd: 'true', typeCode: 'PERT' },
      el('seperatableInd', { value: 'false' }),
      el(
        'pertinentPrescriptionID',
        { classCode: 'OBS', moodCode: 'EVN' },
        el('code', { code: 'PID', codeSystem: OBS }),
        el('value', { extension: shortFormId(mr), root: '2.16.840.1.113883.2.1.3.2.4.18.8' }),
      ),
    ),
    el(
      'pertinentInformation1',
      { inversionInd: 'false', negationInd: 'false', typeCode: 'PERT' },
      el('seperatableInd', { value: 'true' }),
      el('pertinentLineItemRef', { classCode: 'SBADM', moodCode: 'RQO' }, el('id', { root: lineId.toUpperCase() })),
    ),
    el(
      'pertinentInformation',
      { contextConductionInd: 'true', typeCode: 'PERT' },
      el('seperatableInd', { value: 'false' }),
      el(
        'pertinentCancellationReason',
        { classCode: 'OBS', moodCode: 'EVN' },
        el('code', { code: 'CR', codeSystem: OBS }),
        reasonText ? el('text', {}, reasonText) : null,
        el('value', { code: reasonCode, codeSystem: '2.16.840.1.113883.2.1.3.2.4.16.27' }),
      ),
    ),
    el(
      'pertinentInformation3',
      { contextConductionInd: 'false', typeCode: 'PERT' },
      el('seperatableInd', { value: 'true' }),
      el(
        'pertinentOriginalPrescriptionRef',
        { classCode: 'SBADM', moodCode: 'RQO' },
        el('id', { root: longFormId(mr) }),
      ),
    ),
  );
}
