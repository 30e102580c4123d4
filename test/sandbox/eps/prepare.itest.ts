// The sandbox's $prepare over real HTTPS, with its clock fixed to each example's timestamp, returns
// exactly the digest NHS England's own EPS returned for the same Bundle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { startSandbox } from '../../../sandbox/server';
import { httpsClient } from '../support/sandbox-client';
import { epsExamples } from '../../support/fixtures';

const examples = epsExamples;
type Params = { parameter: Array<{ name: string; valueString: string }> };
const param = (p: Params, n: string) => p.parameter.find((x) => x.name === n)?.valueString;

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

const cases = walk(examples)
  .filter((f) => /Prepare-Request.*\.json$/.test(f))
  .map((req) => ({
    req,
    res: JSON.parse(readFileSync(req.replace('Prepare-Request', 'Prepare-Response'), 'utf8')) as Params,
  }))
  .filter((c) => param(c.res, 'algorithm') === 'RS256');

test('sandbox $prepare matches every RS256 example digest', async () => {
  assert.ok(cases.length >= 10, 'cases.length >= 10');
  const byTime = new Map<string, typeof cases>();
  for (const c of cases) byTime.set(param(c.res, 'timestamp')!, [...(byTime.get(param(c.res, 'timestamp')!) ?? []), c]);
  for (const [timestamp, group] of byTime) {
    const dir = mkdtempSync(join(tmpdir(), 'scrip-prepare-'));
    const sb = await startSandbox({ dataDir: dir, clock: timestamp });
    try {
      const send = httpsClient(sb.baseUrl, sb.caCertPath);
      const session = sb.context.broker.scriptedSession('555086689106', '200102238987');
      assert.ok(typeof session !== 'string', String(session));
      for (const c of group) {
        const r = await send('/FHIR/R4/$prepare', {
          method: 'POST',
          body: readFileSync(c.req),
          headers: {
            'content-type': 'application/fhir+json',
            authorization: `Bearer ${session.token}`,
            'nhsd-session-urid': '200102238987',
            'x-request-id': crypto.randomUUID(),
          },
        });
        assert.equal(r.status, 200, `${relative(examples, c.req)}: ${r.body}`);
        const got = JSON.parse(r.body) as Params;
        assert.equal(param(got, 'timestamp'), timestamp);
        assert.equal(param(got, 'algorithm'), 'RS256');
        assert.equal(param(got, 'digest'), param(c.res, 'digest'), relative(examples, c.req));
      }
      const unauth = await send('/FHIR/R4/$prepare', {
        method: 'POST',
        body: readFileSync(group[0]!.req),
        headers: { 'content-type': 'application/fhir+json' },
      });
      assert.equal(unauth.status, 401, 'no session: refused as unauthenticated');
    } finally {
      await sb.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
});
