// A PDS-style patient index: GET /Patient/{nhsNumber} and GET /Patient?family=&birthdate=[&given=]
// [&gender=][&address-postalcode=][&_max-results=], as FHIR R4 Patient and searchset Bundle, errors
// as OperationOutcome with the Spine codes PDS uses (dmd-pds-token-ui.md §3.5). As in PDS, a search
// result carries no pharmacy details (retrieve the patient for the nominated pharmacy), and a
// restricted record loses address, telecom and GP.
import { isValidNhsNumber } from '../../protocols/ids/nhs-number';
import { json, type Route, type SandboxRequest, type SandboxResponse } from '../http/router';
import { PatientFileError, PatientStore, type SandboxPatient } from './patients';
import { isRefusal, type RouteModule } from '../http/context';
import type { DirectoryStore } from '../directory/directory';

const FHIR = 'application/fhir+json';
const SPINE_CODES = 'https://fhir.nhs.uk/R4/CodeSystem/Spine-ErrorOrWarningCode';
const UK = 'https://fhir.hl7.org.uk/StructureDefinition/';
const ODS = 'https://fhir.nhs.uk/Id/ods-organization-code';
const VERSION = '1';

function outcomeResource(
  severity: 'error' | 'information',
  code: string,
  spineCode: string,
  diagnostics: string,
  expression?: string,
): Record<string, unknown> {
  return {
    resourceType: 'OperationOutcome',
    issue: [
      {
        severity,
        code,
        details: { coding: [{ system: SPINE_CODES, version: '1', code: spineCode, display: diagnostics }] },
        diagnostics,
        ...(expression ? { expression: [expression] } : {}),
      },
    ],
  };
}

export function operationOutcome(
  status: number,
  code: string,
  spineCode: string,
  diagnostics: string,
  expression?: string,
): SandboxResponse {
  return json(status, outcomeResource('error', code, spineCode, diagnostics, expression), FHIR);
}

function toFhirPatient(
  p: SandboxPatient,
  directory: DirectoryStore,
  view: 'retrieve' | 'search' = 'retrieve',
): Record<string, unknown> {
  const pharmacy = p.nominatedPharmacy ? directory.organisation(p.nominatedPharmacy) : null;
  const withPharmacy = view === 'retrieve' && p.nominatedPharmacy;
  return {
    resourceType: 'Patient',
    id: p.nhsNumber,
    meta: {
      versionId: VERSION,
      security: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality',
          code: p.restricted ? 'R' : 'U',
          display: p.restricted ? 'restricted' : 'unrestricted',
        },
      ],
    },
    identifier: [
      {
        system: 'https://fhir.nhs.uk/Id/nhs-number',
        value: p.nhsNumber,
        extension: [
          {
            url: `${UK}Extension-UKCore-NHSNumberVerificationStatus`,
            valueCodeableConcept: {
              coding: [
                {
                  system: 'https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatus',
                  version: '1.0.0',
                  code: '01',
                  display: 'Number present and verified',
                },
              ],
            },
          },
        ],
      },
    ],
    name: [{ id: `${p.nhsNumber}-name`, use: 'usual', family: p.family, given: p.given, prefix: [p.prefix] }],
    gender: p.gender,
    birthDate: p.birthDate,
    ...(p.restricted
      ? {}
      : {
          address: [{ id: `${p.nhsNumber}-home`, use: 'home', line: p.addressLines, postalCode: p.postcode }],
          ...(p.phone
            ? { telecom: [{ id: `${p.nhsNumber}-phone`, system: 'phone', value: p.phone, use: 'home' }] }
            : {}),
          generalPractitioner: [
            { id: `${p.nhsNumber}-gp`, type: 'Organization', identifier: { system: ODS, value: p.gpOdsCode } },
          ],
        }),
    ...(withPharmacy
      ? {
          extension: [
            {
              url: `${UK}Extension-UKCore-NominatedPharmacy`,
              valueReference: {
                identifier: { system: ODS, value: p.nominatedPharmacy },
                ...(pharmacy ? { display: pharmacy.name } : {}),
              },
            },
          ],
        }
      : {}),
  };
}

const norm = (s: string) => s.trim().toUpperCase().replace(/\s+/g, ' ');
const SEARCH_PARAMS = new Set([
  'family',
  'given',
  'gender',
  'birthdate',
  'address-postalcode',
  '_max-results',
  '_exact-match',
  '_fuzzy-match',
  '_history',
]);

/** A family-name test: exact (case-insensitive) or a `*` wildcard, not in the first two characters. */
function familyMatcher(family: string): ((s: string) => boolean) | string {
  const f = norm(family);
  if (f.length > 35) return 'family is longer than 35 characters';
  if (!f.includes('*')) return (s) => norm(s) === f;
  if (f.indexOf('*') < 2) return 'a wildcard may not be in the first two characters of family';
  const re = new RegExp(
    '^' +
      f
        .split('*')
        .map((x) => x.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*') +
      '$',
  );
  return (s) => re.test(norm(s));
}

/** birthdate may repeat (a range) and take eq/ge/le prefixes. */
function dateMatcher(values: string[]): ((d: string) => boolean) | string {
  const tests: Array<(d: string) => boolean> = [];
  for (const v of values) {
    const m = /^(eq|ge|le)?(\d{4}-\d{2}-\d{2})$/.exec(v);
    if (!m || Number.isNaN(Date.parse(m[2]!))) return `Invalid value - '${v.slice(0, 40)}' in field 'birthdate'`;
    const [op, date] = [m[1] ?? 'eq', m[2]!];
    tests.push(op === 'eq' ? (d) => d === date : op === 'ge' ? (d) => d >= date : (d) => d <= date);
  }
  return (d) => tests.every((t) => t(d));
}

function search(req: SandboxRequest, patients: SandboxPatient[], directory: DirectoryStore): SandboxResponse {
  const q = req.query;
  const keys = [...new Set(q.keys())];
  if (!keys.length)
    return operationOutcome(
      400,
      'not-supported',
      'UNSUPPORTED_SERVICE',
      'A search needs parameters: at least family and birthdate.',
    );
  const unknown = keys.find((k) => !SEARCH_PARAMS.has(k));
  if (unknown)
    return operationOutcome(
      400,
      'structure',
      'ADDITIONAL_PROPERTIES',
      `Invalid request with additional parameter '${unknown.slice(0, 40)}'`,
      unknown.slice(0, 40),
    );
  if (q.get('_fuzzy-match') === 'true')
    return operationOutcome(
      400,
      'not-supported',
      'INVALID_SEARCH_DATA',
      'Fuzzy search is not supported by the sandbox; search by family and birthdate.',
      '_fuzzy-match',
    );
  const family = q.get('family'),
    birthdates = q.getAll('birthdate');
  if (!family || !birthdates.length)
    return operationOutcome(
      400,
      'required',
      'MISSING_VALUE',
      `Missing value - '${!family ? 'family' : 'birthdate'}'`,
      !family ? 'family' : 'birthdate',
    );
  const fam = familyMatcher(family);
  if (typeof fam === 'string') return operationOutcome(400, 'value', 'INVALID_SEARCH_DATA', fam, 'family');
  const born = dateMatcher(birthdates);
  if (typeof born === 'string') return operationOutcome(400, 'value', 'INVALID_VALUE', born, 'birthdate');
  const gender = q.get('gender');
  if (gender !== null && !['male', 'female', 'other', 'unknown'].includes(gender))
    return operationOutcome(
      400,
      'value',
      'INVALID_VALUE',
      `Invalid value - '${gender.slice(0, 20)}' in field 'gender'`,
      'gender',
    );
  const maxText = q.get('_max-results') ?? '50';
  if (!/^\d{1,2}$/.test(maxText) || Number(maxText) < 1 || Number(maxText) > 50)
    return operationOutcome(
      400,
      'value',
      'INVALID_VALUE',
      `Invalid value - '${maxText.slice(0, 20)}' in field '_max-results' (1 to 50)`,
      '_max-results',
    );
  const givens = q.getAll('given').map(norm);
  const postcode = q.get('address-postalcode');
  const pc = postcode === null ? null : norm(postcode).replace(/ /g, '');
  const hits = patients.filter(
    (p) =>
      fam(p.family) &&
      born(p.birthDate) &&
      givens.every((g, i) =>
        i === 0 ? norm(p.given.join(' ')).startsWith(g) : p.given.slice(1).some((x) => norm(x) === g),
      ) &&
      (gender === null || p.gender === gender) &&
      // A restricted record is never found by its address (PDS hides it entirely then).
      (pc === null || (!p.restricted && norm(p.postcode).replace(/ /g, '') === pc)),
  );
  if (hits.length > Number(maxText)) {
    // PDS answers 200 with TOO_MANY_MATCHES: the search is valid, it must be refined.
    return json(
      200,
      {
        resourceType: 'Bundle',
        type: 'searchset',
        total: 0,
        entry: [
          {
            resource: outcomeResource('information', 'multiple-matches', 'TOO_MANY_MATCHES', 'Too Many Matches'),
            search: { mode: 'outcome' },
          },
        ],
      },
      FHIR,
    );
  }
  return json(
    200,
    {
      resourceType: 'Bundle',
      type: 'searchset',
      total: hits.length,
      entry: hits.map((p) => ({
        fullUrl: `${req.headers.host ? `https://${req.headers.host}` : ''}/Patient/${p.nhsNumber}`,
        search: { score: 1 },
        resource: toFhirPatient(p, directory, 'search'),
      })),
    },
    FHIR,
  );
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** PDS makes X-Request-ID mandatory (a UUID), so clients learn to send it. */
function requestIdProblem(req: SandboxRequest): SandboxResponse | null {
  const id = req.headers['x-request-id'];
  if (typeof id !== 'string' || !id)
    return operationOutcome(400, 'required', 'MISSING_VALUE', "Missing value - 'X-Request-ID'", 'X-Request-ID');
  if (!UUID.test(id))
    return operationOutcome(
      400,
      'value',
      'INVALID_VALUE',
      `Invalid value - '${id.slice(0, 40)}' in header 'X-Request-ID'`,
      'X-Request-ID',
    );
  return null;
}

/** The patient index, or the answer to give when patients.json was edited into something invalid. */
function readPatients(patients: () => SandboxPatient[]): SandboxPatient[] | SandboxResponse {
  try {
    return patients();
  } catch (e) {
    if (e instanceof PatientFileError)
      return operationOutcome(
        503,
        'exception',
        'SERVICE_UNAVAILABLE',
        `The sandbox's patient index cannot be read: ${e.message}`,
      );
    throw e;
  }
}

/** The index's routes over `<data dir>/patients.json`, read at mount so a broken file stops the start with its problems named. */
export const pdsRoutes: RouteModule = (ctx) => {
  const patients = new PatientStore(ctx.dataDir);
  patients.read();
  return patientRoutes({
    patients: () => patients.read(),
    directory: ctx.directory,
    authorise: (req) => {
      const a = ctx.authorise(req);
      return isRefusal(a) ? a : null;
    },
  });
};

function patientRoutes(deps: {
  patients: () => SandboxPatient[];
  directory: DirectoryStore;
  authorise: (req: SandboxRequest) => SandboxResponse | null;
}): Route[] {
  return [
    {
      method: 'GET',
      path: '/Patient/{nhsNumber}',
      handle: (req) => {
        const refused = deps.authorise(req) ?? requestIdProblem(req);
        if (refused) return refused;
        const n = req.params.nhsNumber ?? '';
        if (!isValidNhsNumber(n) || n.length !== 10)
          return operationOutcome(
            400,
            'value',
            'INVALID_RESOURCE_ID',
            `Resource Id is invalid: '${n.slice(0, 20)}' is not a valid NHS number.`,
            'Patient.id',
          );
        const all = readPatients(deps.patients);
        if (!Array.isArray(all)) return all;
        const p = all.find((x) => x.nhsNumber === n);
        if (!p)
          return operationOutcome(
            404,
            'not-found',
            'RESOURCE_NOT_FOUND',
            `Patient record not found: no patient has the NHS number ${n}.`,
          );
        const answer = json(200, toFhirPatient(p, deps.directory), FHIR);
        return { ...answer, headers: { ...answer.headers, etag: `W/"${VERSION}"` } };
      },
    },
    {
      method: 'GET',
      path: '/Patient',
      handle: (req) => {
        const refused = deps.authorise(req) ?? requestIdProblem(req);
        if (refused) return refused;
        const all = readPatients(deps.patients);
        return Array.isArray(all) ? search(req, all, deps.directory) : all;
      },
    },
  ];
}
