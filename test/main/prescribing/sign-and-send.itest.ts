// The pad's core path as a running agent does it: log in with a virtual card over pcscd + vpcd, write
// a two-item acute prescription, sign it with the card (Scrip's own digest checked against $prepare),
// send it to the sandbox's $process-message over HTTPS — accepted once — and print its token.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID, X509Certificate, createVerify } from 'node:crypto';
import { startScrip, type ScripProcess } from '../../e2e/support/scrip-process';
import { virtualCardFor, type TestCard } from '../../support/virtual-card';
import { need, requirements } from '../../support/system';
import { openStores } from '../../../main/app';
import { findRequesterSignature } from '../../../protocols/eps/signature';

const PIN = '482913';
let scrip: ScripProcess;
let card: TestCard;
let key: string;

async function api(path: string, method = 'GET', body?: unknown) {
  const res = await fetch(`${scrip.ready.url}${path}`, { method, headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

before(async () => {
  scrip = await startScrip(['agent'], { SCRIP_VIRTUAL_CARD: 'off' });
  const { db, apiKeys } = openStores(scrip.dataDir);
  key = apiKeys.create('test', ['admin']).key;
  db.close();
  card = virtualCardFor(scrip.dataDir, { pin: PIN, port: 35964 });
});
after(async () => { await card?.remove().catch(() => undefined); await scrip?.stop(); });

const draft = {
  patient: { nhsNumber: '9449305552', prefix: 'MS', given: ['OCTAVIA'], family: 'CHISLETT', birthDate: '2008-09-20', gender: 'female', addressLines: ['1 TRINITY STREET', 'HEBDEN BRIDGE'], postcode: 'HX7 8AW', gpOdsCode: 'A83008', nominatedPharmacy: { odsCode: 'FCG71', name: 'WESTON PHARMACY' } },
  patientConfirmed: true,
  items: [
    { lineId: randomUUID(), medication: { code: '39732311000001104', display: 'Amoxicillin 250mg capsules' }, quantity: { value: 21, unitCode: '428641000', unit: 'capsule' }, dosageText: 'One capsule three times a day for 7 days' },
    { lineId: randomUUID(), medication: { code: '322237000', display: 'Paracetamol 500mg soluble tablets' }, quantity: { value: 32, unitCode: '428673006', unit: 'tablet' }, dosageText: 'Two tablets up to four times a day when required', additionalInstructions: '<b>Markup</b> & "quotes" stay text' },
  ],
};

test('sign with the card, send once, accepted; the signature verifies with openssl alone; the token barcode reads back', async (t) => {
  if (!need(t, requirements.pcscd)) return;
  await card.insert();
  for (let i = 0; i < 100 && (await api('/session')).json.state !== 'card-present'; i++) await new Promise((r) => setTimeout(r, 50));
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
  assert.deepEqual((byName.json.patients as Array<{ nhsNumber: string }>).map((p) => p.nhsNumber), ['9449305552']);

  const created = await api('/prescriptions', 'POST', { draft });
  assert.equal(created.status, 200, JSON.stringify(created.json));
  const id = String(created.json.id);
  const bad = await api('/prescriptions', 'POST', { draft: { ...draft, items: [{ ...draft.items[0], quantity: { value: 0, unitCode: '428641000', unit: 'capsule' } }] } });
  const badProblems = (await api(`/prescriptions/${bad.json.id}`)).json.problems as string[];
  assert.ok(badProblems.some((p) => /more than zero/.test(p)), JSON.stringify(badProblems));

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
  const { db, } = open(scrip.dataDir);
  const bundle = JSON.parse(String((db.prepare('SELECT bundle FROM prescriptions WHERE id = ?').get(id) as { bundle: string }).bundle));
  db.close();
  const sig = findRequesterSignature(bundle)!;
  const signedInfo = /<SignedInfo>([\s\S]*)<\/SignedInfo>/.exec(sig.xml)![0].replace('<SignedInfo>', '<SignedInfo xmlns="http://www.w3.org/2000/09/xmldsig#">');
  const value = Buffer.from(/<SignatureValue>([^<]*)</.exec(sig.xml)![1]!, 'base64');
  const cert = new X509Certificate(Buffer.from(/<X509Certificate>([^<]*)</.exec(sig.xml)![1]!, 'base64'));
  assert.ok(createVerify('sha256').update(signedInfo).verify(cert.publicKey, value));
  const dir = mkdtempSync(join(tmpdir(), 'scrip-sig-'));
  try {
    writeFileSync(join(dir, 'si.xml'), signedInfo);
    writeFileSync(join(dir, 'sig.bin'), value);
    writeFileSync(join(dir, 'pub.pem'), cert.publicKey.export({ type: 'spki', format: 'pem' }));
    const out = execFileSync('openssl', ['dgst', '-sha256', '-verify', join(dir, 'pub.pem'), '-signature', join(dir, 'sig.bin'), join(dir, 'si.xml')], { encoding: 'utf8' });
    assert.match(out, /Verified OK/);
    const changed = signedInfo.replace(/<DigestValue>./, (m) => m.slice(0, -1) + (m.endsWith('A') ? 'B' : 'A'));
    writeFileSync(join(dir, 'si2.xml'), changed);
    assert.throws(() => execFileSync('openssl', ['dgst', '-sha256', '-verify', join(dir, 'pub.pem'), '-signature', join(dir, 'sig.bin'), join(dir, 'si2.xml')], { stdio: 'pipe' }));

    if (need(t, requirements.pdfAndBarcode)) {
      const token = (await api(`/prescriptions/${id}/token`)).json as { pdfBase64: string };
      writeFileSync(join(dir, 't.pdf'), Buffer.from(token.pdfBase64, 'base64'));
      execFileSync('pdftoppm', ['-r', '300', '-png', '-singlefile', join(dir, 't.pdf'), join(dir, 't')]);
      assert.equal(execFileSync('zbarimg', ['-q', '--raw', join(dir, 't.png')], { encoding: 'utf8' }).trim(), result.shortFormId);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
