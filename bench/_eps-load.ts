// Signed prescriptions as a load generator makes them (the EPS bench, the sandbox soak test): NHS
// England's example with fresh IDs, signed in software with a virtual card's key, sent over one
// keep-alive HTTPS agent. Kept small: the client shares the machine with the sandbox it measures.
import { randomBytes, randomUUID, sign, type KeyObject } from 'node:crypto';
import { request, type Agent } from 'node:https';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assembleSignature, provenanceEntry } from '../protocols/eps/signature';
import { shortFormId, longFormId } from '../protocols/ids/prescription-id';

export type Json = Record<string, unknown>;

/** NHS England's acute nominated-pharmacy example (vendored under test/fixtures/eps-examples). */
export const EPS_EXAMPLE = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  'test',
  'fixtures',
  'eps-examples',
  'primary-care',
  'acute',
  'nominated-pharmacy',
  'medical-prescriber',
  '1-Prepare-Request-200_OK.json',
);

/**
 * The example prescription with fresh prescription IDs (short and long form) and Bundle identifier,
 * so each is new to the sandbox. The template is parsed once; only the objects on the path to a
 * changed value are copied.
 */
export function freshBundle(template: Json, seq: number): Json {
  const shortId = shortFormId('A83008', seq % 0xfffff, randomBytes(3).readUIntBE(0, 3));
  const longId = longFormId(randomBytes(16));
  type Group = { value: string; extension: Array<{ valueIdentifier: { value: string } }> };
  const entry = (template.entry as Json[]).map((e) => {
    const r = e.resource as Json;
    if (r.resourceType !== 'MedicationRequest') return e;
    const g = r.groupIdentifier as Group;
    const [first, ...rest] = g.extension;
    return {
      ...e,
      resource: {
        ...r,
        groupIdentifier: {
          ...g,
          value: shortId,
          extension: [{ ...first!, valueIdentifier: { ...first!.valueIdentifier, value: longId } }, ...rest],
        },
      },
    };
  });
  return { ...template, identifier: { ...(template.identifier as object), value: randomUUID() }, entry };
}

/** The signed Bundle for $process-message: the prepared digest signed with the card's key. */
export function signBundle(bundle: Json, digest: string, timestamp: string, key: KeyObject, certB64: string): Json {
  const xml = assembleSignature(digest, sign('sha256', Buffer.from(digest, 'base64'), key).toString('base64'), certB64);
  const entries = bundle.entry as Json[];
  const mrs = entries.filter((e) => (e.resource as Json).resourceType === 'MedicationRequest');
  const requester = ((mrs[0]!.resource as Json).requester as { reference: string }).reference;
  return {
    ...bundle,
    entry: [
      ...entries,
      provenanceEntry({
        id: randomUUID(),
        requesterReference: requester,
        targetReferences: mrs.map((e) => e.fullUrl as string),
        recorded: timestamp,
        signedAt: timestamp,
        signatureXml: xml,
      }),
    ],
  };
}

/** One HTTPS request on `agent`: status and body. */
export function send(
  agent: Agent,
  url: URL,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', agent, headers: init.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    // No answer in 30 s is a failure, never a hang (the soak test and the bench must end by themselves).
    req.setTimeout(30_000, () => req.destroy(new Error(`no answer from ${url.pathname} in 30 s`)));
    req.end(init.body);
  });
}

/** `$prepare`, sign, `$process-message` for one fresh prescription: both answers. */
export async function prescribe(o: {
  agent: Agent;
  baseUrl: string;
  token: string;
  role: string;
  template: Json;
  seq: number;
  key: KeyObject;
  certB64: string;
  tamper?: boolean;
}): Promise<{
  prepare: { status: number; body: string };
  process?: { status: number; body: string };
  times: [number, number, number, number];
}> {
  const headers = () => ({
    authorization: `Bearer ${o.token}`,
    'nhsd-session-urid': o.role,
    'x-request-id': randomUUID(),
    'content-type': 'application/fhir+json',
  });
  const bundle = freshBundle(o.template, o.seq);
  const t0 = performance.now();
  const prepare = await send(o.agent, new URL('/FHIR/R4/$prepare', o.baseUrl), {
    method: 'POST',
    headers: headers(),
    body: JSON.stringify(bundle),
  });
  const t1 = performance.now();
  if (prepare.status !== 200) return { prepare, times: [t0, t1, t1, t1] };
  const p = (JSON.parse(prepare.body) as { parameter: Array<{ name: string; valueString: string }> }).parameter;
  const digest = p.find((x) => x.name === 'digest')!.valueString,
    timestamp = p.find((x) => x.name === 'timestamp')!.valueString;
  // The tampered copy is a deep one: the unchanged parts are shared with the template.
  const signed = o.tamper
    ? structuredClone(signBundle(bundle, digest, timestamp, o.key, o.certB64))
    : signBundle(bundle, digest, timestamp, o.key, o.certB64);
  if (o.tamper)
    (
      (signed.entry as Json[]).find((e) => (e.resource as Json).resourceType === 'Patient')!.resource as {
        birthDate: string;
      }
    ).birthDate = '1948-05-01';
  const t2 = performance.now();
  const process = await send(o.agent, new URL('/FHIR/R4/$process-message', o.baseUrl), {
    method: 'POST',
    headers: headers(),
    body: JSON.stringify(signed),
  });
  return { prepare, process, times: [t0, t1, t2, performance.now()] };
}
