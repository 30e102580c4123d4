// The sandbox's $convert over real HTTPS with a scripted session: for every public Convert-Response
// with its request, the answer is application/xml and, with the clock at the examples' time, the same
// message EPS answered — the ControlActEvent naming this session's user and role instead of the
// example's. Bad input gets a FHIR OperationOutcome and a 4xx, never a 5xx.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox } from '../../../sandbox/server';
import { parseXmlSafely } from '../../../protocols/xml/parse';
import { httpsClient } from '../support/sandbox-client';
import { examplePairs, firstDifference } from '../../protocols/hl7v3/xml-compare';

const USER = '555086689106',
  ROLE = '200102238987';

test('sandbox $convert over HTTPS answers like EPS for every example, and refuses bad input with 4xx', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'scrip-convert-'));
  // The examples were made with EPS's clock at 2022-02-01T00:00:00Z.
  const sb = await startSandbox({ dataDir: dir, clock: '2022-02-01T00:00:00Z' });
  try {
    const send = httpsClient(sb.baseUrl, sb.caCertPath);
    const session = sb.context.broker.scriptedSession(USER, ROLE);
    assert.ok(typeof session !== 'string', String(session));
    const headers = {
      'content-type': 'application/fhir+json',
      authorization: `Bearer ${session.token}`,
      'nhsd-session-urid': ROLE,
      'nhsd-asid': '200000001285',
    };
    const post = (body: string | Buffer, h: Record<string, string> = headers) =>
      send('/FHIR/R4/$convert', { method: 'POST', body, headers: { ...h, 'x-request-id': crypto.randomUUID() } });

    const pairs = examplePairs();
    assert.equal(pairs.length, 20);
    for (const p of pairs) {
      const r = await post(readFileSync(p.request));
      assert.equal(r.status, 200, `${p.name}: ${r.body.slice(0, 400)}`);
      assert.match(String(r.headers['content-type']), /^application\/xml/);
      // The example's session (555254240100 / 555254239107) becomes this one.
      const expected = readFileSync(p.response, 'utf8')
        .replace(
          '<id extension="555254240100" root="1.2.826.0.1285.0.2.0.67"/>',
          `<id extension="${ROLE}" root="1.2.826.0.1285.0.2.0.67"/>`,
        )
        .replace(
          '<id extension="555254239107" root="1.2.826.0.1285.0.2.0.65"/>',
          `<id extension="${USER}" root="1.2.826.0.1285.0.2.0.65"/>`,
        );
      assert.equal(
        firstDifference(parseXmlSafely(r.body).documentElement!, parseXmlSafely(expected).documentElement!),
        null,
        p.name,
      );
      assert.match(r.body, /<creationTime value="20220201000000"\/>/);
    }

    const good = JSON.parse(readFileSync(pairs.find((p) => p.name.includes('-Send-'))!.request, 'utf8')) as {
      entry: Array<{ resource: Record<string, unknown> }>;
    };
    const mutate = (fn: (b: typeof good) => void) => {
      const b = structuredClone(good);
      fn(b);
      return JSON.stringify(b);
    };
    const refusals: Array<[string, string | Buffer]> = [
      ['not JSON', '{"resourceType": "Bundle", '],
      ['not a Bundle', JSON.stringify({ resourceType: 'Patient' })],
      ['array', '[]'],
      [
        'unsupported event',
        mutate((b) => {
          (b.entry[0]!.resource.eventCoding as { code: string }).code = 'dispense-claim';
        }),
      ],
      [
        'no identifier',
        mutate((b) => {
          delete (b as Record<string, unknown>).identifier;
        }),
      ],
      [
        'signature not base64',
        mutate((b) => {
          for (const e of b.entry)
            if (e.resource.resourceType === 'Provenance')
              (e.resource.signature as Array<{ data: unknown }>)[0]!.data = '%%%';
        }),
      ],
      [
        'odd gender',
        mutate((b) => {
          for (const e of b.entry) if (e.resource.resourceType === 'Patient') e.resource.gender = 'constructor';
        }),
      ],
      [
        'entries not objects',
        mutate((b) => {
          (b as Record<string, unknown>).entry = [1, 'x', null, [], { resource: 7 }];
        }),
      ],
    ];
    for (const [what, body] of refusals) {
      const r = await post(body);
      assert.ok(r.status >= 400 && r.status < 500, `${what}: ${r.status} ${r.body.slice(0, 300)}`);
      assert.equal((JSON.parse(r.body) as { resourceType: string }).resourceType, 'OperationOutcome', what);
    }
    const unauth = await post(readFileSync(pairs[0]!.request), { 'content-type': 'application/fhir+json' });
    assert.equal(unauth.status, 401);
  } finally {
    await sb.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
