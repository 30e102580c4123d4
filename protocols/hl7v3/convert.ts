// FHIR message Bundle → the HL7 v3 message EPS sends to Spine for it, as EPS's `$convert` answers:
// prescription-order → PORX_IN020101SM31 (ParentPrescription), prescription-order-update →
// PORX_IN030101SM32 (CancellationRequest). Pure; a Bundle that cannot be mapped is a FragmentError
// naming the field.
import { FragmentError, arr, obj, resources, str, type Json } from '../eps/fragments';
import { cancellationRequest } from './cancellation-request';
import { INTERACTIONS, sendMessagePayload, toXml, type MessageContext } from './message';
import { messageId, parentPrescription } from './parent-prescription';

export { FragmentError as ConvertError } from '../eps/fragments';

interface Converted {
  interactionId: string;
  xml: string;
}

const CONVERTIBLE_EVENTS = ['prescription-order', 'prescription-order-update'] as const;

/** The MessageHeader's event code, or undefined. */
export function eventCode(bundle: Json): string | undefined {
  return str(obj(resources(bundle).find((r) => r.resourceType === 'MessageHeader')?.eventCoding).code);
}

export function convertBundle(bundle: Json, ctx: MessageContext): Converted {
  if (bundle.resourceType !== 'Bundle' || bundle.type !== 'message' || !arr(bundle.entry).length)
    throw new FragmentError('Expected a Bundle of type message with entries.', 'Bundle.type');
  const event = eventCode(bundle);
  const id = messageId(bundle);
  switch (event) {
    case 'prescription-order':
      return {
        interactionId: INTERACTIONS.parentPrescription,
        xml: toXml(sendMessagePayload(INTERACTIONS.parentPrescription, id, ctx, parentPrescription(bundle, ctx.now))),
      };
    case 'prescription-order-update':
      return {
        interactionId: INTERACTIONS.cancelRequest,
        xml: toXml(sendMessagePayload(INTERACTIONS.cancelRequest, id, ctx, cancellationRequest(bundle, ctx.now))),
      };
    default:
      throw new FragmentError(
        `MessageHeader.eventCoding.code must be one of ${CONVERTIBLE_EVENTS.join(', ')}.`,
        'MessageHeader.eventCoding.code',
      );
  }
}
