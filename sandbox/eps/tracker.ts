// The tracker: `GET /FHIR/R4/Task?focus:identifier=…|<shortId>` (or `identifier=`), or
// `?patient:identifier=…|<nhs>[&business-status=<code>]`, answered with protocols/eps/tracker.ts's
// searchset of Tasks (one per prescription, line item statuses included). Who may look: a role with
// a dispensing activity sees every prescription; a role with a prescribing activity only the
// prescriptions its user sent; other roles are refused (EPS's tracker needs a role with B0278 or
// B0570; the sandbox keeps the rule that simple). Others' prescriptions are
// simply not in the answer, so the answer does not reveal that they exist.
import { randomUUID } from 'node:crypto';
import {
  buildTrackerBundle,
  lineItemStatus,
  LINE_ITEM_NUMBER,
  prescriptionStatus,
  NHS_NUMBER,
  PRESCRIPTION_ORDER_NUMBER,
  ODS_CODE,
  type OrgRef,
  type TrackedPrescription,
} from '../../protocols/eps/tracker';
import { isPrescriptionStatus, PRESCRIPTION_STATUS_SYSTEM } from '../../protocols/eps/status-codes';
import { isValidShortFormId } from '../../protocols/ids/prescription-id';
import { isValidNhsNumber } from '../../protocols/ids/nhs-number';
import { DISPENSING_ACTIVITIES } from '../../protocols/spine/activities';
import { json, type Route, type SandboxRequest, type SandboxResponse } from '../http/router';
import { isRefusal, type SandboxContext } from '../http/context';
import { epsTimestamp } from '../../protocols/eps/fragments';
import { OPERATION_ACTIVITIES } from './route-activities';
import { LifecycleStore, type PrescriptionRecord } from './lifecycle-store';
import { FHIR, arr, epsError, identifierOf, obj, str, type Json } from './fhir';

const KNOWN = new Set(['focus:identifier', 'identifier', 'patient:identifier', 'business-status', '_format']);

/** `system|value` or a bare value; the system, when given, must be the expected one. */
function token(raw: string, system: string, name: string): string | SandboxResponse {
  const bar = raw.lastIndexOf('|');
  if (bar >= 0 && raw.slice(0, bar) !== '' && raw.slice(0, bar) !== system)
    return epsError(400, 'INVALID_VALUE', `${name} must use the system ${system}.`, name);
  const value = (bar >= 0 ? raw.slice(bar + 1) : raw).trim();
  if (!value) return epsError(400, 'MISSING_VALUE', `${name} has no value.`, name, 'required');
  return value;
}

export function trackerRoutes(ctx: SandboxContext): Route[] {
  const store = new LifecycleStore(ctx.db, ctx.clock);

  function org(ods: string | null | undefined, fallbackName?: string): OrgRef | null {
    if (!ods) return null;
    const name = ctx.directory.organisation(ods)?.name ?? fallbackName;
    return name ? { ods, name } : { ods };
  }

  function tracked(r: PrescriptionRecord): TrackedPrescription {
    const entries = arr(r.bundle.entry);
    const resources = entries.map((e) => obj(e.resource));
    const byRef = (ref: unknown): Json | undefined =>
      resources.find((x, i) => entries[i]!.fullUrl === ref || `${String(x.resourceType)}/${String(x.id)}` === ref);
    const mrs = resources.filter((x) => x.resourceType === 'MedicationRequest');
    const role = byRef(obj(mrs[0]?.requester).reference);
    const prescriberOrg = byRef(obj(role?.organization).reference);
    const meds = new Map(
      mrs.map((m) => {
        const c = arr(obj(m.medicationCodeableConcept).coding)[0];
        return [
          String(identifierOf(m, LINE_ITEM_NUMBER) ?? '').toLowerCase(),
          c && str(c.code) ? { code: String(c.code), display: str(c.display) ?? String(c.code) } : null,
        ] as const;
      }),
    );
    const lastDispensed = new Map<string, string>();
    for (const h of store.history(r.shortFormId))
      if (h.lineItemId && h.event.startsWith('dispense-notification') && (h.to === '0001' || h.to === '0003'))
        lastDispensed.set(h.lineItemId.toLowerCase(), h.at);
    return {
      shortFormId: r.shortFormId,
      longFormId: r.longFormId,
      nhsNumber: r.nhsNumber,
      authoredOn: str(mrs[0]?.authoredOn) ?? r.createdAt,
      lastModified: r.updatedAt,
      status: prescriptionStatus(r.state.status),
      prescriber: org(
        identifierOf(prescriberOrg, ODS_CODE) ?? ctx.directory.role(r.authorRoleId)?.role.orgCode,
        str(prescriberOrg?.name),
      ),
      owner: org(r.state.dispenser ?? r.nominatedOds),
      items: r.state.items.map((i) => {
        const when = i.status === '0001' || i.status === '0003' ? lastDispensed.get(i.id.toLowerCase()) : undefined;
        return {
          id: i.id,
          status: lineItemStatus(i.status),
          medication: meds.get(i.id.toLowerCase()) ?? null,
          ...(when ? { dateLastDispensed: when } : {}),
        };
      }),
    };
  }

  function handle(req: SandboxRequest): SandboxResponse {
    // As the Clinical Prescription Tracker: a role with a prescribing or dispensing activity.
    const caller = ctx.authorise(req, { activities: OPERATION_ACTIVITIES['Task?'] });
    if (isRefusal(caller)) return caller;
    for (const k of req.query.keys())
      if (!KNOWN.has(k))
        return epsError(400, 'INVALID_VALUE', `Unknown search parameter '${k.slice(0, 40)}'.`, k.slice(0, 40));
    const byId = req.query.get('focus:identifier') ?? req.query.get('identifier');
    const byPatient = req.query.get('patient:identifier');
    if (byId === null && byPatient === null)
      return epsError(
        400,
        'MISSING_VALUE',
        'Search by focus:identifier (prescription ID) or patient:identifier (NHS number).',
        'focus:identifier',
        'required',
      );
    if (byId !== null && byPatient !== null)
      return epsError(
        400,
        'INVALID_VALUE',
        'Search by prescription ID or by NHS number, not both.',
        'patient:identifier',
      );
    const dispenser = !!caller.role?.activities.some((a) => DISPENSING_ACTIVITIES.includes(a));
    let records: PrescriptionRecord[];
    if (byId !== null) {
      const name = req.query.has('focus:identifier') ? 'focus:identifier' : 'identifier';
      const id = token(byId, PRESCRIPTION_ORDER_NUMBER, name);
      if (typeof id !== 'string') return id;
      if (!isValidShortFormId(id.toUpperCase()))
        return epsError(400, 'INVALID_VALUE', `${id.slice(0, 30)} is not a valid short-form prescription ID.`, name);
      const r = store.get(id);
      records = r ? [r] : [];
    } else {
      const nhs = token(byPatient!, NHS_NUMBER, 'patient:identifier');
      if (typeof nhs !== 'string') return nhs;
      if (!isValidNhsNumber(nhs))
        return epsError(400, 'INVALID_VALUE', `${nhs.slice(0, 20)} is not a valid NHS number.`, 'patient:identifier');
      const rawStatus = req.query.get('business-status');
      let status;
      if (rawStatus !== null) {
        const s = token(rawStatus, PRESCRIPTION_STATUS_SYSTEM, 'business-status');
        if (typeof s !== 'string') return s;
        if (!isPrescriptionStatus(s))
          return epsError(
            400,
            'INVALID_VALUE',
            `'${s.slice(0, 10)}' is not a prescription status (0001–0007).`,
            'business-status',
          );
        status = s;
      }
      records = store.byNhsNumber(nhs, status);
    }
    const visible = dispenser ? records : records.filter((r) => r.authorUserId === caller.userId);
    return json(200, buildTrackerBundle(visible.map(tracked), randomUUID(), epsTimestamp(ctx.clock.now())), FHIR);
  }

  return [{ method: 'GET', path: '/FHIR/R4/Task', handle }];
}
