// A PDS-style patient index: GET /Patient/{nhsNumber} and GET /Patient?family=&birthdate=[&given=]
// [&address-postalcode=], as FHIR R4 Patient and searchset Bundle, errors as OperationOutcome.
import { isValidNhsNumber } from '../../protocols/ids/nhs-number';
import { json, type Route, type SandboxRequest, type SandboxResponse } from '../http/router';
import type { SandboxPatient } from './patients';
import type { DirectoryStore } from '../directory/directory';

const FHIR = 'application/fhir+json';

export function operationOutcome(status: number, code: string, spineCode: string, diagnostics: string, expression?: string): SandboxResponse {
  return json(status, {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code, details: { coding: [{ system: 'https://fhir.nhs.uk/R4/CodeSystem/Spine-ErrorOrWarningCode', code: spineCode, display: diagnostics }] }, diagnostics, ...(expression ? { expression: [expression] } : {}) }],
  }, FHIR);
}

export function toFhirPatient(p: SandboxPatient, directory: DirectoryStore): Record<string, unknown> {
  const pharmacy = p.nominatedPharmacy ? directory.organisation(p.nominatedPharmacy) : null;
  return {
    resourceType: 'Patient', id: p.nhsNumber,
    identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: p.nhsNumber }],
    name: [{ use: 'usual', family: p.family, given: p.given, prefix: [p.prefix] }],
    gender: p.gender, birthDate: p.birthDate,
    address: [{ use: 'home', line: p.addressLines, postalCode: p.postcode }],
    generalPractitioner: [{ type: 'Organization', identifier: { system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: p.gpOdsCode } }],
    ...(p.nominatedPharmacy ? { extension: [{
      url: 'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NominatedPharmacy',
      valueReference: { identifier: { system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: p.nominatedPharmacy }, ...(pharmacy ? { display: pharmacy.name } : {}) },
    }] } : {}),
  };
}

const norm = (s: string) => s.trim().toUpperCase().replace(/\s+/g, ' ');

export function pdsRoutes(deps: { patients: () => SandboxPatient[]; directory: DirectoryStore; authorise: (req: SandboxRequest) => SandboxResponse | null }): Route[] {
  return [
    {
      method: 'GET', path: '/Patient/{nhsNumber}', handle: (req) => {
        const denied = deps.authorise(req);
        if (denied) return denied;
        const n = req.params.nhsNumber ?? '';
        if (!isValidNhsNumber(n)) return operationOutcome(400, 'value', 'INVALID_RESOURCE_ID', `"${n.slice(0, 20)}" is not a valid NHS number.`, 'Patient.identifier');
        const p = deps.patients().find((x) => x.nhsNumber === n);
        if (!p) return operationOutcome(404, 'not-found', 'RESOURCE_NOT_FOUND', `No patient has the NHS number ${n}.`);
        return json(200, toFhirPatient(p, deps.directory), FHIR);
      },
    },
    {
      method: 'GET', path: '/Patient', handle: (req) => {
        const denied = deps.authorise(req);
        if (denied) return denied;
        const family = req.query.get('family'), birthdate = req.query.get('birthdate');
        const given = req.query.get('given'), postcode = req.query.get('address-postalcode');
        if (!family || !birthdate) return operationOutcome(400, 'required', 'MISSING_VALUE', 'A search needs family and birthdate.', !family ? 'family' : 'birthdate');
        const date = birthdate.replace(/^eq/, '');
        if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return operationOutcome(400, 'value', 'INVALID_SEARCH_DATA', 'birthdate must be YYYY-MM-DD.', 'birthdate');
        const hits = deps.patients().filter((p) => norm(p.family) === norm(family) && p.birthDate === date
          && (!given || p.given.some((g) => norm(g).startsWith(norm(given))))
          && (!postcode || norm(p.postcode).replace(/ /g, '') === norm(postcode).replace(/ /g, '')));
        if (hits.length > 50) return operationOutcome(400, 'multiple-matches', 'TOO_MANY_MATCHES', 'Too many patients match: add a given name or postcode.');
        return json(200, { resourceType: 'Bundle', type: 'searchset', total: hits.length, entry: hits.map((p) => ({ fullUrl: `Patient/${p.nhsNumber}`, search: { score: 1 }, resource: toFhirPatient(p, deps.directory) })) }, FHIR);
      },
    },
  ];
}
