// Dispense notification (`$process-message`, event dispense-notification; eps.md §1.10): the
// pharmacy holding a released prescription records, per line item, what it handed over. An amend
// (MessageHeader Extension-replacementOf) replaces the latest notification. The state change is
// decided by protocols/eps/lifecycle.ts; this only reads the message, checks who sends it, applies.
import { dispense, withdraw, type Refusal } from '../../protocols/eps/lifecycle';
import { isProblem, readDispenseNotification } from '../../protocols/eps/dispensing';
import { OPERATION_ACTIVITIES } from './route-activities';
import { PRESCRIPTION_STATUS } from '../../protocols/eps/status-codes';
import { json, type SandboxRequest, type SandboxResponse } from '../http/router';
import { isRefusal, type Caller, type SandboxContext } from '../http/context';
import { FHIR, epsError, withActivities, type Json } from './fhir';
import type { LifecycleStore } from './lifecycle-store';

/** A lifecycle refusal as EPS's OperationOutcome. */
export function refusalResponse(r: Refusal, ctx: SandboxContext, expression: string): SandboxResponse {
  switch (r.kind) {
    case 'with-another-dispenser': {
      const org = ctx.directory.organisation(r.dispenser);
      return epsError(
        400,
        'PRESCRIPTION_WITH_ANOTHER_DISPENSER',
        org ? `${org.odsCode} - ${org.name} - ${org.telecom}` : r.dispenser,
        expression,
        'business-rule',
      );
    }
    case 'not-with-this-dispenser':
      return epsError(
        400,
        'PRESCRIPTION_WITH_ANOTHER_DISPENSER',
        'The prescription is not with this dispenser.',
        expression,
        'business-rule',
      );
    case 'wrong-status':
      return epsError(
        400,
        'FAILURE_TO_PROCESS_MESSAGE',
        `The prescription is '${PRESCRIPTION_STATUS[r.status]}' (${r.status}); it cannot be used for ${r.action}.`,
        expression,
        'business-rule',
      );
    case 'unknown-line-item':
      return epsError(400, 'INVALID_VALUE', `The prescription has no line item ${r.id.slice(0, 40)}.`, expression);
    case 'line-item-closed':
      return epsError(
        400,
        'INVALID_VALUE',
        `Line item ${r.id} is closed (status ${r.status}).`,
        expression,
        'business-rule',
      );
    case 'bad-line-item-status':
      return epsError(
        400,
        'INVALID_VALUE',
        `'${r.status.slice(0, 10)}' is not a status a dispense notification may give line item ${r.id.slice(0, 40)} (0001, 0002, 0003 or 0004).`,
        expression,
      );
    case 'not-latest-dispense':
      return epsError(
        400,
        'INVALID_VALUE',
        r.latest
          ? `Only the latest dispense notification (${r.latest}) may be withdrawn or amended.`
          : 'There is no dispense notification to withdraw or amend.',
        expression,
        'business-rule',
      );
  }
}

export function dispenseNotificationHandler(ctx: SandboxContext, store: LifecycleStore) {
  return (req: SandboxRequest, bundle: Json, session: Caller): SandboxResponse => {
    const caller = withActivities(ctx, req, OPERATION_ACTIVITIES['dispense-notification']);
    if (isRefusal(caller)) return caller;
    const dn = readDispenseNotification(bundle);
    if (isProblem(dn))
      return epsError(400, dn.code, dn.message, dn.expression, dn.code === 'MISSING_VALUE' ? 'required' : 'value');
    const ods = caller.role?.orgCode ?? '';
    if (dn.senderOds !== ods)
      return epsError(
        403,
        'ACCESS_DENIED',
        `The sender ${dn.senderOds.slice(0, 10)} is not the organisation of the selected role (${ods}).`,
        'MessageHeader.sender.identifier.value',
        'forbidden',
      );
    const record = store.get(dn.prescriptionId);
    if (!record)
      return epsError(
        404,
        'PRESCRIPTION_NOT_FOUND',
        `No prescription ${dn.prescriptionId.slice(0, 30)} was found.`,
        'MedicationDispense.authorizingPrescription.groupIdentifier.value',
        'not-found',
      );
    if (record.nhsNumber !== dn.nhsNumber)
      return epsError(
        400,
        'INVALID_VALUE',
        "The NHS number is not the prescription's patient.",
        'MedicationDispense.subject.identifier.value',
      );
    let state = record.state;
    if (dn.replacementOf) {
      const undone = withdraw(state, ods, dn.replacementOf);
      if (!undone.ok) return refusalResponse(undone.refusal, ctx, 'MessageHeader.extension(replacementOf)');
      state = undone.state;
    }
    const next = dispense(
      state,
      ods,
      dn.notificationId,
      dn.lines.map((l) => ({ id: l.lineItemId, status: l.status })),
    );
    if (!next.ok) return refusalResponse(next.refusal, ctx, 'MedicationDispense');
    const saved = store.save(
      record.shortFormId,
      record.state,
      next.state,
      { userId: session.userId, roleId: caller.roleId, ods },
      dn.replacementOf ? 'dispense-notification-amend' : 'dispense-notification',
      dn.notificationId,
    );
    if (!saved)
      return epsError(
        409,
        'FAILURE_TO_PROCESS_MESSAGE',
        'The prescription changed while the notification was processed; send it again.',
        'MedicationDispense',
        'conflict',
      );
    return json(
      200,
      { resourceType: 'OperationOutcome', issue: [{ severity: 'information', code: 'informational' }] },
      FHIR,
    );
  };
}
