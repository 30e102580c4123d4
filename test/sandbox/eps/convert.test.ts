// The $convert route in-process: authorisation first, the session and NHSD-ASID in the wrapper,
// application/xml out, EPS validation and translation failures as OperationOutcomes with a 4xx.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fixedClock } from '../../../sandbox/clock';
import { convertRoutes, SANDBOX_CLIENT_ASID, SANDBOX_SPINE_ASID } from '../../../sandbox/eps/convert';
import type { Caller, SandboxContext } from '../../../sandbox/http/context';
import type { SandboxRequest, SandboxResponse } from '../../../sandbox/http/router';
import { examplePairs } from '../../protocols/hl7v3/xml-compare';

type Json = Record<string, unknown>;
const pairs = examplePairs();
const sendExample = () =>
  JSON.parse(readFileSync(pairs.find((p) => p.name.includes('-Send-'))!.request, 'utf8')) as Json;
const cancelExample = () =>
  JSON.parse(readFileSync(pairs.find((p) => p.name.includes('-Cancel-'))!.request, 'utf8')) as Json;

function route(caller: Partial<Caller> | SandboxResponse) {
  const ctx = { clock: fixedClock('2026-11-30T09:08:07Z'), authorise: () => caller } as unknown as SandboxContext;
  const r = convertRoutes(ctx)[0]!;
  assert.equal(r.path, '/FHIR/R4/$convert');
  return (body: unknown, headers: Record<string, string> = {}) =>
    r.handle({
      method: 'POST',
      path: r.path,
      params: {},
      query: new URLSearchParams(),
      headers,
      body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
    } as SandboxRequest) as SandboxResponse;
}
const session = { userId: '555086689106', roleId: '200102238987' };

test('a prescription-order becomes PORX_IN020101SM31 naming the session, the caller ASID and the sandbox clock', () => {
  const r = route(session)(sendExample(), { 'nhsd-asid': '123456789012' });
  assert.equal(r.status, 200, String(r.body));
  assert.equal(r.headers?.['content-type'], 'application/xml');
  const xml = String(r.body);
  assert.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<PORX_IN020101SM31 xmlns="urn:hl7-org:v3">/);
  assert.match(xml, /<creationTime value="20261130090807"\/>/);
  assert.match(xml, /<communicationFunctionRcv>\s*<device[^>]*>\s*<id extension="567456789789"/);
  assert.equal(SANDBOX_SPINE_ASID, '567456789789');
  assert.match(xml, /<communicationFunctionSnd>\s*<device[^>]*>\s*<id extension="123456789012"/);
  assert.match(
    xml,
    /<AgentPersonSDS classCode="AGNT">\s*<id extension="200102238987" root="1.2.826.0.1285.0.2.0.67"\/>\s*<agentPersonSDS[^>]*>\s*<id extension="555086689106"/,
  );
  assert.match(xml, /<ParentPrescription classCode="INFO" moodCode="EVN">/);
});

test('a cancellation becomes PORX_IN030101SM32; a malformed NHSD-ASID is not copied in', () => {
  const r = route(session)(cancelExample(), { 'nhsd-asid': '12<x>' });
  assert.equal(r.status, 200, String(r.body));
  assert.match(
    String(r.body),
    /<PORX_IN030101SM32 xmlns="urn:hl7-org:v3">[\s\S]*<CancellationRequest classCode="INFO" moodCode="EVN">[\s\S]*<effectiveTime value="20261130090807"\/>/,
  );
  assert.match(
    String(r.body),
    new RegExp(`<communicationFunctionSnd>\\s*<device[^>]*>\\s*<id extension="${SANDBOX_CLIENT_ASID}"`),
  );
});

test('without NHSD-Session-URID there is no person author in the ControlActEvent, as in EPS', () => {
  const r = route({ ...session, roleId: null })(sendExample());
  assert.equal(r.status, 200);
  assert.doesNotMatch(String(r.body), /AgentPersonSDS/);
});

test('a refused session is answered by authorise, before the body is read', () => {
  const refusal: SandboxResponse = { status: 401, body: '{"resourceType":"OperationOutcome"}' };
  assert.equal(route(refusal)('not json at all'), refusal);
});

test('bad input is a 400 OperationOutcome naming the field', () => {
  const send = route(session);
  const outcome = (r: SandboxResponse) =>
    JSON.parse(String(r.body)) as {
      resourceType: string;
      issue: Array<{ expression?: string[]; diagnostics?: string }>;
    };
  for (const [body, expression] of [
    ['{', undefined],
    [{ resourceType: 'Parameters' }, 'Bundle'],
    [{ ...cancelExample(), identifier: undefined }, 'Bundle.identifier'],
  ] as Array<[unknown, string | undefined]>) {
    const r = send(body);
    assert.equal(r.status, 400, String(r.body));
    assert.equal(outcome(r).resourceType, 'OperationOutcome');
    if (expression) assert.deepEqual(outcome(r).issue[0]!.expression, [expression]);
  }
  // EPS validates a prescription-order before translating it: a bad NHS number is named.
  const b = sendExample();
  for (const e of b.entry as Array<{ resource: Json }>)
    if (e.resource.resourceType === 'Patient')
      (e.resource.identifier as Array<{ value: string }>)[0]!.value = '1234567890';
  const r = send(b);
  assert.equal(r.status, 400, String(r.body));
  assert.ok(
    outcome(r).issue.some((i) => (i.expression ?? []).some((x) => x.includes('Patient'))),
    String(r.body),
  );
});
