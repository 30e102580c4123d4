// EPS's view of XML (xml-js compact): whitespace-only text and comments dropped, siblings grouped by
// name, attribute line breaks as spaces; its canonical form written directly equals the one made by
// writing, parsing and canonicalising (EPS's own path) on NHS England's resources and on prefixed XML.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseXmlSafely } from '../../../protocols/xml/parse';
import { epsCanonical, epsCanonicalByParsing, epsView } from '../../../protocols/xml/eps-view';
import { canonicalize } from '../../../protocols/xml/canonical';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'eps-signed-prescriptions');
const view = (xml: string) => epsView(parseXmlSafely(xml).documentElement!);

test('whitespace-only text and comments go; siblings are grouped by name; texts joined with a line break', () => {
  const v = view('<a x="1&#10;2">\n  <b>one</b>\n  <!-- note --><c/>\n  <b>two</b>t1<?pi x?><d/>t2\n</a>');
  assert.equal(
    canonicalize(v),
    '<a x="1 2"><b>one</b><b>two</b><c></c>t1\nt2\n<d></d></a>',
    'as xml-js compact writes it back',
  );
});

test("the direct canonical form equals EPS's write-parse-canonicalise path", () => {
  for (const name of ['ValidSignature', 'SignatureAlgorithmSha256']) {
    const v = view(readFileSync(join(fixtures, `${name}.xml`), 'utf8'));
    assert.equal(epsCanonical(v), epsCanonicalByParsing(v), `${name}: the whole ParentPrescription`);
  }
  const withNs = view('<r xmlns="urn:x"><s xmlns="urn:x"/><p:t xmlns:p="urn:p" xmlns:q="urn:q">x</p:t></r>');
  assert.equal(
    epsCanonical(withNs),
    '<r xmlns="urn:x"><s></s><p:t xmlns:p="urn:p">x</p:t></r>',
    'redundant and unused declarations dropped, as exc-c14n says',
  );
});
