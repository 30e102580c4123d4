// The SSB's SAML 1.1 Role Assertion (spine-identity.md §2.9): who the session is, the role chosen
// for it (ssbSessionRoleUid) and one block of attributes per role profile, each block starting at
// its nhsIDCode. Built by the sandbox, read by the client. Pure.
import { DOMParser, type Document } from '@xmldom/xmldom';
import { escapeXml } from './gpobject';

const SYNTEGRA_NS = 'http://www.syntegra.com';

interface SamlRole {
  id: string;
  orgCode: string;
  orgName: string;
  jobRoleName: string;
  jobRoleCode: string;
  activities: string[];
}

interface RoleAssertion {
  uid: string;
  cn: string;
  selectedRoleId: string | null;
  ssbMode: '0' | '1';
  roles: SamlRole[];
  token: string;
  issueInstant: string;
  notBefore: string;
  notOnOrAfter: string;
}

export class SamlError extends Error {}

function attr(name: string, values: string[]): string {
  return `<saml:Attribute AttributeName="${name}" AttributeNamespace="${SYNTEGRA_NS}">${values.map((v) => `<saml:AttributeValue>${escapeXml(v)}</saml:AttributeValue>`).join('')}</saml:Attribute>`;
}

export function buildRoleAssertion(
  a: RoleAssertion,
  ids: { responseId: string; assertionId: string; issuer: string },
): string {
  const attrs = [
    attr('ssbAssertionVersion', ['1.1']),
    attr('cn', [a.cn]),
    attr('uid', [a.uid]),
    ...(a.selectedRoleId ? [attr('ssbSessionRoleUid', [a.selectedRoleId])] : []),
    attr('ssbMode', [a.ssbMode]),
    ...a.roles.flatMap((r) => [
      attr('nhsIDCode', [r.orgCode]),
      attr('o', [r.orgName]),
      attr('nhsJobRole', [r.jobRoleName]),
      attr('nhsJobRoleCode', [r.jobRoleCode]),
      attr('uniqueIdentifier', [r.id]),
      ...(r.activities.length ? [attr('nhsBusinessFunctionsCodes', [r.activities.join(' ')])] : []),
    ]),
  ].join('');
  const subject = `<saml:Subject><saml:NameIdentifier>uid=${escapeXml(a.uid)},ou=People,o=nhs</saml:NameIdentifier><saml:SubjectConfirmation><saml:ConfirmationMethod>urn:com:sun:identity</saml:ConfirmationMethod><saml:SubjectConfirmationData>${escapeXml(a.token)}</saml:SubjectConfirmationData></saml:SubjectConfirmation></saml:Subject>`;
  return (
    `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:1.0:protocol" MajorVersion="1" MinorVersion="1" ResponseID="${ids.responseId}" IssueInstant="${a.issueInstant}">` +
    `<samlp:Status><samlp:StatusCode Value="samlp:Success"/></samlp:Status>` +
    `<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:1.0:assertion" MajorVersion="1" MinorVersion="1" AssertionID="${ids.assertionId}" Issuer="${escapeXml(ids.issuer)}" IssueInstant="${a.issueInstant}">` +
    `<saml:Conditions NotBefore="${a.notBefore}" NotOnOrAfter="${a.notOnOrAfter}"/>` +
    `<saml:AuthenticationStatement AuthenticationMethod="urn:com:sun:identity:ExtendedLoginModule" AuthenticationInstant="${a.issueInstant}">${subject}</saml:AuthenticationStatement>` +
    `<saml:AttributeStatement>${subject}${attrs}</saml:AttributeStatement>` +
    `</saml:Assertion></samlp:Response>`
  );
}

/** Reads a Role Assertion. Refuses DOCTYPEs (no entity expansion of any kind). */
export function parseRoleAssertion(xml: string): RoleAssertion {
  if (xml.length > 512 * 1024) throw new SamlError('assertion too large');
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new SamlError('DOCTYPE not allowed in a role assertion');
  let doc: Document;
  try {
    doc = new DOMParser({
      onError: (level, msg) => {
        if (level !== 'warning') throw new SamlError(msg);
      },
    }).parseFromString(xml, 'text/xml');
  } catch (e) {
    throw e instanceof SamlError ? e : new SamlError('not XML');
  }
  const all = Array.from(doc.getElementsByTagNameNS('urn:oasis:names:tc:SAML:1.0:assertion', 'Attribute'));
  if (!all.length) throw new SamlError('no attributes in the role assertion');
  const person: Record<string, string> = {};
  const roles: SamlRole[] = [];
  let cur: (Partial<SamlRole> & { orgCode?: string }) | null = null;
  const flush = () => {
    if (cur?.id && cur.orgCode)
      roles.push({
        id: cur.id,
        orgCode: cur.orgCode,
        orgName: cur.orgName ?? '',
        jobRoleName: cur.jobRoleName ?? '',
        jobRoleCode: cur.jobRoleCode ?? '',
        activities: cur.activities ?? [],
      });
  };
  for (const el of all) {
    const name = el.getAttribute('AttributeName') ?? '';
    const value = Array.from(el.getElementsByTagNameNS('urn:oasis:names:tc:SAML:1.0:assertion', 'AttributeValue'))
      .map((v) => v.textContent ?? '')
      .join(' ')
      .trim();
    switch (name) {
      case 'nhsIDCode':
        flush();
        cur = { orgCode: value };
        break;
      case 'o':
        if (cur) cur.orgName = value;
        break;
      case 'nhsJobRole':
        if (cur) cur.jobRoleName = value;
        break;
      case 'nhsJobRoleCode':
        if (cur) cur.jobRoleCode = value;
        break;
      case 'uniqueIdentifier':
        if (cur) cur.id = value;
        break;
      case 'nhsBusinessFunctionsCodes':
        if (cur) cur.activities = value.split(/\s+/).filter(Boolean);
        break;
      default:
        if (!cur) person[name] = value;
    }
  }
  flush();
  const conditions = doc.getElementsByTagNameNS('urn:oasis:names:tc:SAML:1.0:assertion', 'Conditions')[0];
  const confirmation = doc.getElementsByTagNameNS(
    'urn:oasis:names:tc:SAML:1.0:assertion',
    'SubjectConfirmationData',
  )[0];
  const response = doc.documentElement;
  return {
    uid: person.uid ?? '',
    cn: person.cn ?? '',
    selectedRoleId: person.ssbSessionRoleUid ?? null,
    ssbMode: person.ssbMode === '1' ? '1' : '0',
    roles,
    token: confirmation?.textContent ?? '',
    issueInstant: response?.getAttribute('IssueInstant') ?? '',
    notBefore: conditions?.getAttribute('NotBefore') ?? '',
    notOnOrAfter: conditions?.getAttribute('NotOnOrAfter') ?? '',
  };
}
