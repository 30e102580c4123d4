// What Scrip sends is what was signed: EPS derives the FragmentsToBeHashed from the ParentPrescription
// itself (eps.md §2.3), so taking them out of Scrip's ParentPrescription the EPS way must give the
// digest NHS England's $prepare returned. And a Bundle that cannot be translated is refused by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DOMParser, XMLSerializer, type Element, type Node } from '@xmldom/xmldom';
import { convertBundle, ConvertError } from '../../../protocols/hl7v3/convert';
import { excC14n, type DomNode } from '../../../protocols/xml/exc-c14n';
import { epsExamples } from '../../support/fixtures';

const EXAMPLES = epsExamples;
const CALL = {
  senderAsid: '200000001285',
  receiverAsid: '567456789789',
  userId: '555254239107',
  roleProfileId: '555254240100',
};
const walk = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? walk(join(dir, d.name)) : [join(dir, d.name)],
  );
type Params = { parameter: Array<{ name: string; valueString: string }> };
const param = (p: Params, n: string) => p.parameter.find((x) => x.name === n)!.valueString;
const read = (f: string) => JSON.parse(readFileSync(f, 'utf8')) as Record<string, unknown>;

function stripWhitespace(n: Node): void {
  for (let c = n.firstChild; c;) {
    const next = c.nextSibling;
    if (c.nodeType === 3 && !(c.nodeValue ?? '').trim()) n.removeChild(c);
    else stripWhitespace(c);
    c = next;
  }
}
const byName = (root: Element, name: string): Element[] =>
  Array.from(root.getElementsByTagNameNS('urn:hl7-org:v3', name));
const child = (e: Element, name: string): Element =>
  Array.from(e.childNodes).find((c) => c.nodeType === 1 && (c as Element).localName === name) as Element;

/** EPS's extractFragments + convertFragmentsToHashableFormat, applied to a ParentPrescription document. */
function fragmentsDigest(xml: string): string {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  stripWhitespace(doc);
  const prescription = byName(doc.documentElement!, 'pertinentPrescription')[0]!;
  const author = child(prescription, 'author');
  const items = byName(prescription, 'pertinentLineItem');
  for (const item of items) {
    const rn = child(item, 'repeatNumber');
    if (rn) rn.removeChild(child(rn, 'low'));
  }
  const s = new XMLSerializer();
  const frag = (...nodes: Element[]) => `<Fragment>${nodes.map((n) => s.serializeToString(n)).join('')}</Fragment>`;
  const text = `<FragmentsToBeHashed>${frag(child(author, 'time'), child(prescription, 'id'))}${frag(child(author, 'AgentPerson'))}${frag(byName(doc.documentElement!, 'recordTarget')[0]!)}${items.map((i) => frag(i)).join('')}</FragmentsToBeHashed>`;
  const canonical = excC14n(new DOMParser().parseFromString(text, 'text/xml') as unknown as DomNode);
  return createHash('sha256').update(canonical, 'utf8').digest('base64');
}

const prepares = walk(EXAMPLES)
  .filter((f) => /Prepare-Request.*\.json$/.test(f))
  .map((req) => ({ req, res: read(req.replace('Prepare-Request', 'Prepare-Response')) as unknown as Params }))
  .filter(({ res }) => param(res, 'algorithm') === 'RS256');

test('the fragments inside every converted RS256 Prepare-Request hash to the digest EPS prepared', () => {
  assert.ok(prepares.length >= 10, 'prepares.length >= 10');
  for (const { req, res } of prepares) {
    const { xml } = convertBundle(read(req), { ...CALL, now: new Date(param(res, 'timestamp')) });
    const signedInfo = Buffer.from(param(res, 'digest'), 'base64').toString('utf8');
    const expected = /<DigestValue>([^<]+)<\/DigestValue>/.exec(signedInfo)![1];
    assert.equal(fragmentsDigest(xml), expected, req);
  }
});

test('an unsigned bundle gets the call time as author time and a not-applicable signature', () => {
  const { req } = prepares[0]!;
  const { xml, interactionId } = convertBundle(read(req), { ...CALL, now: new Date('2026-11-30T14:05:06Z') });
  assert.equal(interactionId, 'PORX_IN020101SM31');
  assert.match(
    xml,
    /<author contextControlCode="OP" typeCode="AUT">\s*<time value="20261130140506"\/>\s*<signatureText nullFlavor="NA"\/>/,
  );
  assert.match(xml, /<creationTime value="20261130140506"\/>/);
});

test('without a session user and role the ControlActEvent has only the system author, as EPS writes it', () => {
  const { xml } = convertBundle(read(prepares[0]!.req), { senderAsid: '1', receiverAsid: '2', now: new Date() });
  assert.doesNotMatch(xml, /AgentPersonSDS/);
  assert.match(xml, /<author1 typeCode="AUT">/);
});

const cancel = walk(EXAMPLES).find((f) => f.endsWith('cancellations/1-Process-Request-Cancel-200_OK.json'))!;
const send = walk(EXAMPLES).find(
  (f) =>
    f.endsWith('medical-prescriber/1-Process-Request-Send-200_OK.json') && f.includes('/acute/nominated-pharmacy/'),
)!;
type B = { entry: Array<{ resource: Record<string, unknown> }> };
const refusal = (bundle: Record<string, unknown>, expression: string | RegExp) => {
  assert.throws(
    () => convertBundle(bundle, { ...CALL, now: new Date() }),
    (e: unknown) => {
      assert.ok(e instanceof ConvertError, String(e));
      if (typeof expression === 'string') assert.equal(e.expression, expression, e.message);
      else assert.match(e.expression ?? '', expression);
      return true;
    },
  );
};

test('bundles that cannot be translated are refused naming the field', () => {
  refusal({ resourceType: 'Patient' }, 'Bundle.type');
  const other = read(send) as unknown as B;
  (other.entry[0]!.resource.eventCoding as { code: string }).code = 'dispense-notification';
  refusal(other as unknown as Record<string, unknown>, 'MessageHeader.eventCoding.code');
  const noId = read(send);
  delete noId.identifier;
  refusal(noId, 'Bundle.identifier');
  const badSig = read(send) as unknown as B;
  for (const e of badSig.entry)
    if (e.resource.resourceType === 'Provenance')
      (e.resource.signature as Array<{ data: string }>)[0]!.data = '!!!not base64';
  refusal(badSig as unknown as Record<string, unknown>, 'Provenance.signature.data');
  const notXml = read(send) as unknown as B;
  for (const e of notXml.entry)
    if (e.resource.resourceType === 'Provenance')
      (e.resource.signature as Array<{ data: string }>)[0]!.data = btoa('<Signature><unclosed></Signature>');
  refusal(notXml as unknown as Record<string, unknown>, 'Provenance.signature.data');
  const noSite = read(send) as unknown as B;
  for (const e of noSite.entry)
    if (e.resource.resourceType === 'MedicationRequest')
      delete (e.resource.dispenseRequest as Record<string, unknown>).extension;
  refusal(noSite as unknown as Record<string, unknown>, 'MedicationRequest.dispenseRequest.extension');
  const mixed = read(send) as unknown as B;
  const mrs = mixed.entry.filter((e) => e.resource.resourceType === 'MedicationRequest');
  mrs[1]!.resource.courseOfTherapyType = { coding: [{ code: 'continuous-repeat-dispensing' }] };
  refusal(mixed as unknown as Record<string, unknown>, 'MedicationRequest.courseOfTherapyType.coding');
  const two = read(cancel) as unknown as B;
  two.entry.push(two.entry.find((e) => e.resource.resourceType === 'MedicationRequest')!);
  refusal(two as unknown as Record<string, unknown>, 'Bundle.entry');
  const noReason = read(cancel) as unknown as B;
  for (const e of noReason.entry) if (e.resource.resourceType === 'MedicationRequest') delete e.resource.statusReason;
  refusal(noReason as unknown as Record<string, unknown>, 'MedicationRequest.statusReason');
});

test('text and attribute values are escaped, never markup', () => {
  const b = read(send) as unknown as B;
  const mr = b.entry.find((e) => e.resource.resourceType === 'MedicationRequest')!.resource;
  (mr.dosageInstruction as Array<{ text: string }>)[0]!.text = 'a < b & "c"</value><evil/>';
  const { xml } = convertBundle(b as unknown as Record<string, unknown>, { ...CALL, now: new Date() });
  assert.match(xml, /<value>a &lt; b &amp; "c"&lt;\/value&gt;&lt;evil\/&gt;<\/value>/);
  assert.doesNotMatch(xml, /<evil/);
});
