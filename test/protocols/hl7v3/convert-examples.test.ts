// Scrip's HL7 v3 translation against NHS England's own `$convert` answers: for every
// Convert-Response in the public examples whose request is beside it, the same Bundle must give the
// same element tree, attributes and text. Only what EPS stamps per call is set aside (PER_CALL in
// xml-compare.ts: creationTime, and a cancellation's effectiveTime).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { convertBundle } from '../../../protocols/hl7v3/convert';
import { parseXmlSafely } from '../../../protocols/xml/parse';
import { examplePairs, firstDifference } from './xml-compare';

// The headers and configuration those example calls were made with (the same in all 20): they are
// inputs to the translation, not something to ignore.
const CALL = {
  senderAsid: '200000001285',
  receiverAsid: '567456789789',
  userId: '555254239107',
  roleProfileId: '555254240100',
};

const pairs = examplePairs();

test('the examples hold 20 Convert-Responses with their requests (10 send, 10 cancel)', () => {
  assert.equal(pairs.filter((p) => p.name.includes('-Send-')).length, 10);
  assert.equal(pairs.filter((p) => p.name.includes('-Cancel-')).length, 10);
});

for (const p of pairs) {
  test(`$convert matches EPS: ${p.name}`, () => {
    const bundle = JSON.parse(readFileSync(p.request, 'utf8')) as Record<string, unknown>;
    const ours = convertBundle(bundle, { ...CALL, now: new Date('2026-11-30T12:00:00Z') });
    const mine = parseXmlSafely(ours.xml).documentElement!;
    const theirs = parseXmlSafely(readFileSync(p.response, 'utf8')).documentElement!;
    assert.equal(firstDifference(mine, theirs), null);
  });
}

test('the comparison sees a one-character change in a value and a missing element', () => {
  const p = pairs[0]!;
  const text = readFileSync(p.response, 'utf8');
  const theirs = parseXmlSafely(text).documentElement!;
  const changed = parseXmlSafely(
    text
      .replace('codeSystem="2.16.840.1.113883.2.1.4.1"', 'codeSystem="2.16.840.1.113883.2.1.4.2"')
      .replace(
        /<id extension="(\d{10})" root="2.16.840.1.113883.2.1.4.1"\/>/,
        '<id extension="$1" root="2.16.840.1.113883.2.1.4.2"/>',
      ),
  ).documentElement!;
  assert.match(firstDifference(changed, theirs) ?? '', /recordTarget\/Patient\/id\/@root/);
  const fewer = parseXmlSafely(text.replace(/<birthTime value="\d+"\/>/, '')).documentElement!;
  assert.match(firstDifference(fewer, theirs) ?? '', /patientPerson/);
  const creation = parseXmlSafely(
    text.replace(/<creationTime value="\d+"\/>/, '<creationTime value="20300101000000"/>'),
  ).documentElement!;
  assert.equal(firstDifference(creation, theirs), null, 'creationTime is per call');
});
