// The dispensing side of the EPS FHIR API (eps.md §1.9–§1.13), over the same EpsClient (and so the
// same per-environment HTTPS client, headers and error handling) the prescription pad uses:
// Task/$release, the dispense notification ($process-message), return and withdraw (POST /Task)
// and the tracker. EPS's refusals are turned into errors a pharmacist can act on.
import { EpsClient, EpsError, type EpsAuth } from '../prescribing/eps-client';
import { parseTrackerBundle, TrackerFormatError, type TrackedPrescription } from '../../protocols/eps/tracker';
import { ScripError } from '../errors';

type Json = Record<string, unknown>;
/** An X-Request-ID (a UUID). */
export type RequestId = `${string}-${string}-${string}-${string}-${string}`;
const arr = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]).filter((x) => x && typeof x === 'object') : []);
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});

interface ReleaseAnswer {
  /** The release response's identifier (a dispense notification and a return refer to it). */
  id: string | null;
  passed: Json[];
  /** Prescriptions EPS would not release (an invalid signature): the Bundle and EPS's reasons. */
  failed: Array<{ bundle: Json; errors: string[] }>;
  /** EPS's informational answer when there was nothing to release (NO_MORE_PRESCRIPTIONS). */
  nothing: string | null;
}

/** Reads the Parameters EPS answers a release with (passedPrescriptions, failedPrescriptions). */
export function readReleaseAnswer(json: Json): ReleaseAnswer {
  if (json.resourceType === 'OperationOutcome') {
    const issue = obj(arr(json.issue)[0]);
    return {
      id: null,
      passed: [],
      failed: [],
      nothing: typeof issue.diagnostics === 'string' ? issue.diagnostics : 'There was nothing to release.',
    };
  }
  if (json.resourceType !== 'Parameters')
    throw new ScripError(
      'service-error',
      `EPS answered the release with a ${String(json.resourceType ?? 'message')} instead of Parameters.`,
    );
  const named = (n: string) => obj(arr(json.parameter).find((p) => p.name === n)?.resource);
  const bundles = (b: Json) => arr(b.entry).filter((e) => obj(e.resource).resourceType === 'Bundle');
  const passed = bundles(named('passedPrescriptions')).map((e) => obj(e.resource));
  const failedSet = arr(named('failedPrescriptions').entry);
  const failed = failedSet
    .filter((e) => obj(e.resource).resourceType === 'Bundle')
    .map((e) => {
      const outcome = failedSet
        .map((o) => obj(o.resource))
        .find(
          (r) =>
            r.resourceType === 'OperationOutcome' &&
            arr(r.extension).some((x) => obj(x.valueReference).reference === e.fullUrl),
        );
      const errors = arr(outcome?.issue)
        .map((i) => String(i.diagnostics ?? obj(arr(obj(i.details).coding)[0]).display ?? 'Refused'))
        .map((t) => t.replace(/\.$/, ''));
      return { bundle: obj(e.resource), errors: errors.length ? errors : ['EPS did not release it'] };
    });
  return { id: typeof json.id === 'string' ? json.id : null, passed, failed, nothing: null };
}

/** EPS's refusal in a pharmacist's words, where there are better ones than EPS's code. */
function forPharmacist(e: unknown, what: string): never {
  if (!(e instanceof EpsError)) throw e;
  const code = typeof e.details?.code === 'string' ? e.details.code : null;
  const said = e.issues
    .map((i) => i.diagnostics?.replace(/\.$/, ''))
    .filter(Boolean)
    .join('; ');
  if (code === 'PRESCRIPTION_NOT_FOUND' || code === 'RESOURCE_NOT_FOUND') {
    throw new ScripError(
      'not-found',
      `EPS has no prescription with that ID (${said}).`,
      { code },
      'Check the prescription ID on the token (18 characters, for example 24F5DA-A83008-7EFE6Z) and try again.',
    );
  }
  if (code === 'PRESCRIPTION_WITH_ANOTHER_DISPENSER') {
    throw new ScripError(
      'with-another-dispenser',
      `This prescription is with another pharmacy: ${said}.`,
      { code, dispenser: said },
      'Ask the patient, or that pharmacy, to have it returned to Spine; then release it again.',
    );
  }
  if (code === 'FAILURE_TO_PROCESS_MESSAGE' || code === 'INVALID_VALUE') {
    throw new ScripError(
      'bad-state',
      `EPS refused the ${what}: ${said || e.message}.`,
      { code, issues: e.issues },
      'Release the prescription again to see where it stands, then repeat what you meant to do.',
    );
  }
  throw e;
}

export class DispensingClient {
  constructor(private readonly eps: EpsClient) {}

  async release(parameters: Json | string, auth: EpsAuth, requestId: RequestId): Promise<ReleaseAnswer> {
    try {
      return readReleaseAnswer(await this.eps.release(parameters, auth, requestId));
    } catch (e) {
      return forPharmacist(e, 'release');
    }
  }

  async dispenseNotification(bundle: Json | string, auth: EpsAuth, requestId: RequestId): Promise<void> {
    try {
      EpsClient.check(await this.eps.processMessage(bundle, auth, requestId));
    } catch (e) {
      forPharmacist(e, 'dispense notification');
    }
  }

  /** A return (status rejected) or withdraw (abort) Task. */
  async task(task: Json | string, auth: EpsAuth, requestId: RequestId, what: string): Promise<void> {
    try {
      await this.eps.task(task, auth, requestId);
    } catch (e) {
      forPharmacist(e, what);
    }
  }

  /** What the tracker says of one prescription, or null when it does not know it. */
  async track(shortFormId: string, auth: EpsAuth): Promise<TrackedPrescription | null> {
    const json = await this.eps.track({ prescriptionId: shortFormId }, auth);
    try {
      return parseTrackerBundle(json).find((p) => p.shortFormId.toUpperCase() === shortFormId.toUpperCase()) ?? null;
    } catch (e) {
      if (e instanceof TrackerFormatError)
        throw new ScripError('service-error', `The tracker's answer could not be read: ${e.message}`);
      throw e;
    }
  }
}
