// `POST /FHIR/R4/Task/$release` (eps.md §1.9): a pharmacy downloads prescriptions. With a
// group-identifier it is a patient release of that one prescription; without, a nominated release
// of up to 25 prescriptions nominated to the owner's ODS code, oldest first. Every prescription's
// signature is verified again (as EPS's coordinator does on release); one that fails goes into
// failedPrescriptions with the reason and stays with Spine (EPS returns it, reason 0005). The
// others move to "with dispenser" (0002) and come back whole, signature included, in
// passedPrescriptions.
import { randomUUID } from 'node:crypto';
import { release } from '../../protocols/eps/lifecycle';
import { isProblem, readReleaseParameters } from '../../protocols/eps/dispensing';
import { findRequesterSignature, verifyPrescriptionSignature } from '../../protocols/eps/signature';
import { LINE_ITEM_STATUS, LINE_ITEM_STATUS_SYSTEM } from '../../protocols/eps/status-codes';
import { LINE_ITEM_NUMBER } from '../../protocols/eps/tracker';
import { isValidShortFormId } from '../../protocols/ids/prescription-id';
import { epsIssue } from '../../protocols/fhir/operation-outcome';
import { OPERATION_ACTIVITIES } from './route-activities';
import { json, type Route, type SandboxRequest, type SandboxResponse } from '../http/router';
import { isRefusal, type Caller, type SandboxContext } from '../http/context';
import { epsTimestamp } from '../../protocols/eps/fragments';
import { sandboxTrust } from './process-message';
import { idempotency } from './idempotency';
import { LifecycleStore, type PrescriptionRecord } from './lifecycle-store';
import { refusalResponse } from './dispense';
import { FHIR, arr, epsError, isResponse, obj, readBody, type Json } from './fhir';

const NOMINATED_RELEASE_LIMIT = 25;
const RFC4122 = 'https://tools.ietf.org/html/rfc4122';
const DISPENSING_INFORMATION = 'https://fhir.nhs.uk/StructureDefinition/Extension-EPS-DispensingInformation';

/** The prescription-order Bundle as released: each MedicationRequest says its item is with the dispenser. */
function asReleased(bundle: Json, itemStatus: (lineItemId: string) => keyof typeof LINE_ITEM_STATUS): Json {
  return {
    ...bundle,
    entry: arr(bundle.entry).map((e) => {
      const r = obj(e.resource);
      if (r.resourceType !== 'MedicationRequest') return e;
      const id = String(obj(arr(r.identifier).find((i) => i.system === LINE_ITEM_NUMBER)).value ?? '');
      const code = itemStatus(id);
      return {
        ...e,
        resource: {
          ...r,
          extension: [
            ...arr(r.extension).filter((x) => x.url !== DISPENSING_INFORMATION),
            {
              url: DISPENSING_INFORMATION,
              extension: [
                {
                  url: 'dispenseStatus',
                  valueCoding: { system: LINE_ITEM_STATUS_SYSTEM, code, display: LINE_ITEM_STATUS[code] },
                },
              ],
            },
          ],
        },
      };
    }),
  };
}

const searchset = (entries: Json[], at: string, self: string): Json => {
  const id = randomUUID();
  return {
    resourceType: 'Bundle',
    id,
    meta: { lastUpdated: at },
    identifier: { system: RFC4122, value: id },
    type: 'searchset',
    link: [{ relation: 'self', url: self }],
    total: entries.filter((e) => obj(e.resource).resourceType === 'Bundle').length,
    entry: entries,
  };
};

export function releaseRoutes(ctx: SandboxContext): Route[] {
  const store = new LifecycleStore(ctx.db, ctx.clock);
  const once = idempotency(ctx.db, 'Task/$release');
  const trust = sandboxTrust(ctx);

  async function verify(r: PrescriptionRecord): Promise<string[]> {
    const sig = findRequesterSignature(r.bundle);
    if (!sig) return ['Signature is missing.'];
    const result = await verifyPrescriptionSignature({
      signatureXml: sig.xml,
      bundle: r.bundle,
      signedAt: sig.when,
      trust,
    });
    return result.ok ? [] : result.errors;
  }

  async function handle(req: SandboxRequest): Promise<SandboxResponse> {
    const caller = ctx.authorise(req, { activities: OPERATION_ACTIVITIES['Task/$release'] });
    if (isRefusal(caller)) return caller;
    return once(req, caller.userId, () => releaseFor(req, caller));
  }

  async function releaseFor(req: SandboxRequest, caller: Caller): Promise<SandboxResponse> {
    const params = readBody(req, 'Parameters');
    if (isResponse(params)) return params;
    const r = readReleaseParameters(params);
    if (isProblem(r))
      return epsError(400, r.code, r.message, r.expression, r.code === 'MISSING_VALUE' ? 'required' : 'value');
    const ods = caller.role?.orgCode ?? '';
    if (r.ownerOds !== ods)
      return epsError(
        403,
        'ACCESS_DENIED',
        `The owner ${r.ownerOds.slice(0, 10)} is not the organisation of the selected role (${ods}).`,
        "Parameters.parameter.where(name = 'owner')",
        'forbidden',
      );
    if (r.agentRoleProfileId && r.agentRoleProfileId !== caller.roleId)
      return epsError(
        403,
        'ACCESS_DENIED',
        'The agent is not the selected role of this session.',
        "Parameters.parameter.where(name = 'agent')",
        'forbidden',
      );
    const who = { userId: caller.userId, roleId: caller.roleId, ods };

    let candidates: PrescriptionRecord[];
    if (r.prescriptionId) {
      if (!isValidShortFormId(r.prescriptionId))
        return epsError(
          400,
          'INVALID_VALUE',
          `${r.prescriptionId.slice(0, 30)} is not a valid prescription ID (check character).`,
          "Parameters.parameter.where(name = 'group-identifier')",
        );
      const record = store.get(r.prescriptionId);
      if (!record)
        return epsError(
          404,
          'PRESCRIPTION_NOT_FOUND',
          `No prescription ${r.prescriptionId} was found.`,
          "Parameters.parameter.where(name = 'group-identifier')",
          'not-found',
        );
      const allowed = release(record.state, ods);
      if (!allowed.ok)
        return refusalResponse(allowed.refusal, ctx, "Parameters.parameter.where(name = 'group-identifier')");
      candidates = [record];
    } else {
      candidates = store.awaitingNominated(ods, NOMINATED_RELEASE_LIMIT);
      if (!candidates.length)
        return json(
          200,
          {
            resourceType: 'OperationOutcome',
            issue: [
              epsIssue(
                'NO_MORE_PRESCRIPTIONS',
                `No more prescriptions are nominated to ${ods}.`,
                undefined,
                'informational',
                'information',
              ),
            ],
          },
          FHIR,
        );
    }

    // Verify first (async), then move each one on, re-checked against its current state.
    const checks = await Promise.all(candidates.map(verify));
    const passed: Json[] = [],
      failed: Json[] = [];
    const at = epsTimestamp(ctx.clock.now());
    candidates.forEach((c, k) => {
      const current = store.get(c.shortFormId);
      if (!current) return;
      const errors = checks[k]!;
      if (errors.length) {
        store.save(
          current.shortFormId,
          current.state,
          current.state,
          who,
          'release-refused',
          `signature: ${errors.join('; ')}; returned with reason 0005`,
        );
        const bundleUrl = `urn:uuid:${String(c.bundle.id ?? c.longFormId)}`;
        failed.push({
          fullUrl: `urn:uuid:${randomUUID()}`,
          resource: {
            resourceType: 'OperationOutcome',
            extension: [
              {
                url: 'https://fhir.nhs.uk/StructureDefinition/Extension-Spine-supportingInfo-prescription',
                valueReference: { reference: bundleUrl },
              },
            ],
            issue: errors.map((e) =>
              epsIssue('INVALID_VALUE', e.endsWith('.') ? e : `${e}.`, 'Provenance.signature.data'),
            ),
          },
        });
        failed.push({ fullUrl: bundleUrl, search: { mode: 'match' }, resource: c.bundle });
        return;
      }
      const moved = release(current.state, ods);
      if (
        !moved.ok ||
        !store.save(
          current.shortFormId,
          current.state,
          moved.state,
          who,
          'release',
          r.prescriptionId ? 'patient release' : 'nominated release',
        )
      )
        return;
      const items = new Map(moved.state.items.map((i) => [i.id.toLowerCase(), i.status]));
      passed.push({
        fullUrl: `urn:uuid:${String(c.bundle.id ?? c.longFormId)}`,
        search: { mode: 'match' },
        resource: asReleased(c.bundle, (id) => items.get(id.toLowerCase()) ?? '0008'),
      });
    });
    if (r.prescriptionId && !passed.length && !failed.length)
      return refusalResponse(
        { kind: 'wrong-status', status: store.get(r.prescriptionId)?.state.status ?? '0002', action: 'release' },
        ctx,
        "Parameters.parameter.where(name = 'group-identifier')",
      );
    const self = `${ctx.baseUrl()}/FHIR/R4/Task/$release`;
    return json(
      200,
      {
        resourceType: 'Parameters',
        id: randomUUID(),
        parameter: [
          { name: 'passedPrescriptions', resource: searchset(passed, at, self) },
          { name: 'failedPrescriptions', resource: searchset(failed, at, self) },
        ],
      },
      FHIR,
    );
  }

  return [{ method: 'POST', path: '/FHIR/R4/Task/$release', handle }];
}
