// The PDS-style patient index: find a patient by NHS number, or by family name and date of birth
// (+ given name, postcode), as the user whose session it is. Answers become PatientSnapshots.
import { randomUUID } from 'node:crypto';
import { ScripError } from '../errors';
import type { ServiceClient } from '../net/service-client';
import type { PatientSnapshot } from './model';
import { isValidNhsNumber, explainNhsNumber } from '../../protocols/ids/nhs-number';

type Json = Record<string, unknown>;
const arr = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});

function snapshotOf(p: Json): PatientSnapshot {
  const name = obj(arr(p.name)[0]);
  const addr = obj(arr(p.address)[0]);
  const nominated = arr(p.extension).find((e) => String(e.url).endsWith('NominatedPharmacy'));
  const ref = obj(obj(nominated?.valueReference).identifier);
  return {
    nhsNumber: String(
      arr(p.identifier).find((i) => i.system === 'https://fhir.nhs.uk/Id/nhs-number')?.value ?? p.id ?? '',
    ),
    ...(arr(name.prefix)[0] ? { prefix: String(arr(name.prefix)[0]) } : {}),
    given: arr(name.given).map(String),
    family: String(name.family ?? ''),
    birthDate: String(p.birthDate ?? ''),
    gender: (['female', 'male', 'other', 'unknown'].includes(String(p.gender))
      ? p.gender
      : 'unknown') as PatientSnapshot['gender'],
    addressLines: arr(addr.line).map(String),
    ...(addr.postalCode ? { postcode: String(addr.postalCode) } : {}),
    ...(obj(obj(arr(p.generalPractitioner)[0]).identifier).value
      ? { gpOdsCode: String(obj(obj(arr(p.generalPractitioner)[0]).identifier).value) }
      : {}),
    nominatedPharmacy: ref.value
      ? {
          odsCode: String(ref.value),
          ...(obj(nominated?.valueReference).display ? { name: String(obj(nominated?.valueReference).display) } : {}),
        }
      : null,
  };
}

export class PdsClient {
  constructor(
    private readonly http: ServiceClient,
    private readonly baseUrl: string,
  ) {}

  async #get(path: string, auth: { token: string; roleProfileId: string }): Promise<{ status: number; json: Json }> {
    const res = await this.http.send(`${this.baseUrl.replace(/\/$/, '')}${path}`, {
      headers: {
        authorization: `Bearer ${auth.token}`,
        'nhsd-session-urid': auth.roleProfileId,
        'x-request-id': randomUUID(),
        accept: 'application/fhir+json',
      },
    });
    let json: Json = {};
    try {
      json = JSON.parse(res.body.toString('utf8')) as Json;
    } catch {
      /* not JSON */
    }
    return { status: res.status, json };
  }

  static #refused(status: number, json: Json): ScripError {
    const text = arr(json.issue)
      .map((i) => String(i.diagnostics ?? i.code))
      .join('; ');
    return new ScripError(
      status === 404 ? 'not-found' : 'service-error',
      `The patient index answered: ${text || `HTTP ${status}`}.`,
    );
  }

  async byNhsNumber(nhsNumber: string, auth: { token: string; roleProfileId: string }): Promise<PatientSnapshot> {
    const n = nhsNumber.replace(/\s+/g, '');
    if (!isValidNhsNumber(n)) throw new ScripError('invalid-input', explainNhsNumber(n) ?? 'Not a valid NHS number.');
    const r = await this.#get(`/Patient/${n}`, auth);
    if (r.status !== 200) throw PdsClient.#refused(r.status, r.json);
    return snapshotOf(r.json);
  }

  async search(
    q: { family: string; birthDate: string; given?: string; postcode?: string },
    auth: { token: string; roleProfileId: string },
  ): Promise<PatientSnapshot[]> {
    const p = new URLSearchParams({ family: q.family, birthdate: `eq${q.birthDate}` });
    if (q.given) p.set('given', q.given);
    if (q.postcode) p.set('address-postalcode', q.postcode);
    const r = await this.#get(`/Patient?${p.toString()}`, auth);
    if (r.status !== 200) throw PdsClient.#refused(r.status, r.json);
    if (r.json.resourceType === 'OperationOutcome') throw PdsClient.#refused(400, r.json);
    return arr(r.json.entry).map((e) => snapshotOf(obj(e.resource)));
  }
}
