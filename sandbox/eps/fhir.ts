// Small helpers the EPS routes share: reading a FHIR JSON body without ever failing with a 5xx,
// EPS-style OperationOutcome answers (Spine-ErrorOrWarningCode, naming the field), and the
// activity check a message type needs once its event is known.
import { epsIssue, operationOutcome, type EpsErrorCode } from '../../protocols/fhir/operation-outcome';
import { json, type SandboxRequest, type SandboxResponse } from '../http/router';
import type { Caller, SandboxContext } from '../http/context';

export const FHIR = 'application/fhir+json';
export { arr, obj, str, type Json } from '../../protocols/fhir/json';
import { arr, str, type Json } from '../../protocols/fhir/json';

export function identifierOf(r: Json | undefined, system: string): string | undefined {
  return str(arr(r?.identifier).find((i) => i.system === system)?.value);
}

/** One-issue OperationOutcome answer with an EPS code. */
export function epsError(
  status: number,
  code: EpsErrorCode,
  diagnostics: string,
  expression?: string,
  issueType = 'value',
): SandboxResponse {
  return json(status, operationOutcome([epsIssue(code, diagnostics, expression, issueType)]), FHIR);
}

export const isResponse = (v: unknown): v is SandboxResponse =>
  !!v && typeof v === 'object' && 'status' in v && 'body' in v && typeof (v as SandboxResponse).status === 'number';

/** The body as a JSON object, or a 400 OperationOutcome (empty, not JSON, not an object, too deep). */
export function readBody(req: SandboxRequest, expected: string): Json | SandboxResponse {
  const text = req.body.toString('utf8');
  if (!text.trim())
    return epsError(
      400,
      'MISSING_VALUE',
      `The request body is empty; a ${expected} was expected.`,
      expected,
      'required',
    );
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return epsError(
      400,
      'INVALID_VALUE',
      `The request body is not JSON: ${(e as Error).message.slice(0, 120)}`,
      expected,
      'invalid',
    );
  }
  if (!v || typeof v !== 'object' || Array.isArray(v))
    return epsError(
      400,
      'INVALID_VALUE',
      `The request body must be a ${expected} resource.`,
      `${expected}.resourceType`,
      'invalid',
    );
  if ((v as Json).resourceType !== expected)
    return epsError(
      400,
      'INVALID_VALUE',
      `Expected resourceType '${expected}', got '${String((v as Json).resourceType).slice(0, 40)}'.`,
      `${expected}.resourceType`,
      'invalid',
    );
  return v as Json;
}

/** The caller again, now also checked for the activities this message needs (ctx.authorise's own 403). */
export function withActivities(
  ctx: SandboxContext,
  req: SandboxRequest,
  activities: readonly string[],
): Caller | SandboxResponse {
  return ctx.authorise(req, { activities });
}
