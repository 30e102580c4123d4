// FHIR R4 OperationOutcome as EPS answers with it: each issue carries a Spine error code
// (https://fhir.nhs.uk/CodeSystem/Spine-ErrorOrWarningCode) and names the field in `expression`.
import { z } from 'zod';

const SPINE_ERROR_SYSTEM = 'https://fhir.nhs.uk/CodeSystem/Spine-ErrorOrWarningCode';

export const EpsErrorCode = z.enum([
  'INVALID_VALUE',
  'MISSING_VALUE',
  'FAILURE_TO_PROCESS_MESSAGE',
  'DUPLICATE_PRESCRIPTION_ID',
  'MISSING_DIGITAL_SIGNATURE',
  'INVALID_CHECKSUM',
  'PRESCRIPTION_NOT_FOUND',
  'RESOURCE_NOT_FOUND',
  'PRESCRIPTION_WITH_ANOTHER_DISPENSER',
  'NO_MORE_PRESCRIPTIONS',
  'ACCESS_DENIED',
  'MISSING_HEADER',
  'INVALID_HEADER',
  'BAD_REQUEST',
  'NOT_SUPPORTED',
  'SERVER_ERROR',
]);
export type EpsErrorCode = z.infer<typeof EpsErrorCode>;

export const OperationOutcomeIssue = z.object({
  severity: z.enum(['fatal', 'error', 'warning', 'information']),
  code: z.string(), // FHIR issue type: invalid, value, required, processing, not-found, security, duplicate, ...
  details: z
    .object({ coding: z.array(z.object({ system: z.string(), code: z.string(), display: z.string().optional() })) })
    .optional(),
  diagnostics: z.string().optional(),
  expression: z.array(z.string()).optional(),
});
export type OperationOutcomeIssue = z.infer<typeof OperationOutcomeIssue>;

interface OperationOutcome {
  resourceType: 'OperationOutcome';
  issue: OperationOutcomeIssue[];
}

/** One error issue with an EPS code. */
export function epsIssue(
  code: EpsErrorCode,
  diagnostics: string,
  expression?: string,
  issueType = 'value',
  severity: OperationOutcomeIssue['severity'] = 'error',
): OperationOutcomeIssue {
  return {
    severity,
    code: issueType,
    details: { coding: [{ system: SPINE_ERROR_SYSTEM, code, display: code.replace(/_/g, ' ').toLowerCase() }] },
    diagnostics,
    ...(expression ? { expression: [expression] } : {}),
  };
}

export function operationOutcome(issue: OperationOutcomeIssue[]): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue };
}
