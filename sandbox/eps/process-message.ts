// EPS-style `$process-message` (eps.md §1.7, §1.8, §1.10, §6.4), dispatched by MessageHeader event:
// - prescription-order: EPS-like validation, the requester's Provenance signature verified against a
//   digest this sandbox prepared, the signer's certificate chained to the sandbox Signing CA and not
//   revoked, signer = session user, author = that user and selected role (with a prescribing
//   activity), then stored with its line items "to be dispensed";
// - prescription-order-update: cancel one line item (cancel.ts);
// - dispense-notification: the dispenser's record of what was handed over (dispense.ts).
// A retry with the same X-Request-ID gets the first answer (idempotency.ts).
import type { Statement } from 'better-sqlite3';
import { findRequesterSignature, withTrustChecks, type TrustChecks } from '../../protocols/eps/signature';
import { utf8Base64 } from '../../protocols/eps/fragments';
import { operationOutcome as outcome } from '../../protocols/fhir/operation-outcome';
import { json, type Route, type SandboxRequest, type SandboxResponse } from '../http/router';
import { isRefusal, type Caller, type SandboxContext } from '../http/context';
import { operationOutcome } from '../pds/pds';
import { signingCertificateTrust } from '../ca';
import { OPERATION_ACTIVITIES } from './route-activities';
import { migratePrescriptions } from './tables';
import { idempotency } from './idempotency';
import { LifecycleStore } from './lifecycle-store';
import { cancelHandler } from './cancel-handler';
import { dispenseNotificationHandler } from './dispense';
import { FHIR, arr, epsError, isResponse, obj, readBody, withActivities, type Json } from './fhir';

function identifierOf(r: Json | undefined, system: string): string | undefined {
  const v = arr(r?.identifier).find((i) => i.system === system)?.value;
  return typeof v === 'string' ? v : undefined;
}

/**
 * Chain to the sandbox Signing CA (signature checked, not just names) and not revoked, with Node's
 * native X.509 (node-forge's chain check cost ~1.5 ms a prescription); see sandbox/ca/signing-trust.
 * Hashing and RSA by the context's signature crypto (Node's native: Web Crypto's per-call cost is high).
 */
export function sandboxTrust(ctx: Pick<SandboxContext, 'ca' | 'signatureCrypto'>): TrustChecks {
  return { ...signingCertificateTrust(ctx.ca), crypto: ctx.signatureCrypto };
}

export function processMessageRoutes(ctx: SandboxContext): Route[] {
  migratePrescriptions(ctx.db);
  const trust = sandboxTrust(ctx);
  const store = new LifecycleStore(ctx.db, ctx.clock);
  const once = idempotency(ctx.db, '$process-message');
  const cancel = cancelHandler(ctx, store);
  const dispense = dispenseNotificationHandler(ctx, store);
  const insertPrescription = ctx.db.prepare(
    'INSERT INTO eps_prescriptions (short_form_id, long_form_id, nhs_number, nominated_ods, author_user_id, author_role_id, status, bundle, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  // eps_prepared is $prepare's table, which may be mounted after this module: compiled on first use.
  let preparedSelect: Statement | undefined;
  const preparedDigest = (digest: string) =>
    (preparedSelect ??= ctx.db.prepare('SELECT timestamp, user_id FROM eps_prepared WHERE digest = ?')).get(digest) as
      { timestamp: string; user_id: string } | undefined;

  async function handle(req: SandboxRequest): Promise<SandboxResponse> {
    // Which activities a message needs depends on its event; the session and role come first.
    const caller = ctx.authorise(req, { roleRequired: true });
    if (isRefusal(caller)) return caller;
    return once(req, caller.userId, () => dispatch(req, caller));
  }

  async function dispatch(req: SandboxRequest, session: Caller): Promise<SandboxResponse> {
    const bundle = readBody(req, 'Bundle');
    if (isResponse(bundle)) return bundle;
    if (bundle.type !== 'message')
      return epsError(
        400,
        'INVALID_VALUE',
        `Bundle.type must be 'message', not '${String(bundle.type).slice(0, 30)}'.`,
        'Bundle.type',
      );
    const header = arr(bundle.entry)
      .map((e) => obj(e.resource))
      .find((r) => r.resourceType === 'MessageHeader');
    if (!header)
      return epsError(
        400,
        'MISSING_VALUE',
        'The Bundle has no MessageHeader.',
        'Bundle.entry.resource.ofType(MessageHeader)',
        'required',
      );
    const event = obj(header.eventCoding).code;
    switch (event) {
      case 'prescription-order': {
        const caller = withActivities(ctx, req, OPERATION_ACTIVITIES['prescription-order']);
        if (isRefusal(caller)) return caller;
        return process(bundle, req.body, caller.userId, caller.roleId ?? '', caller.role?.orgCode ?? null);
      }
      case 'prescription-order-update':
        return cancel(req, bundle, session);
      case 'dispense-notification':
        return dispense(req, bundle, session);
      default:
        return operationOutcome(
          400,
          'not-supported',
          'NOT_SUPPORTED',
          `Message event "${String(event).slice(0, 60)}" is not supported.`,
          'MessageHeader.eventCoding.code',
        );
    }
  }

  async function process(
    bundle: Json,
    /** The Bundle as it came: stored as sent, not written out again (it was parsed from this). */
    sent: Buffer,
    userId: string,
    roleId: string,
    orgCode: string | null,
  ): Promise<SandboxResponse> {
    const resources = arr(bundle.entry).map((e) => obj(e.resource));
    const sig = findRequesterSignature(bundle);
    const text = sent.toString('utf8');
    // Validation and the signature's own checks, off the event loop (message-checks.ts).
    const checked = await ctx.messageChecks.run({ kind: 'order', body: text, signature: sig });
    if (checked.issues.length) return json(400, outcome(checked.issues), FHIR);
    const mr = resources.find((r) => r.resourceType === 'MedicationRequest')!;
    const byRef = (ref: unknown): Json | undefined => {
      const e = arr(bundle.entry).find(
        (x) => x.fullUrl === ref || `${String(obj(x.resource).resourceType)}/${String(obj(x.resource).id)}` === ref,
      );
      return e ? obj(e.resource) : undefined;
    };
    const role = byRef(obj(mr.requester).reference);
    const practitioner = byRef(obj(role?.practitioner).reference);
    if (identifierOf(role, 'https://fhir.nhs.uk/Id/sds-role-profile-id') !== roleId)
      return operationOutcome(
        403,
        'forbidden',
        'ACCESS_DENIED',
        'The prescriber role in the Bundle is not the selected role of this session.',
        'PractitionerRole.identifier',
      );
    const bundleUser = identifierOf(practitioner, 'https://fhir.nhs.uk/Id/sds-user-id');
    if (bundleUser !== undefined && bundleUser !== userId)
      return operationOutcome(
        403,
        'forbidden',
        'ACCESS_DENIED',
        'The prescriber in the Bundle is not the user of this session.',
        'Practitioner.identifier',
      );
    if (!sig || !checked.signature)
      return operationOutcome(
        400,
        'required',
        'MISSING_DIGITAL_SIGNATURE',
        'The prescription has no signature from its requester.',
        'Provenance.signature',
      );
    // What was signed must be a SignedInfo this sandbox prepared for this user at that time.
    const { signedInfo, own } = checked.signature;
    const prepared = signedInfo ? preparedDigest(utf8Base64(signedInfo)) : undefined;
    if (!prepared || prepared.user_id !== userId || prepared.timestamp !== sig.when)
      return operationOutcome(
        400,
        'value',
        'INVALID_VALUE',
        "Signature doesn't match prescription",
        'Provenance.signature.data',
      );
    const result = await withTrustChecks(own, trust);
    if (!result.ok)
      return json(
        400,
        outcome(
          result.errors.map((e) => ({
            severity: 'error' as const,
            code: 'value',
            details: {
              coding: [{ system: 'https://fhir.nhs.uk/CodeSystem/Spine-ErrorOrWarningCode', code: 'INVALID_VALUE' }],
            },
            diagnostics: e,
            expression: ['Provenance.signature.data'],
          })),
        ),
        FHIR,
      );
    // SHA-256 is the minimum for a prescribing system's signatures (prescribing SCAL 2.1.3). EPS
    // enforces it at $prepare, answering RS1 only to applications on its SHA1_ENABLED_APPLICATION_IDS;
    // the sandbox plays EPS for an application not on it, so a SHA-1 signature (over an RS1 SignedInfo
    // got with the test-only $prepare?algorithm=RS1) is refused here, saying so, however valid.
    if (result.algorithm === 'RS1')
      return operationOutcome(
        400,
        'value',
        'INVALID_VALUE',
        'The signature uses SHA-1 (RS1): SHA-256 (RS256) is the minimum for prescription signatures. Sign the digest $prepare returns with RS256.',
        'Provenance.signature.data',
      );
    if (result.certificate?.subject.getField('CN')?.value !== userId)
      return operationOutcome(
        403,
        'forbidden',
        'ACCESS_DENIED',
        'The signer is not the user of this session.',
        'Provenance.signature.data',
      );
    const group = obj(mr.groupIdentifier);
    const shortId = String(group.value);
    const longId = String(obj(arr(group.extension)[0]?.valueIdentifier).value);
    const patient = resources.find((r) => r.resourceType === 'Patient');
    const ods = obj(obj(obj(mr.dispenseRequest).performer).identifier).value;
    try {
      ctx.db.transaction(() => {
        insertPrescription.run(
          shortId,
          longId,
          identifierOf(patient, 'https://fhir.nhs.uk/Id/nhs-number') ?? '',
          typeof ods === 'string' ? ods : null,
          userId,
          roleId,
          'to-be-dispensed',
          text,
          ctx.clock.now().toISOString(),
        );
        store.created(shortId, bundle, { userId, roleId, ods: orgCode });
      })();
    } catch (e) {
      if (/UNIQUE/.test((e as Error).message))
        return operationOutcome(
          400,
          'duplicate',
          'DUPLICATE_PRESCRIPTION_ID',
          `Prescription ${shortId} has already been sent.`,
          'MedicationRequest.groupIdentifier.value',
        );
      throw e;
    }
    return json(
      200,
      { resourceType: 'OperationOutcome', issue: [{ severity: 'information', code: 'informational' }] },
      FHIR,
    );
  }

  return [{ method: 'POST', path: '/FHIR/R4/$process-message', handle }];
}
