// A broker client no one here wrote builds its CMS the 2017 way: the card's certificate decoded
// without the X.509 schema and written back, with the whole envelope, by pyasn1's BER encoder — a
// critical flag's BOOLEAN TRUE becomes 01, so the certificate's bytes no longer carry the CA's
// signature. The sandbox, like the real broker, accepts it: the certificate is identified by issuer
// and serial number in the CA's register, and its subject and key must be the issued ones
// (decision 0005). Forged variants built the same way are each refused with their own error.
// Real HTTPS against a running sandbox; the CMS comes from Debian's python3-pyasn1.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { createSign, generateKeyPairSync, X509Certificate, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSandbox, type RunningSandbox } from '../../../sandbox/server';
import { openTestCa, type IssuedCertificate, type TestCa } from '../../../sandbox/ca';
import { certificateIdentity, parseSignedData, unwrapSmime, wrapSmime } from '../../../protocols/spine/cms';
import { encodeGpObject, parseGpObject, gpValue } from '../../../protocols/spine/gpobject';
import { rolesFromGp } from '../../../protocols/spine/roles';
import { parseRoleAssertion } from '../../../protocols/spine/saml';
import { need, type Requirement } from '../../support/system';
import { httpsClient, type Reply } from '../support/sandbox-client';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./ber-cms.py', import.meta.url));
const pyasn1: Requirement = {
  name: "Debian's python3-pyasn1",
  check: () => {
    try {
      execFileSync(PYTHON, ['-c', 'import pyasn1.codec.ber.encoder'], { stdio: 'ignore' });
      return null;
    } catch {
      return 'install python3-pyasn1 (scripts/setup-system.sh)';
    }
  },
};

const GP = '555086689106',
  OTHER = '555086690109';
let sb: RunningSandbox;
let send: ReturnType<typeof httpsClient>;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'scrip-ber-'));
  sb = await startSandbox({ dataDir: dir, clock: '2026-11-22T10:00:00Z' });
  send = httpsClient(sb.baseUrl, sb.caCertPath);
});
after(async () => {
  await sb.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Card {
  key: KeyObject;
  cert: IssuedCertificate;
}
function card(userId = GP, ca: TestCa = sb.context.ca): Card {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { key: privateKey, cert: ca.issueAuthCertificate({ userId, displayName: 'Test', publicKey }) };
}

type Replace = { serial?: string; issuer?: Uint8Array; subject?: Uint8Array; spki?: Uint8Array };
/** The `response` gpPARAM as such a client sends it: SHA-1 RSA (CKM_SHA1_RSA_PKCS) over the challenge, in a pyasn1 BER envelope. */
function berResponse(
  c: Card,
  challenge: string,
  opts: { key?: KeyObject; replace?: Replace } = {},
): Promise<{ response: string; der: Buffer }> {
  const content = Buffer.from(challenge, 'base64');
  const signature = createSign('sha1')
    .update(content)
    .sign(opts.key ?? c.key);
  const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
  const r = opts.replace ?? {};
  const replace = {
    ...(r.serial ? { serial: BigInt(`0x${r.serial}`).toString() } : {}),
    ...(r.issuer ? { issuer: b64(r.issuer) } : {}),
    ...(r.subject ? { subject: b64(r.subject) } : {}),
    ...(r.spki ? { spki: b64(r.spki) } : {}),
  };
  // The serial goes as a decimal string spliced in as a JSON number: Python's ints are unbounded, JSON.stringify's are not.
  const input = JSON.stringify({
    certificate: b64(c.cert.der),
    content: b64(content),
    signature: b64(signature),
    digest: 'sha1',
    replace,
  }).replace(/"serial":"(\d+)"/, '"serial":$1');
  return new Promise((resolve, reject) => {
    const child = execFile(PYTHON, [SCRIPT], { timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`ber-cms.py failed: ${stderr || err.message}`));
      const der = Buffer.from(stdout.trim(), 'base64');
      resolve({ der, response: wrapSmime(der) });
    });
    child.stdin?.end(input);
  });
}

async function activate(): Promise<{ challenge: string; signature: string }> {
  const r = await send('/login/authactivate', {
    method: 'POST',
    body: encodeGpObject([
      { name: 'auth_method', value: '3' },
      { name: 'app_url', value: 'NHST' },
      { name: 'service', value: 'ACTIVATION' },
    ]),
  });
  assert.equal(r.status, 200, `authactivate answers: ${r.body}`);
  const p = parseGpObject(r.body);
  return { challenge: gpValue(p, 'challenge')!, signature: gpValue(p, 'signature')! };
}

function validate(ch: { challenge: string; signature: string }, uid: string, response: string): Promise<Reply> {
  return send('/login/authvalidate', {
    method: 'POST',
    body: encodeGpObject([
      { name: 'auth_method', value: '3' },
      { name: 'app_url', value: 'NHST' },
      { name: 'service', value: 'AUTHENTICATION' },
      { name: 'challenge', value: ch.challenge },
      { name: 'signature', value: ch.signature },
      { name: 'uid', value: uid },
      { name: 'card_type', value: 'p11' },
      { name: 'response', value: response, attrs: { encoding: 'base64' } },
      { name: 'mobility', value: '0' },
    ]),
  });
}

const refusal = (r: Reply) => ({
  status: r.status,
  error: gpValue(parseGpObject(r.body), 'error'),
  message: gpValue(parseGpObject(r.body), 'message') ?? '',
});
const sessions = () =>
  Number((sb.context.db.prepare('SELECT COUNT(*) AS n FROM sso_sessions').get() as { n: number }).n);

test('a CMS whose certificate pyasn1 re-encoded in BER logs in: ticket, roles, role selection and role assertion', async (t) => {
  if (!need(t, pyasn1)) return;
  const c = card();
  const ch = await activate();
  const { response, der } = await berResponse(c, ch.challenge);
  // The premise: what reaches the broker is not the certificate as issued, and its CA signature no longer holds.
  const sent = Buffer.from(parseSignedData(unwrapSmime(response)).certificateDer);
  assert.ok(der.length > 0, 'pyasn1 wrote an envelope');
  assert.notDeepEqual(sent, c.cert.der, 'the certificate was re-encoded, not passed through');
  assert.ok(
    sent.includes(Buffer.from('010101', 'hex')) && c.cert.der.includes(Buffer.from('0101ff', 'hex')),
    'a critical flag went from DER FF to BER 01',
  );
  assert.equal(sent.length, c.cert.der.length, 'only contents changed, not lengths');
  let caSignatureHolds = false;
  try {
    caSignatureHolds = new X509Certificate(sent).verify(new X509Certificate(sb.context.ca.auth.der).publicKey);
  } catch {
    caSignatureHolds = false;
  }
  assert.equal(caSignatureHolds, false, 'the re-encoded bytes do not carry a valid CA signature');

  const r = await validate(ch, GP, response);
  assert.equal(r.status, 200, `the BER client is accepted: ${r.body}`);
  const p = parseGpObject(r.body);
  const token = gpValue(p, 'sso_ticket') ?? '';
  assert.match(token, /^AQIC5wM2LY4S/, 'an SSO ticket');
  const roles = rolesFromGp(p);
  assert.ok(roles.length >= 1, "the user's roles come back");
  const sel = await send(
    `/saml/RoleSelectionGP.jsp?token=${encodeURIComponent(token)}&selectedRoleUid=${roles[0]!.id}`,
  );
  assert.equal(sel.status, 200, `role selected: ${sel.body}`);
  const saml = parseRoleAssertion((await send(`/saml/RoleAssertion?token=${encodeURIComponent(token)}`)).body);
  assert.equal(saml.selectedRoleId, roles[0]!.id, 'the role assertion names the selected role');
  const state = await send(`/_sessions/${encodeURIComponent(token)}`);
  assert.equal(JSON.parse(state.body).userId, GP, 'the session belongs to the certificate holder');
});

test('forged certificates built the same way are each refused with their own error, changing nothing', async (t) => {
  if (!need(t, pyasn1)) return;
  const c = card();
  const other = card(OTHER);
  const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const attackerSpki = attacker.publicKey.export({ type: 'spki', format: 'der' });
  const foreign = card(GP, openTestCa(join(dir, 'foreign-ca')));
  const revoked = card();
  sb.context.ca.revoke(revoked.cert.serial, 'keyCompromise');
  const someoneElse = certificateIdentity(sb.context.ca.sign.der).subjectDer; // a real Name, but not the Authentication CA's
  const ch = await activate();
  const s0 = sessions();
  const cases: Array<{
    what: string;
    uid: string;
    build: Promise<{ response: string }>;
    error: string;
    message?: RegExp;
  }> = [
    {
      what: "changed key (signed with the forger's key)",
      uid: GP,
      build: berResponse(c, ch.challenge, { key: attacker.privateKey, replace: { spki: attackerSpki } }),
      error: 'certificate-key-mismatch',
    },
    {
      what: "changed subject (another user's name on this card)",
      uid: OTHER,
      build: berResponse(c, ch.challenge, { replace: { subject: certificateIdentity(other.cert.der).subjectDer } }),
      error: 'certificate-subject-mismatch',
    },
    {
      what: 'changed serial (never issued)',
      uid: GP,
      build: berResponse(c, ch.challenge, { replace: { serial: '1DEADBEEF0000000000000000000FACE' } }),
      error: 'certificate-untrusted',
      message: /no certificate with serial number 1DEADBEEF0000000000000000000FACE was issued/,
    },
    {
      what: "changed serial (another user's certificate)",
      uid: GP,
      build: berResponse(c, ch.challenge, { replace: { serial: other.cert.serial } }),
      error: 'certificate-subject-mismatch',
    },
    {
      what: 'unknown issuer',
      uid: GP,
      build: berResponse(c, ch.challenge, { replace: { issuer: someoneElse } }),
      error: 'certificate-untrusted',
      message: /issuer is another authority/,
    },
    {
      what: 'never issued (another CA under the same names)',
      uid: GP,
      build: berResponse(foreign, ch.challenge),
      error: 'certificate-untrusted',
      message: new RegExp(`no certificate with serial number ${foreign.cert.serial} was issued`),
    },
    { what: 'revoked', uid: GP, build: berResponse(revoked, ch.challenge), error: 'certificate-revoked' },
    {
      what: 'genuine certificate, wrong signature',
      uid: GP,
      build: berResponse(c, ch.challenge, { key: attacker.privateKey }),
      error: 'signature-invalid',
    },
  ];
  for (const k of cases) {
    const r = refusal(await validate(ch, k.uid, (await k.build).response));
    assert.equal(r.error, k.error, `${k.what}: refused as ${k.error} (got ${r.error}: ${r.message})`);
    assert.equal(r.status, 401, `${k.what}: 401`);
    if (k.message) assert.match(r.message, k.message, `${k.what}: the message says which`);
  }
  assert.equal(sessions(), s0, 'no refusal made a session');
  const ok = await validate(ch, GP, (await berResponse(c, ch.challenge)).response);
  assert.equal(ok.status, 200, `the challenge is still good for the genuine card after the refusals: ${ok.body}`);
});

test('the register survives a restart: a BER login still works against a reopened sandbox', async (t) => {
  if (!need(t, pyasn1)) return;
  const c = card();
  await sb.close();
  sb = await startSandbox({ dataDir: dir, clock: '2026-11-22T10:00:00Z' });
  send = httpsClient(sb.baseUrl, sb.caCertPath);
  const ch = await activate();
  const r = await validate(ch, GP, (await berResponse(c, ch.challenge)).response);
  assert.equal(r.status, 200, `accepted after restart: ${r.body}`);
});
