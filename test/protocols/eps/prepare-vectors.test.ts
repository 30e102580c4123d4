// Proof on vectors nobody on this project wrote: for every Prepare-Request in NHS England's public
// EPS examples whose response is RS256, Scrip's own fragment builder and canonicaliser, given the
// response's timestamp, compute exactly the response's `digest`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { prepareDigest, canonicalSignedInfo } from '../../../protocols/eps/fragments';
import { epsExamples } from '../../support/fixtures';

const examples = epsExamples;
const hash = (alg: 'sha256' | 'sha1', data: string) => createHash(alg).update(data, 'utf8').digest('base64');

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

const pairs = walk(examples)
  .filter((f) => /Prepare-Request.*\.json$/.test(f))
  .map((req) => ({ req, res: req.replace('Prepare-Request', 'Prepare-Response') }));

type Params = { parameter: Array<{ name: string; valueString: string }> };
const param = (p: Params, n: string) => p.parameter.find((x) => x.name === n)!.valueString;

test('the examples are there', () => {
  assert.ok(pairs.length >= 10, `found ${pairs.length} Prepare-Request examples under ${examples}`);
});

// The one RS1 response (Multiple-Dosages) carries the digest of a different prescription — the
// eRD spec example's h0GfqGJ9xTn+13/o+elmbONIDV4= (eps.md §1.4) — so only its SignedInfo shape can be
// checked, below; every RS256 example is checked byte for byte.
const rs256 = pairs.filter(
  ({ res }) => param(JSON.parse(readFileSync(res, 'utf8')) as Params, 'algorithm') === 'RS256',
);
const rs1 = pairs.filter((p) => !rs256.includes(p));

test('all but one example are RS256', () => {
  assert.equal(rs1.length, 1);
  assert.ok(rs256.length >= 10, 'rs256.length >= 10');
});

test('the RS1 SignedInfo has exactly the shape of the RS1 example, digest aside', () => {
  const expected = Buffer.from(
    param(JSON.parse(readFileSync(rs1[0]!.res, 'utf8')) as Params, 'digest'),
    'base64',
  ).toString('utf8');
  const digest = /<DigestValue>([^<]*)<\/DigestValue>/.exec(expected)![1]!;
  assert.equal(canonicalSignedInfo(digest, 'RS1'), expected);
});

for (const { req, res } of rs256) {
  const response = JSON.parse(readFileSync(res, 'utf8')) as Params;
  test(`$prepare digest matches: ${relative(examples, req)}`, () => {
    const bundle = JSON.parse(readFileSync(req, 'utf8')) as Record<string, unknown>;
    const mine = prepareDigest(bundle, param(response, 'timestamp'), 'RS256', hash);
    const expected = Buffer.from(param(response, 'digest'), 'base64').toString('utf8');
    assert.equal(mine.signedInfo, expected);
    assert.equal(mine.digest, param(response, 'digest'));
  });
}
