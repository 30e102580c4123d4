// EPS-style `$process-message` for prescription-order (eps.md §1.7, §6.4): EPS-like validation, the
// requester's Provenance signature verified against a digest this sandbox prepared, the signer's
// certificate chained to the sandbox Signing CA and not revoked, signer = session user, author =
// that user and selected role (with a prescribing activity), then stored. A retry with the same
// X-Request-ID gets the first answer. Not yet registered: sandbox/eps-routes.ts must add
// `registerRoutes(processMessageRoutes)` (the lead's file).
import forge from 'node-forge';
import { validatePrescriptionOrder } from '../../protocols/eps/validate';
import { findRequesterSignature, verifyPrescriptionSignature, withoutProvenance } from '../../protocols/eps/signature';
import { utf8Base64 } from '../../protocols/eps/fragments';
import { operationOutcome as outcome } from '../../protocols/fhir/operation-outcome';
import { json, type Route, type SandboxRequest, type SandboxResponse } from '../http/router';
import { isRefusal, type SandboxContext } from '../http/context';
import { migrateSandbox } from '../store/db';
import { operationOutcome } from '../pds/pds';

const FHIR = 'application/fhir+json';
import { PRESCRIBING_ACTIVITIES } from '../../protocols/spine/activities';

type Json = Record<string, unknown>;
const arr = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});

function identifierOf(r: Json | undefined, system: string): string | undefined {
  const v = arr(r?.identifier).find((i) => i.system === system)?.value;
  return typeof v === 'string' ? v : undefined;
}

/** Chain to the sandbox Signing CA (signature checked, not just names) and not revoked. */
export function sandboxTrust(ctx: SandboxContext) {
  const signCa = forge.pki.certificateFromPem(ctx.ca.sign.pem);
  return (cert: forge.pki.Certificate): string | null => {
    try { if (!signCa.verify(cert)) return 'Certificate not trusted'; } catch { return 'Certificate not trusted'; }
    if (ctx.ca.isRevoked(cert.serialNumber)) return 'Certificate is revoked';
    return null;
  };
}

export function processMessageRoutes(ctx: SandboxContext): Route[] {
  migrateSandbox(ctx.db, 'eps-prescriptions-1', `CREATE TABLE eps_prescriptions (short_form_id TEXT PRIMARY KEY, long_form_id TEXT NOT NULL, nhs_number TEXT NOT NULL,
    nominated_ods TEXT, author_user_id TEXT NOT NULL, author_role_id TEXT NOT NULL, status TEXT NOT NULL, bundle TEXT NOT NULL, created_at TEXT NOT NULL);
    CREATE TABLE eps_request_ids (request_id TEXT NOT NULL, user_id TEXT NOT NULL, status INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (request_id, user_id))`);
  const trust = sandboxTrust(ctx);

  async function handle(req: SandboxRequest): Promise<SandboxResponse> {
    const caller = ctx.authorise(req, { activities: PRESCRIBING_ACTIVITIES });
    if (isRefusal(caller)) return caller;
    const requestId = typeof req.headers['x-request-id'] === 'string' ? req.headers['x-request-id'] : undefined;
    if (requestId) {
      const seen = ctx.db.prepare('SELECT status, body FROM eps_request_ids WHERE request_id = ? AND user_id = ?').get(requestId, caller.userId) as { status: number; body: string } | undefined;
      if (seen) return { status: seen.status, headers: { 'content-type': FHIR }, body: seen.body };
    }
    const answer = await process(req, caller.userId, caller.roleId ?? '');
    if (requestId && answer.status < 500) ctx.db.prepare('INSERT OR IGNORE INTO eps_request_ids (request_id, user_id, status, body) VALUES (?, ?, ?, ?)').run(requestId, caller.userId, answer.status, String(answer.body));
    return answer;
  }

  async function process(req: SandboxRequest, userId: string, roleId: string): Promise<SandboxResponse> {
    const bundle = JSON.parse(req.body.toString('utf8')) as Json;
    const resources = arr(bundle.entry).map((e) => obj(e.resource));
    const header = resources.find((r) => r.resourceType === 'MessageHeader');
    const event = obj(header?.eventCoding).code;
    if (event !== 'prescription-order') return operationOutcome(400, 'not-supported', 'NOT_SUPPORTED', `Message event "${String(event)}" is not supported here yet.`, 'MessageHeader.eventCoding.code');
    const issues = validatePrescriptionOrder(withoutProvenance(bundle));
    if (issues.length) return json(400, outcome(issues), FHIR);
    const mr = resources.find((r) => r.resourceType === 'MedicationRequest')!;
    const byRef = (ref: unknown): Json | undefined => {
      const e = arr(bundle.entry).find((x) => x.fullUrl === ref || `${String(obj(x.resource).resourceType)}/${String(obj(x.resource).id)}` === ref);
      return e ? obj(e.resource) : undefined;
    };
    const role = byRef(obj(mr.requester).reference);
    const practitioner = byRef(obj(role?.practitioner).reference);
    if (identifierOf(role, 'https://fhir.nhs.uk/Id/sds-role-profile-id') !== roleId) return operationOutcome(403, 'forbidden', 'ACCESS_DENIED', 'The prescriber role in the Bundle is not the selected role of this session.', 'PractitionerRole.identifier');
    const bundleUser = identifierOf(practitioner, 'https://fhir.nhs.uk/Id/sds-user-id');
    if (bundleUser !== undefined && bundleUser !== userId) return operationOutcome(403, 'forbidden', 'ACCESS_DENIED', 'The prescriber in the Bundle is not the user of this session.', 'Practitioner.identifier');
    const sig = findRequesterSignature(bundle);
    if (!sig) return operationOutcome(400, 'required', 'MISSING_DIGITAL_SIGNATURE', 'The prescription has no signature from its requester.', 'Provenance.signature');
    // What was signed must be a SignedInfo this sandbox prepared for this user at that time.
    const signedInfo = /<SignedInfo>[\s\S]*<\/SignedInfo>/.exec(sig.xml)?.[0]?.replace('<SignedInfo>', '<SignedInfo xmlns="http://www.w3.org/2000/09/xmldsig#">');
    const prepared = signedInfo ? ctx.db.prepare('SELECT timestamp, user_id FROM eps_prepared WHERE digest = ?').get(utf8Base64(signedInfo)) as { timestamp: string; user_id: string } | undefined : undefined;
    if (!prepared || prepared.user_id !== userId || prepared.timestamp !== sig.when) return operationOutcome(400, 'value', 'INVALID_VALUE', "Signature doesn't match prescription", 'Provenance.signature.data');
    const result = await verifyPrescriptionSignature({ signatureXml: sig.xml, bundle, signedAt: sig.when, trust });
    if (!result.ok) return json(400, outcome(result.errors.map((e) => ({ severity: 'error' as const, code: 'value', details: { coding: [{ system: 'https://fhir.nhs.uk/CodeSystem/Spine-ErrorOrWarningCode', code: 'INVALID_VALUE' }] }, diagnostics: e, expression: ['Provenance.signature.data'] }))), FHIR);
    if (result.certificate?.subject.getField('CN')?.value !== userId) return operationOutcome(403, 'forbidden', 'ACCESS_DENIED', 'The signer is not the user of this session.', 'Provenance.signature.data');
    const group = obj(mr.groupIdentifier);
    const shortId = String(group.value);
    const longId = String(obj(arr(group.extension)[0]?.valueIdentifier).value);
    const patient = resources.find((r) => r.resourceType === 'Patient');
    const ods = obj(obj(obj(mr.dispenseRequest).performer).identifier).value;
    try {
      ctx.db.prepare('INSERT INTO eps_prescriptions (short_form_id, long_form_id, nhs_number, nominated_ods, author_user_id, author_role_id, status, bundle, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(shortId, longId, identifierOf(patient, 'https://fhir.nhs.uk/Id/nhs-number') ?? '', typeof ods === 'string' ? ods : null, userId, roleId, 'to-be-dispensed', JSON.stringify(bundle), ctx.clock.now().toISOString());
    } catch (e) {
      if (/UNIQUE/.test((e as Error).message)) return operationOutcome(400, 'duplicate', 'DUPLICATE_PRESCRIPTION_ID', `Prescription ${shortId} has already been sent.`, 'MedicationRequest.groupIdentifier.value');
      throw e;
    }
    return json(200, { resourceType: 'OperationOutcome', issue: [{ severity: 'information', code: 'informational' }] }, FHIR);
  }

  return [{ method: 'POST', path: '/FHIR/R4/$process-message', handle }];
}
