// The client side of the EPS FHIR API: $prepare, $process-message, release, dispense, tracker.
// Every call carries the user's session token, the selected role (NHSD-Session-URID) and an
// X-Request-ID; a retry reuses the X-Request-ID so the service never records a second message.
// A write's body may be given as the exact text to send (main/net/idempotent-write.ts keeps it).
import { randomUUID } from 'node:crypto';
import { ScripError } from '../errors';
import type { ServiceClient } from '../net/service-client';
import { trackerQuery, type TrackerQuery } from '../../protocols/eps/tracker';

export interface EpsAuth {
  token: string;
  roleProfileId: string;
}

interface OperationOutcomeIssue {
  severity: string;
  code: string;
  diagnostics?: string;
  expression?: string[];
  details?: { coding?: Array<{ code?: string; display?: string }> };
}

/** A FHIR error from EPS, with the issues so the UI can show them field by field. */
export class EpsError extends ScripError {
  readonly issues: OperationOutcomeIssue[];
  readonly httpStatus: number;
  constructor(httpStatus: number, issues: OperationOutcomeIssue[]) {
    const first = issues[0];
    const text = issues.map((i) => i.diagnostics ?? i.details?.coding?.[0]?.display ?? i.code).join('; ');
    super('service-error', `EPS refused the request (${httpStatus}): ${text || 'no reason given'}.`, {
      httpStatus,
      issues,
      code: first?.details?.coding?.[0]?.code ?? null,
    });
    this.issues = issues;
    this.httpStatus = httpStatus;
  }
}

interface PrepareResult {
  digest: string;
  timestamp: string;
  algorithm: 'RS256' | 'RS1';
}

type Json = Record<string, unknown>;

export class EpsClient {
  readonly #http: ServiceClient;
  readonly #base: string;
  constructor(http: ServiceClient, baseUrl: string) {
    this.#http = http;
    this.#base = baseUrl.replace(/\/$/, '');
  }

  async #post(
    path: string,
    body: Json | string,
    auth: EpsAuth,
    requestId: string,
  ): Promise<{ status: number; json: Json }> {
    const res = await this.#http.send(`${this.#base}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/fhir+json',
        accept: 'application/fhir+json',
        authorization: `Bearer ${auth.token}`,
        'nhsd-session-urid': auth.roleProfileId,
        'x-request-id': requestId,
        'x-correlation-id': randomUUID(),
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, json: parseJson(res.body) };
  }

  async #get(path: string, auth: EpsAuth): Promise<{ status: number; json: Json }> {
    const res = await this.#http.send(`${this.#base}${path}`, {
      headers: {
        accept: 'application/fhir+json',
        authorization: `Bearer ${auth.token}`,
        'nhsd-session-urid': auth.roleProfileId,
        'x-request-id': randomUUID(),
      },
    });
    return { status: res.status, json: parseJson(res.body) };
  }

  static check(r: { status: number; json: Json }): Json {
    if (r.status >= 200 && r.status < 300) return r.json;
    if (r.status === 401 || r.status === 403) {
      throw new ScripError(
        r.status === 401 ? 'unauthenticated' : 'forbidden',
        `EPS did not accept the session: ${
          issuesOf(r.json)
            .map((i) => i.diagnostics)
            .filter(Boolean)
            .join('; ') || r.status
        }.`,
        { httpStatus: r.status },
        'Log in again with your card, or choose a role that may do this.',
      );
    }
    if (r.status >= 500)
      throw new ScripError(
        'service-unreachable',
        `EPS failed (${r.status}).`,
        { httpStatus: r.status, issues: issuesOf(r.json) },
        'Scrip will try again.',
      );
    throw new EpsError(r.status, issuesOf(r.json));
  }

  async prepare(bundle: Json, auth: EpsAuth): Promise<PrepareResult> {
    const json = EpsClient.check(await this.#post('/$prepare', bundle, auth, randomUUID()));
    const param = (name: string) =>
      ((json.parameter as Array<{ name: string; valueString?: string }> | undefined) ?? []).find((p) => p.name === name)
        ?.valueString;
    const digest = param('digest'),
      timestamp = param('timestamp'),
      algorithm = param('algorithm');
    if (!digest || !timestamp || (algorithm !== 'RS256' && algorithm !== 'RS1'))
      throw new ScripError('service-error', 'EPS answered $prepare without a digest, timestamp and algorithm.');
    return { digest, timestamp, algorithm };
  }

  /** Sends a message (prescription-order, -update, dispense-notification). Raw answer; caller decides. */
  processMessage(bundle: Json | string, auth: EpsAuth, requestId: string): Promise<{ status: number; json: Json }> {
    return this.#post('/$process-message', bundle, auth, requestId);
  }

  async release(parameters: Json | string, auth: EpsAuth, requestId = randomUUID()): Promise<Json> {
    return EpsClient.check(await this.#post('/Task/$release', parameters, auth, requestId));
  }

  async task(task: Json | string, auth: EpsAuth, requestId = randomUUID()): Promise<Json> {
    return EpsClient.check(await this.#post('/Task', task, auth, requestId));
  }

  /** The tracker's Task search (protocols/eps/tracker.ts reads the answer). */
  async track(query: TrackerQuery, auth: EpsAuth): Promise<Json> {
    return EpsClient.check(await this.#get(trackerQuery(query), auth));
  }
}

function parseJson(body: Buffer): Json {
  if (!body.length) return {};
  try {
    const v = JSON.parse(body.toString('utf8')) as unknown;
    return typeof v === 'object' && v !== null ? (v as Json) : {};
  } catch {
    return {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'invalid', diagnostics: `Not JSON: ${body.toString('utf8').slice(0, 200)}` }],
    };
  }
}

export function issuesOf(json: Json): OperationOutcomeIssue[] {
  if (json.resourceType === 'OperationOutcome' && Array.isArray(json.issue))
    return json.issue as OperationOutcomeIssue[];
  return [];
}
