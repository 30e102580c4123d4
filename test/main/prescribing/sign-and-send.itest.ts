// The pad's core path as a running agent does it: log in with a virtual card over pcscd + vpcd, write
// a two-item acute prescription, sign it with the card (Scrip's own digest checked against $prepare),
// send it to the sandbox's $process-message over HTTPS — accepted once — verify the signature with
// openssl and xmlsec1, and print its token.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID, X509Certificate, createVerify, createHash } from 'node:crypto';
import { startScrip, type ScripProcess } from '../../e2e/support/scrip-process';
import { virtualCardFor, type TestCard } from '../../support/virtual-card';
import { need, requirements } from '../../support/system';
import { openStores } from '../../../main/app';
import { findRequesterSignature, withoutProvenance } from '../../../protocols/eps/signature';
import { canonicalFragments } from '../../../protocols/eps/fragments';
import {
  cmd,
  encodeCommand,
  parseResponse,
  parseAuthenticateResponse,
  pkcs1v15Pad,
  digestInfo,
  PIN_REF,
  ALG,
  KEY,
  type CommandApdu,
} from '../../../protocols/card';
import type { PivCard } from '../../../sandbox/card/piv-card';

const PIN = '482913';
let scrip: ScripProcess;
let card: TestCard;
let key: string;

async function api(path: string, method = 'GET', body?: unknown) {
  const res = await fetch(`${scrip.ready.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

before(async () => {
  scrip = await startScrip(['agent'], { SCRIP_VIRTUAL_CARD: 'off' });
  const { db, apiKeys } = openStores(scrip.dataDir);
  // Keys are signed by a secret in the OS keychain: without a Secret Service the test skips (below).
  if (requirements.secretService.check() === null) key = apiKeys.create('test', ['admin']).key;
  db.close();
  card = virtualCardFor(scrip.dataDir, { pin: PIN, port: 35964 });
});
after(async () => {
  await card?.remove().catch(() => undefined);
  await scrip?.stop();
});

const draft = {
  patient: {
    nhsNumber: '9449305552',
    prefix: 'MS',
    given: ['OCTAVIA'],
    family: 'CHISLETT',
    birthDate: '2008-09-20',
    gender: 'female',
    addressLines: ['1 TRINITY STREET', 'HEBDEN BRIDGE'],
    postcode: 'HX7 8AW',
    gpOdsCode: 'A83008',
    nominatedPharmacy: { odsCode: 'FCG71', name: 'WESTON PHARMACY' },
  },
  patientConfirmed: true,
  items: [
    {
      lineId: randomUUID(),
      medication: { code: '39732311000001104', display: 'Amoxicillin 250mg capsules' },
      quantity: { value: 21, unitCode: '428641000', unit: 'capsule' },
      dosageText: 'One capsule three times a day for 7 days',
    },
    {
      lineId: randomUUID(),
      medication: { code: '322237000', display: 'Paracetamol 500mg soluble tablets' },
      quantity: { value: 32, unitCode: '428673006', unit: 'tablet' },
      dosageText: 'Two tablets up to four times a day when required',
      additionalInstructions: '<b>Markup</b> & "quotes" stay text',
    },
  ],
};

test('sign with the card, send once, accepted; the signature verifies with openssl and xmlsec1; the token barcode reads back', async (t) => {
  if (!need(t, requirements.pcscd, requirements.secretService)) return;
  await card.insert();
  for (let i = 0; i < 100 && (await api('/session')).json.state !== 'card-present'; i++)
    await new Promise((r) => setTimeout(r, 50));
  const login = await api('/session', 'POST', { pin: PIN, role: '200102238987' });
  assert.equal(login.json.state, 'role-selected', JSON.stringify(login.json));

  const found = await api('/patients/944%20930%205552');
  assert.equal(found.status, 200, JSON.stringify(found.json));
  assert.equal(found.json.family, 'CHISLETT');
  assert.equal((found.json.nominatedPharmacy as { odsCode: string }).odsCode, 'FCG71');
  const typo = await api('/patients/9449305553');
  assert.equal(typo.status, 400);
  assert.match(String(typo.json.message), /not a valid NHS number/);
  const byName = await api('/patients?family=chislett&birthDate=2008-09-20');
  assert.deepEqual(
    (byName.json.patients as Array<{ nhsNumber: string }>).map((p) => p.nhsNumber),
    ['9449305552'],
  );

  const created = await api('/prescriptions', 'POST', { draft });
  assert.equal(created.status, 200, JSON.stringify(created.json));
  const id = String(created.json.id);
  const bad = await api('/prescriptions', 'POST', {
    draft: { ...draft, items: [{ ...draft.items[0], quantity: { value: 0, unitCode: '428641000', unit: 'capsule' } }] },
  });
  const badProblems = (await api(`/prescriptions/${bad.json.id}`)).json.problems as string[];
  assert.ok(
    badProblems.some((p) => /more than zero/.test(p)),
    JSON.stringify(badProblems),
  );

  const signed = await api('/prescriptions/signature', 'POST', { ids: [id], pin: PIN });
  const result = (signed.json.results as Array<{ ok: boolean; shortFormId: string; error?: unknown }>)[0]!;
  assert.equal(result.ok, true, JSON.stringify(result));
  assert.match(result.shortFormId, /^[0-9A-F]{6}-A83008-[0-9A-F]{5}[0-9A-Z+]$/);

  let rec = (await api(`/prescriptions/${id}`)).json;
  for (let i = 0; i < 100 && rec.status !== 'accepted' && rec.status !== 'rejected'; i++) {
    await api('/prescriptions/outbox', 'POST', {});
    rec = (await api(`/prescriptions/${id}`)).json;
  }
  assert.equal(rec.status, 'accepted', JSON.stringify(rec));
  // The sandbox holds exactly one prescription with this ID; sending again changes nothing.
  await api('/prescriptions/outbox', 'POST', {});
  assert.equal((await api(`/prescriptions/${id}`)).json.status, 'accepted');

  // openssl alone: the RSA-SHA256 signature over the canonical SignedInfo, with the certificate in it.
  const { openStores: open } = await import('../../../main/app');
  const { db } = open(scrip.dataDir);
  const bundle = JSON.parse(
    String((db.prepare('SELECT bundle FROM prescriptions WHERE id = ?').get(id) as { bundle: string }).bundle),
  );
  db.close();
  const sig = findRequesterSignature(bundle)!;
  const signedInfo = /<SignedInfo>([\s\S]*)<\/SignedInfo>/
    .exec(sig.xml)![0]
    .replace('<SignedInfo>', '<SignedInfo xmlns="http://www.w3.org/2000/09/xmldsig#">');
  const value = Buffer.from(/<SignatureValue>([^<]*)</.exec(sig.xml)![1]!, 'base64');
  const cert = new X509Certificate(Buffer.from(/<X509Certificate>([^<]*)</.exec(sig.xml)![1]!, 'base64'));
  assert.ok(
    createVerify('sha256').update(signedInfo).verify(cert.publicKey, value),
    "createVerify('sha256').update(signedInfo).verify(cert.publicKey, value)",
  );
  // The one verifier, as EPS checks, through prescription.verify on the agent: every check passes,
  // the chain to the sandbox's CA bundle and the CRL fetched from the sandbox included.
  const caDir = join(scrip.dataDir, 'sandbox', 'ca');
  const trust = readFileSync(join(caDir, 'root.pem'), 'utf8') + readFileSync(join(caDir, 'sign-ca.pem'), 'utf8');
  const verified = (
    await api('/prescriptions/verification', 'POST', { prescription: JSON.stringify(bundle, null, 2), trust })
  ).json as { verdict: string; checks: Array<{ id: string; result: string; detail: string }> };
  assert.equal(verified.verdict, 'valid', `every check passes: ${JSON.stringify(verified.checks)}`);
  const dir = mkdtempSync(join(tmpdir(), 'scrip-sig-'));
  try {
    writeFileSync(join(dir, 'si.xml'), signedInfo);
    writeFileSync(join(dir, 'sig.bin'), value);
    writeFileSync(join(dir, 'pub.pem'), cert.publicKey.export({ type: 'spki', format: 'pem' }));
    const out = execFileSync(
      'openssl',
      ['dgst', '-sha256', '-verify', join(dir, 'pub.pem'), '-signature', join(dir, 'sig.bin'), join(dir, 'si.xml')],
      { encoding: 'utf8' },
    );
    assert.match(out, /Verified OK/);
    const changed = signedInfo.replace(/<DigestValue>./, (m) => m.slice(0, -1) + (m.endsWith('A') ? 'B' : 'A'));
    writeFileSync(join(dir, 'si2.xml'), changed);
    assert.throws(() =>
      execFileSync(
        'openssl',
        ['dgst', '-sha256', '-verify', join(dir, 'pub.pem'), '-signature', join(dir, 'sig.bin'), join(dir, 'si2.xml')],
        { stdio: 'pipe' },
      ),
    );

    if (requirements.xmlsec1.check() === null) xmlsecVerifies(dir, bundle, sig, card.card);
    else assert.ok(need(t, requirements.xmlsec1), 'need(t, requirements.xmlsec1)');

    if (need(t, requirements.pdfAndBarcode)) {
      const token = (await api(`/prescriptions/${id}/token`)).json as { pdfBase64: string };
      writeFileSync(join(dir, 't.pdf'), Buffer.from(token.pdfBase64, 'base64'));
      execFileSync('pdftoppm', ['-r', '300', '-png', '-singlefile', join(dir, 't.pdf'), join(dir, 't')]);
      assert.equal(
        execFileSync('zbarimg', ['-q', '--raw', join(dir, 't.png')], { encoding: 'utf8' }).trim(),
        result.shortFormId,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * xmlsec1, independently of Scrip's code. The EPS Signature cannot be given to `xmlsec1 --verify`
 * as it is: its Reference has no URI (the data, FragmentsToBeHashed, is known to both ends, eps.md
 * §2.3), and xmlsec1 takes a URI-less Reference to mean the whole document it is in — which holds
 * the Signature and its DigestValue, so no document can ever satisfy it. The smallest faithful
 * document xmlsec1 can verify: the canonical FragmentsToBeHashed of the accepted prescription with an
 * enveloped Signature whose Reference (URI="", enveloped-signature + exc-c14n) carries the
 * DigestValue copied from the accepted SignedInfo, the certificate copied from the accepted KeyInfo,
 * and a SignatureValue made by the same card key (slot 9C, PIV APDUs, PIN) over this SignedInfo.
 * xmlsec1 then computes the digest of the fragments itself (it must equal the accepted one), checks
 * the RSA signature with the certificate, and the certificate's chain to the sandbox root; one
 * changed byte in a signed fragment is refused. openssl, above, checked the accepted SignatureValue.
 */
function xmlsecVerifies(
  dir: string,
  bundle: Record<string, unknown>,
  sig: { xml: string; when: string },
  piv: PivCard,
): void {
  const digestValue = /<DigestValue>([^<]+)<\/DigestValue>/.exec(sig.xml)![1]!;
  const certificate = /<X509Certificate>([^<]+)<\/X509Certificate>/.exec(sig.xml)![1]!;
  const fragments = canonicalFragments(withoutProvenance(bundle), sig.when);
  const DSIG = 'http://www.w3.org/2000/09/xmldsig#';
  const signedInfo =
    `<SignedInfo xmlns="${DSIG}"><CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"></CanonicalizationMethod>` +
    '<SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"></SignatureMethod><Reference URI=""><Transforms>' +
    `<Transform Algorithm="${DSIG}enveloped-signature"></Transform><Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"></Transform></Transforms>` +
    `<DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"></DigestMethod><DigestValue>${digestValue}</DigestValue></Reference></SignedInfo>`;
  const signatureValue = signOnCard(piv, PIN, Buffer.from(signedInfo, 'utf8')).toString('base64');
  const signature =
    `<Signature xmlns="${DSIG}">${signedInfo.replace(` xmlns="${DSIG}"`, '')}<SignatureValue>${signatureValue}</SignatureValue>` +
    `<KeyInfo><X509Data><X509Certificate>${certificate}</X509Certificate></X509Data></KeyInfo></Signature>`;
  const doc = fragments.replace(/<\/FragmentsToBeHashed>$/, `${signature}</FragmentsToBeHashed>`);
  const ca = join(scrip.dataDir, 'sandbox', 'ca');
  const xmlsec = (file: string) =>
    execFileSync(
      'xmlsec1',
      ['--verify', '--trusted-pem', join(ca, 'root.pem'), '--untrusted-pem', join(ca, 'sign-ca.pem'), file],
      { encoding: 'utf8', stdio: 'pipe' },
    );
  writeFileSync(join(dir, 'signed-fragments.xml'), doc);
  assert.doesNotThrow(
    () => xmlsec(join(dir, 'signed-fragments.xml')),
    'xmlsec1 verifies the fragments, the digest, the card signature and the chain',
  );
  // One changed byte in a signed fragment (the patient's NHS number): refused.
  const changed = doc.replace('extension="9449305552"', 'extension="9449305553"');
  assert.notEqual(changed, doc);
  writeFileSync(join(dir, 'changed-fragments.xml'), changed);
  assert.throws(() => xmlsec(join(dir, 'changed-fragments.xml')), /data and digest do not match|FAIL/);
  // And a certificate from elsewhere is not trusted: only the sandbox root anchors the chain.
  assert.throws(() =>
    execFileSync('xmlsec1', ['--verify', '--trusted-pem', join(ca, 'sign-ca.pem'), join(dir, 'signed-fragments.xml')], {
      stdio: 'pipe',
    }),
  );
}

/** RSA PKCS#1 v1.5 / SHA-256 by the virtual card's signing key (9C) through its PIV commands, in process. */
function signOnCard(piv: PivCard, pin: string, data: Buffer): Buffer {
  const run = (c: CommandApdu): Uint8Array => {
    let r = parseResponse(piv.transmit(encodeCommand(c, { extended: true })));
    let body = Buffer.from(r.data);
    while (r.sw1 === 0x61) {
      r = parseResponse(piv.transmit(encodeCommand(cmd.getResponse(r.sw2 || 256))));
      body = Buffer.concat([body, r.data]);
    }
    assert.equal(r.sw, 0x9000, `card answered ${r.sw.toString(16)}`);
    return body;
  };
  run(cmd.select());
  run(cmd.verify(PIN_REF.PIV_PIN, pin));
  const padded = pkcs1v15Pad(digestInfo('sha256', createHash('sha256').update(data).digest()), 256);
  return Buffer.from(parseAuthenticateResponse(run(cmd.generalAuthenticate(ALG.RSA2048, KEY.SIGNATURE, padded))));
}
