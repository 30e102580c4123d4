// $prepare then $process-message through the route handlers with an in-process context: a real
// sandbox CA issues the prescriber's signing certificate, a real RSA key signs, SQLite stores.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GroupCommit, openSandboxDb } from '../../../sandbox/store/db';
import { openTestCa } from '../../../sandbox/ca';
import { fixedClock } from '../../../sandbox/clock';
import { prepareRoutes } from '../../../sandbox/eps/prepare';
import { processMessageRoutes } from '../../../sandbox/eps/process-message';
import { messageChecks } from '../../../sandbox/eps/message-workers';
import { assembleSignature, provenanceEntry } from '../../../protocols/eps/signature';
import type { SandboxContext } from '../../../sandbox/http/context';
import type { SandboxRequest } from '../../../sandbox/http/router';
import { epsAcuteExample } from '../../support/fixtures';

const example = epsAcuteExample;
type Json = Record<string, unknown>;

async function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'scrip-eps-pm-'));
  const ca = openTestCa(join(dir, 'ca'));
  const db = openSandboxDb(':memory:');
  const clock = fixedClock(new Date(Date.now() + 3600_000).toISOString());
  let roleId = '200102238987';
  const group = new GroupCommit(db);
  // A real worker thread, up before the first request: the checks' answers cross threads as they do in
  // the server, and each answer reopens the group commit as the server's does.
  const checks = messageChecks(1, () => group.begin());
  assert.equal(await checks.warm(), 1, 'the EPS message worker starts');
  const ctx = {
    dataDir: dir,
    db,
    ca,
    clock,
    messageChecks: checks,
    authorise: () => ({ userId: '555086689106', roleId, token: 't', user: {}, role: {} }),
  } as unknown as SandboxContext;
  const prepare = prepareRoutes(ctx)[0]!,
    process = processMessageRoutes(ctx)[0]!;
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const cert = ca.issueSigningCertificate({ userId: '555086689106', displayName: 'BOIN', publicKey });
  const req = (body: unknown, requestId?: string): SandboxRequest => ({
    method: 'POST',
    path: '',
    params: {},
    query: new URLSearchParams(),
    headers: requestId ? { 'x-request-id': requestId } : {},
    body: Buffer.from(JSON.stringify(body)),
  });
  async function signed(bundle: Json, certDer = cert.der, alg: 'RS256' | 'RS1' = 'RS256'): Promise<Json> {
    const r = await prepare.handle(
      alg === 'RS1' ? { ...req(bundle), query: new URLSearchParams({ algorithm: 'RS1' }) } : req(bundle),
    );
    assert.equal(r.status, 200, String(r.body));
    const p = JSON.parse(String(r.body)) as { parameter: Array<{ name: string; valueString: string }> };
    const digest = p.parameter.find((x) => x.name === 'digest')!.valueString,
      timestamp = p.parameter.find((x) => x.name === 'timestamp')!.valueString;
    const xml = assembleSignature(
      digest,
      sign(alg === 'RS1' ? 'sha1' : 'sha256', Buffer.from(digest, 'base64'), privateKey).toString('base64'),
      certDer.toString('base64'),
    );
    const entries = bundle.entry as Json[];
    const mr = entries.map((e) => e.resource as Json).find((r) => r.resourceType === 'MedicationRequest')!;
    const prov = provenanceEntry({
      id: crypto.randomUUID(),
      requesterReference: (mr.requester as Json).reference as string,
      targetReferences: entries
        .filter((e) => (e.resource as Json).resourceType === 'MedicationRequest')
        .map((e) => e.fullUrl as string),
      recorded: timestamp,
      signedAt: timestamp,
      signatureXml: xml,
    });
    return { ...bundle, entry: [...entries, prov] };
  }
  return {
    ca,
    cert,
    db,
    process,
    req,
    signed,
    setRole: (r: string) => {
      roleId = r;
    },
    checks,
    group,
    close: async () => {
      await checks.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const load = () => JSON.parse(readFileSync(example, 'utf8')) as Json;
const code = (body: string | Buffer) =>
  (
    JSON.parse(String(body)) as {
      issue: Array<{ details?: { coding: Array<{ code: string }> }; diagnostics?: string }>;
    }
  ).issue[0]!;

test('a prescription signed over the prepared digest is accepted, stored, and a retry gets the first answer', async () => {
  const s = await setup();
  try {
    const bundle = await s.signed(load());
    await s.group.settled();
    const r = await s.process.handle(s.req(bundle, 'req-1'));
    assert.equal(r.status, 200, String(r.body));
    // Its writes, made after the worker answered, joined the turn's shared transaction.
    assert.equal(s.db.inTransaction, true, 'stored in the group commit, not committed on its own');
    await s.group.settled();
    assert.equal(s.db.inTransaction, false, 'committed at the end of the turn');
    assert.equal((s.db.prepare('SELECT COUNT(*) AS n FROM eps_prescriptions').get() as { n: number }).n, 1);
    const retry = await s.process.handle(s.req(bundle, 'req-1'));
    assert.deepEqual([retry.status, String(retry.body)], [r.status, String(r.body)]);
    const again = await s.process.handle(s.req(bundle, 'req-2'));
    assert.equal(again.status, 400);
    assert.equal(code(again.body).details!.coding[0]!.code, 'DUPLICATE_PRESCRIPTION_ID');
    const ran = s.checks.counts();
    assert.deepEqual([ran.inWorkers, ran.inProcess], [3, 0], 'the digest and both checks ran in the worker thread');
  } finally {
    await s.close();
  }
});

test('a valid SHA-1 (RS1) signature is refused, naming SHA-256 as the minimum; nothing is stored', async () => {
  const s = await setup();
  try {
    const bundle = await s.signed(load(), s.cert.der, 'RS1');
    const r = await s.process.handle(s.req(bundle));
    assert.equal(r.status, 400, String(r.body));
    const issue = code(r.body);
    assert.equal(issue.details!.coding[0]!.code, 'INVALID_VALUE', 'the Spine error code');
    assert.match(issue.diagnostics ?? '', /SHA-1 \(RS1\): SHA-256 \(RS256\) is the minimum/, 'says why');
    const stored = s.db.prepare('SELECT COUNT(*) AS n FROM eps_prescriptions').get() as { n: number };
    assert.equal(stored.n, 0, 'not stored');
  } finally {
    await s.close();
  }
});

test('a bundle changed after $prepare is refused', async () => {
  const s = await setup();
  try {
    const bundle = await s.signed(load());
    const tampered = JSON.parse(JSON.stringify(bundle).replace('"text":"', '"text":"X')) as Json;
    const r = await s.process.handle(s.req(tampered));
    assert.equal(r.status, 400);
    assert.equal(code(r.body).diagnostics, "Signature doesn't match prescription");
  } finally {
    await s.close();
  }
});

test('a revoked signing certificate, or none, is refused; the author must be the session role', async () => {
  const s = await setup();
  try {
    const bundle = await s.signed(load());
    const noSig = {
      ...bundle,
      entry: (bundle.entry as Json[]).filter((e) => (e.resource as Json).resourceType !== 'Provenance'),
    };
    assert.equal(
      code((await s.process.handle(s.req(noSig))).body).details!.coding[0]!.code,
      'MISSING_DIGITAL_SIGNATURE',
    );
    s.setRole('200102238988');
    assert.equal((await s.process.handle(s.req(bundle))).status, 403);
    s.setRole('200102238987');
    s.ca.revoke(s.cert.serial, 'keyCompromise');
    const revoked = await s.process.handle(s.req(bundle));
    assert.equal(revoked.status, 400);
    assert.equal(code(revoked.body).diagnostics, 'Certificate is revoked');
  } finally {
    await s.close();
  }
});
