import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { create } from 'xmlbuilder2';
import { excC14n, type DomNode } from '../../../protocols/xml/exc-c14n';
import { parseXmlSafely, XmlParseError, childElements } from '../../../protocols/xml/parse';
import { epsExamples } from '../../support/fixtures';

const fragmentsDir = join(epsExamples, 'signature-fragments');

// The pretty-printed example is EPS's object printed with indentation; EPS canonicalises the object
// itself, so the indentation text nodes are not part of what it hashed.
function dropIndentation(n: DomNode): void {
  for (let i = n.childNodes.length - 1; i >= 0; i--) {
    const c = n.childNodes.item(i)!;
    if (c.nodeType === 3 && !(c.data ?? '').trim()) (n as unknown as { removeChild(c: unknown): void }).removeChild(c);
    else dropIndentation(c);
  }
}

test('the EPS signature-fragments example canonicalises to exactly its Canonicalized.txt', () => {
  const doc = parseXmlSafely(
    readFileSync(join(fragmentsDir, 'PrepareIntermediate-Hl7V3SignatureFragments.xml'), 'utf8'),
  );
  dropIndentation(doc);
  const expected = readFileSync(
    join(fragmentsDir, 'PrepareIntermediate-Hl7V3SignatureFragmentsCanonicalized.txt'),
    'utf8',
  );
  assert.equal(excC14n(doc), expected.replace(/\n$/, ''));
});

const c = (xml: string) => excC14n(parseXmlSafely(xml));

test('empty elements become start/end pairs; attributes sort; namespace declarations come first', () => {
  assert.equal(c('<a z="1" b="2" xmlns="urn:x"/>'), '<a xmlns="urn:x" b="2" z="1"></a>');
});

test('unused namespace declarations are dropped, used ones move to where they are used', () => {
  assert.equal(c('<a xmlns:p="urn:p" xmlns:q="urn:q"><p:b/></a>'), '<a><p:b xmlns:p="urn:p"></p:b></a>');
});

test('a namespace already rendered by an output ancestor is not repeated', () => {
  assert.equal(c('<p:a xmlns:p="urn:p"><p:b><p:c/></p:b></p:a>'), '<p:a xmlns:p="urn:p"><p:b><p:c></p:c></p:b></p:a>');
});

test('xmlns="" is rendered only to undo a rendered default namespace', () => {
  assert.equal(c('<a xmlns="urn:x"><b xmlns=""/></a>'), '<a xmlns="urn:x"><b xmlns=""></b></a>');
  assert.equal(c('<a><b xmlns=""/></a>'), '<a><b></b></a>');
});

test('prefixed attributes sort by namespace URI after unqualified ones', () => {
  assert.equal(
    c('<a xmlns:z="urn:a" xmlns:b="urn:b" b:x="1" z:y="2" c="3"/>'),
    '<a xmlns:b="urn:b" xmlns:z="urn:a" c="3" z:y="2" b:x="1"></a>',
  );
});

test('text and attribute escaping; comments removed; CDATA becomes text', () => {
  assert.equal(
    c('<a t="&lt;&amp;&quot;&#9;&#10;&#13;&gt;">x &gt; y &amp; <![CDATA[<z>]]><!-- gone --></a>'),
    '<a t="&lt;&amp;&quot;&#x9;&#xA;&#xD;>">x &gt; y &amp; &lt;z&gt;</a>',
  );
});

test('a PI before the root is followed by a newline', () => {
  assert.equal(c('<?pi data?><a/>'), '<?pi data?>\n<a></a>');
});

test('a subtree keeps the namespace it inherits (SignedInfo inside Signature)', () => {
  const doc = parseXmlSafely(
    '<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo><X/></SignedInfo></Signature>',
  );
  const si = childElements(doc.documentElement!, 'SignedInfo')[0]!;
  assert.equal(excC14n(si), '<SignedInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X></X></SignedInfo>');
});

test('InclusiveNamespaces PrefixList keeps a listed prefix', () => {
  const doc = parseXmlSafely('<a xmlns:p="urn:p"><b/></a>');
  assert.equal(
    excC14n(childElements(doc.documentElement!, 'b')[0]!, { inclusivePrefixes: ['p'] }),
    '<b xmlns:p="urn:p"></b>',
  );
});

test('documents built with xmlbuilder2 canonicalise the same as parsed ones', () => {
  const built = create().ele('urn:hl7-org:v3', 'time', { value: '1' }).up().doc().node as unknown as DomNode;
  assert.equal(excC14n(built), '<time xmlns="urn:hl7-org:v3" value="1"></time>');
  const nested = create().ele('FragmentsToBeHashed').ele('Fragment').ele('urn:hl7-org:v3', 'id', { root: 'X' }).doc()
    .node as unknown as DomNode;
  assert.equal(
    excC14n(nested),
    '<FragmentsToBeHashed><Fragment><id xmlns="urn:hl7-org:v3" root="X"></id></Fragment></FragmentsToBeHashed>',
  );
});

test('unsafe or broken XML is refused', () => {
  assert.throws(
    () => parseXmlSafely('<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>'),
    XmlParseError,
  );
  assert.throws(() => parseXmlSafely('<a><b></a>'), XmlParseError);
  assert.throws(() => parseXmlSafely(`<a>${'x'.repeat(2000)}</a>`, 1000), XmlParseError);
  assert.throws(() => parseXmlSafely(''), XmlParseError);
});
