// Second, independent proof of the signed content: EPS's own HL7 v3 ParentPrescriptions (the
// `Convert-Response-Send` examples), with the fragment rules of eps.md §2.3 applied by Scrip's
// DOM exc-c14n, give exactly the fragments Scrip builds from the FHIR Bundle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { canonicalFragments, hl7Time } from '../../../protocols/eps/fragments';
import { excC14n, type DomNode } from '../../../protocols/xml/exc-c14n';
import { parseXmlSafely, childElements } from '../../../protocols/xml/parse';
import { epsExamples } from '../../support/fixtures';

const examples = epsExamples;
const walk = (d: string): string[] =>
  readdirSync(d).flatMap((n) => {
    const p = join(d, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
const converts = walk(examples).filter(
  (f) =>
    f.endsWith('1-Convert-Response-Send-200_OK.xml') &&
    existsSync(f.replace('1-Convert-Response-Send-200_OK.xml', '1-Prepare-Request-200_OK.json')),
);

type Mutable = DomNode & {
  removeChild(c: unknown): void;
  setAttribute(n: string, v: string): void;
  parentNode: Mutable | null;
};
function dropIndentation(n: DomNode): void {
  for (let i = n.childNodes.length - 1; i >= 0; i--) {
    const c = n.childNodes.item(i)!;
    if (c.nodeType === 3 && !(c.data ?? '').trim()) (n as Mutable).removeChild(c);
    else dropIndentation(c);
  }
}
const path = (n: DomNode, ...names: string[]): DomNode =>
  names.reduce((at, name) => {
    const c = childElements(at, name)[0];
    assert.ok(c, `no ${name}`);
    return c;
  }, n);

function fragmentsFromHl7(xml: string, timestamp: string): string {
  const doc = parseXmlSafely(xml);
  dropIndentation(doc);
  const parent = path(doc.documentElement!, 'ControlActEvent', 'subject', 'ParentPrescription');
  const prescription = path(parent, 'pertinentInformation1', 'pertinentPrescription');
  const author = path(prescription, 'author');
  const time = path(author, 'time') as Mutable;
  time.setAttribute('value', hl7Time(timestamp)); // EPS sets author/time to $prepare's timestamp
  const items = childElements(prescription, 'pertinentInformation2').map((p) => path(p, 'pertinentLineItem'));
  for (const item of items) {
    for (const rn of childElements(item, 'repeatNumber'))
      for (const low of childElements(rn, 'low')) (rn as Mutable).removeChild(low);
    for (const status of childElements(item, 'pertinentInformation4')) (item as Mutable).removeChild(status);
  }
  const frag = (...nodes: DomNode[]) => `<Fragment>${nodes.map((n) => excC14n(n)).join('')}</Fragment>`;
  return `<FragmentsToBeHashed>${frag(time, childElements(prescription, 'id')[0]!)}${frag(path(author, 'AgentPerson'))}${frag(path(parent, 'recordTarget'))}${items.map((i) => frag(i)).join('')}</FragmentsToBeHashed>`;
}

test('there are Convert examples with their Prepare-Request', () =>
  assert.ok(converts.length >= 8, String(converts.length)));

for (const convert of converts) {
  test(`fragments equal those of EPS's ParentPrescription: ${relative(examples, convert)}`, () => {
    const dir = dirname(convert);
    const bundle = JSON.parse(readFileSync(join(dir, '1-Prepare-Request-200_OK.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    const response = JSON.parse(readFileSync(join(dir, '1-Prepare-Response-200_OK.json'), 'utf8')) as {
      parameter: Array<{ name: string; valueString: string }>;
    };
    const timestamp = response.parameter.find((p) => p.name === 'timestamp')!.valueString;
    assert.equal(canonicalFragments(bundle, timestamp), fragmentsFromHl7(readFileSync(convert, 'utf8'), timestamp));
  });
}
