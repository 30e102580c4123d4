// Why EPS refused a prescription, read from the answer the outbox kept: one entry per
// OperationOutcome issue, with the Spine error code, EPS's words and the field it names. An answer
// that is not an OperationOutcome still gives the HTTP status and says so, so a refusal is never blank.
import { arr, obj, str } from '../../protocols/fhir/json';

interface RefusalIssue {
  code: string | null;
  display: string | null;
  text: string;
  field: string | null;
}
export interface Refusal {
  httpStatus: number | null;
  issues: RefusalIssue[];
}

export function refusalOf(serviceStatus: string | null, serviceResponse: string | null): Refusal {
  const httpStatus = serviceStatus && /^\d{3}$/.test(serviceStatus) ? Number(serviceStatus) : null;
  let body: unknown = null;
  try {
    body = serviceResponse ? JSON.parse(serviceResponse) : null;
  } catch {
    body = null;
  }
  // EPS answers a refused message with an OperationOutcome, at the top or inside a Bundle.
  const outcome =
    obj(body).resourceType === 'OperationOutcome'
      ? obj(body)
      : obj(
          arr(obj(body).entry)
            .map((e) => obj(e.resource))
            .find((r) => r.resourceType === 'OperationOutcome'),
        );
  const issues = arr(outcome.issue)
    .filter((i) => str(i.severity) !== 'information' && str(i.severity) !== 'warning')
    .map((i): RefusalIssue => {
      const coding = obj(arr(obj(i.details).coding)[0]);
      const display = str(coding.display) ?? null;
      return {
        code: str(coding.code) ?? null,
        display,
        text: str(i.diagnostics) ?? display ?? 'EPS gave no reason for this issue.',
        field: str(arr(i.expression)[0]) ?? null,
      };
    });
  if (!issues.length) {
    issues.push({
      code: null,
      display: null,
      field: null,
      text: `EPS refused the prescription${httpStatus ? ` (HTTP ${httpStatus})` : ''} without an OperationOutcome Scrip could read; its answer is kept with the prescription.`,
    });
  }
  return { httpStatus, issues };
}
