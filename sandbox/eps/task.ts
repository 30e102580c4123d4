// `POST /FHIR/R4/Task` (eps.md §1.12): the dispenser's return (status rejected: back to Spine,
// undispensed, "to be dispensed" again; items marked for cancellation are cancelled then) and
// withdraw (status in-progress, code abort: undo the latest dispense notification). Rules in
// protocols/eps/lifecycle.ts; this reads the Task, checks the caller, applies.
import { returnToSpine, withdraw } from '../../protocols/eps/lifecycle';
import { isProblem, readDispensingTask } from '../../protocols/eps/dispensing';
import { OPERATION_ACTIVITIES } from './route-activities';
import { json, type Route, type SandboxRequest, type SandboxResponse } from '../http/router';
import { isRefusal, type Caller, type SandboxContext } from '../http/context';
import { idempotency } from './idempotency';
import { LifecycleStore } from './lifecycle-store';
import { refusalResponse } from './dispense';
import { FHIR, epsError, isResponse, readBody } from './fhir';

export function taskRoutes(ctx: SandboxContext): Route[] {
  const store = new LifecycleStore(ctx.db, ctx.clock);
  const once = idempotency(ctx.db, 'Task');

  async function handle(req: SandboxRequest): Promise<SandboxResponse> {
    const caller = ctx.authorise(req, { activities: OPERATION_ACTIVITIES.Task });
    if (isRefusal(caller)) return caller;
    return once(req, caller.userId, () => apply(req, caller));
  }

  function apply(req: SandboxRequest, caller: Caller): SandboxResponse {
    const task = readBody(req, 'Task');
    if (isResponse(task)) return task;
    const t = readDispensingTask(task);
    if (isProblem(t))
      return epsError(400, t.code, t.message, t.expression, t.code === 'MISSING_VALUE' ? 'required' : 'value');
    const ods = caller.role?.orgCode ?? '';
    if (t.ownerOds && t.ownerOds !== ods)
      return epsError(
        403,
        'ACCESS_DENIED',
        `The owner ${t.ownerOds.slice(0, 10)} is not the organisation of the selected role (${ods}).`,
        'Task.owner.identifier.value',
        'forbidden',
      );
    const record = store.get(t.prescriptionId);
    if (!record)
      return epsError(
        404,
        'PRESCRIPTION_NOT_FOUND',
        `No prescription ${t.prescriptionId.slice(0, 30)} was found.`,
        'Task.groupIdentifier.value',
        'not-found',
      );
    if (record.nhsNumber !== t.nhsNumber)
      return epsError(
        400,
        'INVALID_VALUE',
        "The NHS number is not the prescription's patient.",
        'Task.for.identifier.value',
      );
    const next =
      t.kind === 'return' ? returnToSpine(record.state, ods) : withdraw(record.state, ods, t.dispenseNotificationId);
    if (!next.ok)
      return refusalResponse(
        next.refusal,
        ctx,
        t.kind === 'return' ? 'Task.groupIdentifier.value' : 'Task.focus.identifier.value',
      );
    const detail =
      t.kind === 'return' ? `return reason ${t.reason}` : `withdraw ${t.dispenseNotificationId} reason ${t.reason}`;
    if (
      !store.save(
        record.shortFormId,
        record.state,
        next.state,
        { userId: caller.userId, roleId: caller.roleId, ods },
        t.kind,
        detail,
      )
    ) {
      return epsError(
        409,
        'FAILURE_TO_PROCESS_MESSAGE',
        'The prescription changed while the Task was processed; send it again.',
        'Task',
        'conflict',
      );
    }
    return json(
      200,
      { resourceType: 'OperationOutcome', issue: [{ severity: 'information', code: 'informational' }] },
      FHIR,
    );
  }

  return [{ method: 'POST', path: '/FHIR/R4/Task', handle }];
}
