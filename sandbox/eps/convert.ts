// EPS-style `$convert` (eps.md §1.3; EPS's debug route): the HL7 v3 message a FHIR Bundle translates
// to, as EPS would send it to Spine — prescription-order → PORX_IN020101SM31 (ParentPrescription),
// prescription-order-update → PORX_IN030101SM32 (CancellationRequest). Like EPS, the session's role
// profile and user fill the ControlActEvent, the caller's NHSD-ASID is the sender, and the answer is
// application/xml; a Bundle that cannot be translated gets an OperationOutcome naming the field.
import { convertBundle, ConvertError, eventCode } from '../../protocols/hl7v3/convert';
import { validatePrescriptionOrder } from '../../protocols/eps/validate';
import { withoutProvenance } from '../../protocols/eps/signature';
import { operationOutcome as outcome } from '../../protocols/fhir/operation-outcome';
import { json, type Route } from '../http/router';
import { isRefusal, type SandboxContext } from '../http/context';
import { operationOutcome } from '../pds/pds';
import { eventActivities } from './route-activities';

const FHIR = 'application/fhir+json';
// The ASIDs NHS England's own $convert examples carry: the sandbox answers like them by default.
export const SANDBOX_SPINE_ASID = '567456789789';
export const SANDBOX_CLIENT_ASID = '200000001285';

export function convertRoutes(ctx: SandboxContext): Route[] {
  return [
    {
      method: 'POST',
      path: '/FHIR/R4/$convert',
      handle: (req) => {
        const caller = ctx.authorise(req);
        if (isRefusal(caller)) return caller;
        let bundle: unknown;
        try {
          bundle = JSON.parse(req.body.toString('utf8'));
        } catch {
          return operationOutcome(400, 'invalid', 'INVALID_VALUE', 'The body is not JSON.');
        }
        if (
          !bundle ||
          typeof bundle !== 'object' ||
          Array.isArray(bundle) ||
          (bundle as { resourceType?: unknown }).resourceType !== 'Bundle'
        ) {
          return operationOutcome(
            400,
            'invalid',
            'INVALID_VALUE',
            'Message not supported by $convert endpoint: expected a FHIR Bundle.',
            'Bundle',
          );
        }
        const b = bundle as Record<string, unknown>;
        // The role must be one that may send this message ($process-message's own check).
        const needs = b.type === 'message' ? eventActivities(eventCode(b)) : undefined;
        if (needs) {
          const allowed = ctx.authorise(req, { activities: needs });
          if (isRefusal(allowed)) return allowed;
        }
        if (b.type === 'message' && eventCode(b) === 'prescription-order') {
          const issues = validatePrescriptionOrder(withoutProvenance(b));
          if (issues.length) return json(400, outcome(issues), FHIR);
        }
        const asid = req.headers['nhsd-asid'];
        try {
          const { xml } = convertBundle(b, {
            now: ctx.clock.now(),
            senderAsid: typeof asid === 'string' && /^\d{1,12}$/.test(asid) ? asid : SANDBOX_CLIENT_ASID,
            receiverAsid: SANDBOX_SPINE_ASID,
            userId: caller.userId,
            roleProfileId: caller.roleId ?? undefined,
          });
          return { status: 200, headers: { 'content-type': 'application/xml' }, body: xml };
        } catch (e) {
          if (e instanceof ConvertError)
            return operationOutcome(400, 'value', 'INVALID_VALUE', e.message, e.expression);
          throw e;
        }
      },
    },
  ];
}
