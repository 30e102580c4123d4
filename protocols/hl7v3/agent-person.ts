// The people in a prescription message: the author (exactly the signed AgentPerson fragment), the
// responsible party (whose agentPerson id is the spurious code, else the DIN, else the professional
// code; or an organisation alone) and the cancel-request variants (the SDS user ID as agentPerson id,
// no provider licence). Built on the mappings of protocols/eps/fragments (eps.md §4.9). Pure.
import { el, type XmlElement, type XmlNode } from '../xml/canonical';
import {
  FragmentError,
  agentPerson,
  agentTelecoms,
  arr,
  byReference,
  identifier,
  obj,
  professionalCode,
  representedOrganization,
  str,
  type Json,
} from '../eps/fragments';
import { SDS_USER, withoutNamespace } from './message';

const PROF = '1.2.826.0.1285.0.2.1.54';
const RESPONSIBLE_PRACTITIONER = 'https://fhir.nhs.uk/StructureDefinition/Extension-DM-ResponsiblePractitioner';

const isElement = (n: XmlNode): n is XmlElement => typeof n !== 'string';

/** A copy of `parent` whose first child called `name` is replaced by `fn(child)` (null removes it). */
function replaceChild(parent: XmlElement, name: string, fn: (child: XmlElement) => XmlElement | null): XmlElement {
  const children: XmlNode[] = [];
  let done = false;
  for (const c of parent.children ?? []) {
    if (!done && isElement(c) && c.name === name) {
      done = true;
      const r = fn(c);
      if (r) children.push(r);
    } else children.push(c);
  }
  return { ...parent, children };
}

/** Sets the person id inside AgentPerson/agentPerson (first child, as HL7 orders it). */
function withPersonId(agent: XmlElement, id: XmlElement | null): XmlElement {
  return replaceChild(agent, 'agentPerson', (person) => {
    const rest = (person.children ?? []).filter((c) => !(isElement(c) && c.name === 'id'));
    return { ...person, children: id ? [id, ...rest] : rest };
  });
}

/** The requester's PractitionerRole, or a FragmentError naming MedicationRequest.requester. */
function requesterRole(bundle: Json, mr: Json): Json {
  const role = byReference(bundle, str(obj(mr.requester).reference));
  if (!role) throw new FragmentError('The requester is not in the Bundle.', 'MedicationRequest.requester');
  return role;
}

/** The ResponsiblePractitioner extension's PractitionerRole, else the requester's. */
function responsibleRole(bundle: Json, mr: Json): Json {
  const ext = arr(mr.extension).find((e) => e.url === RESPONSIBLE_PRACTITIONER);
  if (!ext) return requesterRole(bundle, mr);
  const role = byReference(bundle, str(obj(ext.valueReference).reference));
  if (!role)
    throw new FragmentError('The responsible practitioner is not in the Bundle.', 'MedicationRequest.extension');
  return role;
}

/** The prescription's author: the AgentPerson fragment the prescriber signed, unchanged. */
export function authorAgentPerson(bundle: Json, mr: Json): XmlElement {
  return withoutNamespace(agentPerson(bundle, requesterRole(bundle, mr)));
}

/** Responsible party person id: the NHSBSA spurious code, else the DIN, else the professional code. */
function responsibleId(role: Json, practitioner: Json): XmlElement {
  const code =
    identifier(role, 'https://fhir.hl7.org.uk/Id/nhsbsa-spurious-code') ??
    identifier(practitioner, 'https://fhir.hl7.org.uk/Id/din-number') ??
    professionalCode(practitioner);
  return el('id', { extension: code, root: PROF });
}

/** An organisation that is responsible on its own (the practitioner only an identifier): its name stands for the person. */
function organisationOnly(bundle: Json, role: Json, withLicence = true): XmlElement {
  const org = byReference(bundle, str(obj(role.organization).reference)) ?? {};
  const practitioner = { identifier: [obj(obj(role.practitioner).identifier)] };
  const ods = identifier(org, 'https://fhir.nhs.uk/Id/ods-organization-code');
  if (!ods) throw new FragmentError('The responsible organisation has no ODS code.', 'Organization.identifier');
  const orgName = str(org.name);
  if (!orgName) throw new FragmentError('The responsible organisation has no name.', 'Organization.name');
  // EPS practitioner.ts hydrateOrgOnlyResponsibleParty, then convertPractitionerRole: no Practitioner
  // resource, so the telecoms fall back to the Organization's; the cost centre as for any role.
  return el(
    'AgentPerson',
    { classCode: 'AGNT' },
    ...agentTelecoms(role, undefined, org, !withLicence),
    // A cancellation has no person here (and so no person id to find).
    withLicence
      ? el(
          'agentPerson',
          { classCode: 'PSN', determinerCode: 'INSTANCE' },
          responsibleId(role, practitioner),
          el('name', {}, orgName),
        )
      : null,
    representedOrganization(bundle, role, org, withLicence),
  );
}

/** The prescription's responsible party (eps.md §4.9). */
export function responsibleAgentPerson(bundle: Json, mr: Json): XmlElement {
  const role = responsibleRole(bundle, mr);
  const ref = str(obj(role.practitioner).reference);
  if (!ref && obj(role.organization).reference) return organisationOnly(bundle, role);
  const practitioner = byReference(bundle, ref) ?? {};
  return withPersonId(withoutNamespace(agentPerson(bundle, role, 'responsible')), responsibleId(role, practitioner));
}

/** A cancel request's author or responsible party: the SDS user ID as the person's id, no provider licence. */
function cancelAgentPerson(bundle: Json, role: Json): XmlElement {
  if (!str(obj(role.practitioner).reference) && obj(role.organization).reference) {
    // An organisation alone: EPS's cancel mapping finds no practitioner, so no person and only the role's own telecom.
    let agent = replaceChild(organisationOnly(bundle, role, false), 'agentPerson', () => null);
    if (!arr(role.telecom).length)
      agent = { ...agent, children: (agent.children ?? []).filter((c) => !(isElement(c) && c.name === 'telecom')) };
    return replaceChild(agent, 'representedOrganization', (org) =>
      replaceChild(org, 'healthCareProviderLicense', () => null),
    );
  }
  const practitioner = byReference(bundle, str(obj(role.practitioner).reference)) ?? {};
  const userId = identifier(practitioner, 'https://fhir.nhs.uk/Id/sds-user-id');
  if (!userId) throw new FragmentError('The practitioner has no SDS user ID.', 'Practitioner.identifier');
  const agent = withPersonId(
    withoutNamespace(agentPerson(bundle, role, 'cancel')),
    el('id', { extension: userId, root: SDS_USER }),
  );
  return replaceChild(agent, 'representedOrganization', (org) =>
    replaceChild(org, 'healthCareProviderLicense', () => null),
  );
}

export function cancelAuthor(bundle: Json, mr: Json): XmlElement {
  return cancelAgentPerson(bundle, requesterRole(bundle, mr));
}

export function cancelResponsibleParty(bundle: Json, mr: Json): XmlElement {
  return cancelAgentPerson(bundle, responsibleRole(bundle, mr));
}
