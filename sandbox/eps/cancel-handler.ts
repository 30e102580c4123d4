// Cancel (`$process-message`, event prescription-order-update; eps.md §1.8): one MedicationRequest
// (a line item) with status cancelled and a reason from medicationrequest-status-reason, checked
// against the stored prescription, decided by protocols/eps/lifecycle.ts `cancelItem`, answered the
// way EPS translates Spine's CancellationResponse (protocols/eps/cancel.ts says which HTTP status).
// Who may cancel: the prescriber who sent it, or a colleague at the same organisation whose role
// has a prescribing activity (EPS lets another prescriber at the practice cancel; the sandbox keeps
// that rule simple). Cancel requests are not signed.
import { randomUUID } from 'node:crypto';
import { cancelItem } from '../../protocols/eps/lifecycle';
import { cancelledMedicationStatus, STATUS_HISTORY_EXTENSION } from '../../protocols/eps/cancel';
import {
  CANCEL_REASON_SYSTEM,
  CANCEL_RESPONSES,
  STATUS_HISTORY_SYSTEM,
  isCancelReason,
  type CancelResponseCode,
} from '../../protocols/eps/status-codes';
import { isValidShortFormId } from '../../protocols/ids/prescription-id';
import { OPERATION_ACTIVITIES } from './route-activities';
import { LINE_ITEM_NUMBER, NHS_NUMBER, ODS_CODE, PRESCRIPTION_ORDER_NUMBER } from '../../protocols/eps/tracker';
import { json, type SandboxRequest, type SandboxResponse } from '../http/router';
import { isRefusal, type Caller, type SandboxContext } from '../http/context';
import { epsTimestamp } from '../../protocols/eps/fragments';
import { FHIR, arr, epsError, identifierOf, obj, str, withActivities, type Json } from './fhir';
import type { LifecycleStore } from './lifecycle-store';

const RFC4122 = 'https://tools.ietf.org/html/rfc4122';

function statusHistoryOutcome(code: CancelResponseCode, issueType: string, detail?: string): SandboxResponse {
  const display = detail ? `${CANCEL_RESPONSES[code]} - ${detail}` : CANCEL_RESPONSES[code];
  return json(
    400,
    {
      resourceType: 'OperationOutcome',
      issue: [
        {
          severity: 'error',
          code: issueType,
          details: { coding: [{ system: STATUS_HISTORY_SYSTEM, code, display }] },
          diagnostics: display,
        },
      ],
    },
    FHIR,
  );
}

export function cancelHandler(ctx: SandboxContext, store: LifecycleStore) {
  return (req: SandboxRequest, bundle: Json, session: Caller): SandboxResponse => {
    const caller = withActivities(ctx, req, OPERATION_ACTIVITIES['prescription-order-update']);
    if (isRefusal(caller)) return caller;
    const entries = arr(bundle.entry);
    const resources = entries.map((e) => obj(e.resource));
    const header = resources.find((r) => r.resourceType === 'MessageHeader')!;
    const mrs = entries.filter((e) => obj(e.resource).resourceType === 'MedicationRequest');
    if (mrs.length !== 1)
      return epsError(
        400,
        'INVALID_VALUE',
        `A prescription-order-update Bundle must contain exactly one MedicationRequest, not ${mrs.length}.`,
        'Bundle.entry.resource.ofType(MedicationRequest)',
      );
    const mrEntry = mrs[0]!;
    const mr = obj(mrEntry.resource);
    if (mr.status !== 'cancelled')
      return epsError(
        400,
        'INVALID_VALUE',
        `MedicationRequest.status must be 'cancelled', not '${String(mr.status).slice(0, 30)}'.`,
        'MedicationRequest.status',
      );
    const reason = arr(obj(mr.statusReason).coding).find((c) => c.system === CANCEL_REASON_SYSTEM);
    if (!reason)
      return epsError(
        400,
        'MISSING_VALUE',
        `MedicationRequest.statusReason needs a coding from ${CANCEL_REASON_SYSTEM}.`,
        'MedicationRequest.statusReason.coding',
        'required',
      );
    if (!isCancelReason(reason.code))
      return epsError(
        400,
        'INVALID_VALUE',
        `Cancellation reason '${String(reason.code).slice(0, 20)}' is not one of 0001–0009.`,
        'MedicationRequest.statusReason.coding.code',
      );
    const group = obj(mr.groupIdentifier);
    const shortId = str(group.value);
    if (group.system !== PRESCRIPTION_ORDER_NUMBER || !shortId)
      return epsError(
        400,
        'MISSING_VALUE',
        'MedicationRequest.groupIdentifier needs the short-form prescription ID.',
        'MedicationRequest.groupIdentifier.value',
        'required',
      );
    if (!isValidShortFormId(shortId))
      return epsError(
        400,
        'FAILURE_TO_PROCESS_MESSAGE',
        `Prescription ID ${shortId.slice(0, 30)} has an invalid checksum.`,
        'MedicationRequest.groupIdentifier.value',
      );
    const lineItemId = identifierOf(mr, LINE_ITEM_NUMBER);
    if (!lineItemId)
      return epsError(
        400,
        'MISSING_VALUE',
        `MedicationRequest.identifier needs the line item ID (${LINE_ITEM_NUMBER}).`,
        'MedicationRequest.identifier',
        'required',
      );
    const byRef = (ref: unknown): Json | undefined =>
      resources.find((r, i) => entries[i]!.fullUrl === ref || `${String(r.resourceType)}/${String(r.id)}` === ref);
    const patient = byRef(obj(mr.subject).reference) ?? resources.find((r) => r.resourceType === 'Patient');
    const nhsNumber = identifierOf(patient, NHS_NUMBER);
    if (!nhsNumber)
      return epsError(
        400,
        'MISSING_VALUE',
        'The cancellation needs the Patient with an NHS number.',
        'Patient.identifier',
        'required',
      );
    const role = byRef(obj(mr.requester).reference);
    if (identifierOf(role, 'https://fhir.nhs.uk/Id/sds-role-profile-id') !== caller.roleId)
      return epsError(
        403,
        'ACCESS_DENIED',
        'The requester in the Bundle is not the selected role of this session.',
        'PractitionerRole.identifier',
        'forbidden',
      );
    const bundleUser = identifierOf(byRef(obj(role?.practitioner).reference), 'https://fhir.nhs.uk/Id/sds-user-id');
    if (bundleUser !== undefined && bundleUser !== caller.userId)
      return epsError(
        403,
        'ACCESS_DENIED',
        'The requester in the Bundle is not the user of this session.',
        'Practitioner.identifier',
        'forbidden',
      );

    const record = store.get(shortId);
    if (!record) return statusHistoryOutcome('R-0008', 'not-found');
    if (record.nhsNumber !== nhsNumber)
      return statusHistoryOutcome('R-5000', 'processing', 'Mismatch between prescription and cancellation NHSNumber');
    const longId = str(
      obj(
        arr(group.extension).find((x) => obj(x.valueIdentifier).system === 'https://fhir.nhs.uk/Id/prescription')
          ?.valueIdentifier,
      ).value,
    );
    if (longId && longId.toLowerCase() !== record.longFormId.toLowerCase())
      return statusHistoryOutcome(
        'R-5000',
        'processing',
        'Mismatch between prescription and cancellation prescription ID',
      );
    if (record.authorUserId !== caller.userId) {
      const authorOrg = ctx.directory.role(record.authorRoleId)?.role.orgCode;
      if (!authorOrg || authorOrg !== caller.role?.orgCode)
        return epsError(
          403,
          'ACCESS_DENIED',
          'Only the prescriber, or a prescriber at the same organisation, may cancel this prescription.',
          'MedicationRequest.requester',
          'forbidden',
        );
    }

    const result = cancelItem(record.state, lineItemId, reason.code);
    if (result.code === 'R-0008')
      return statusHistoryOutcome(
        'R-0008',
        'not-found',
        `no line item ${lineItemId.slice(0, 40)} on ${record.shortFormId}`,
      );
    if (result.state !== record.state) {
      const saved = store.save(
        record.shortFormId,
        record.state,
        result.state,
        { userId: session.userId, roleId: caller.roleId, ods: caller.role?.orgCode ?? null },
        'prescription-order-update',
        `${result.code} reason ${reason.code}`,
      );
      if (!saved)
        return epsError(
          409,
          'FAILURE_TO_PROCESS_MESSAGE',
          'The prescription changed while the cancellation was processed; send it again.',
          'MedicationRequest.groupIdentifier.value',
          'conflict',
        );
    }

    // The answer: the line item with its status history, as EPS translates Spine's response.
    const at = epsTimestamp(ctx.clock.now());
    const dispenser = result.code === 'R-0002' || result.code === 'R-0003' ? result.dispenser : null;
    const dispenserOrg = dispenser ? ctx.directory.organisation(dispenser) : null;
    const dispenserUrl = dispenser ? `urn:uuid:${randomUUID()}` : null;
    const answerMr: Json = {
      ...mr,
      extension: [
        ...arr(mr.extension).filter((x) => x.url !== STATUS_HISTORY_EXTENSION),
        {
          url: STATUS_HISTORY_EXTENSION,
          extension: [
            {
              url: 'status',
              valueCoding: { system: STATUS_HISTORY_SYSTEM, code: result.code, display: CANCEL_RESPONSES[result.code] },
            },
            { url: 'statusDate', valueDateTime: at },
          ],
        },
      ],
      status: cancelledMedicationStatus(result.code),
      ...(dispenser
        ? {
            dispenseRequest: {
              ...obj(mr.dispenseRequest),
              performer: {
                identifier: { system: ODS_CODE, value: dispenser },
                ...(dispenserOrg ? { display: dispenserOrg.name } : {}),
              },
            },
          }
        : {}),
    };
    const sender = str(obj(obj(header.sender).identifier).value) ?? caller.role?.orgCode ?? '';
    const messageId = randomUUID();
    const answer = {
      resourceType: 'Bundle',
      id: messageId,
      identifier: { system: RFC4122, value: messageId },
      timestamp: at,
      type: 'message',
      entry: [
        {
          fullUrl: `urn:uuid:${messageId}`,
          resource: {
            resourceType: 'MessageHeader',
            id: messageId,
            extension: [
              {
                url: 'https://fhir.nhs.uk/StructureDefinition/Extension-MessageHeader-messageId',
                valueIdentifier: { system: RFC4122, value: messageId },
              },
            ],
            eventCoding: {
              system: 'https://fhir.nhs.uk/CodeSystem/message-event',
              code: 'prescription-order-response',
              display: 'Prescription Order Response',
            },
            destination: [
              {
                endpoint: `urn:nhs-uk:addressing:ods:${sender}`,
                receiver: { identifier: { system: ODS_CODE, value: sender } },
              },
            ],
            sender: { identifier: { system: ODS_CODE, value: 'X2601' }, display: 'NHS Digital Spine' },
            source: { name: 'NHS Spine', endpoint: `${ctx.baseUrl()}/FHIR/R4/$process-message` },
            response: { identifier: str(obj(bundle.identifier).value) ?? str(bundle.id) ?? '', code: 'ok' },
            focus: [
              { reference: String(mrEntry.fullUrl) },
              ...(patient ? [{ reference: String(entries[resources.indexOf(patient)]?.fullUrl) }] : []),
            ],
          },
        },
        { ...mrEntry, resource: answerMr },
        ...entries.filter((e) => {
          const t = obj(e.resource).resourceType;
          return t !== 'MessageHeader' && t !== 'MedicationRequest';
        }),
        ...(dispenserOrg && dispenserUrl
          ? [
              {
                fullUrl: dispenserUrl,
                resource: {
                  resourceType: 'Organization',
                  identifier: [{ system: ODS_CODE, value: dispenserOrg.odsCode }],
                  name: dispenserOrg.name,
                  telecom: [{ system: 'phone', use: 'work', value: dispenserOrg.telecom }],
                  address: [{ use: 'work', line: dispenserOrg.addressLines, postalCode: dispenserOrg.postcode }],
                },
              },
            ]
          : []),
      ],
    };
    return json(result.code === 'R-0001' ? 200 : 400, answer, FHIR);
  };
}
