// The PKCS#11 card tier against software no one here wrote, in a running agent:
// - SoftHSM2 holding the keys and certificates the sandbox CA issued (imported with softhsm2-util and
//   OpenSC's pkcs11-tool into a token under a temporary SOFTHSM2_CONF): the token shows as a reader
//   of its own, Diagnostics lists its mechanisms, login to the sandbox broker, a prescription signed
//   and accepted, a wrong PIN refused;
// - OpenSC's opensc-pkcs11.so over Scrip's virtual PIV card in vpcd (the module configured for every
//   card): login, a prescription signed and accepted, the card pulled during C_Sign (session ended
//   within the PC/SC bound), the PIN blocked with the tries shown from the token's flags.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { startScrip, type ScripProcess } from '../../e2e/support/scrip-process';
import { need, requirements } from '../../support/system';
import { openStores } from '../../../main/app';
import {
  softHsmDir,
  softHsmTokenFor,
  SOFTHSM_MODULE,
  OPENSC_MODULE,
  type SoftHsmDir,
} from '../../support/softhsm-token';
import { issueCard } from '../../../sandbox/card/issue';
import { PivCard } from '../../../sandbox/card/piv-card';
import { VpcdAttachment } from '../../../sandbox/card/vpcd-client';
import { waitForReader } from '../../sandbox/card/vpcd-harness';

const PIN = '482913';
const USER = '555086689106';
const ROLE = '200102238987';
const VPCD_PORT = 35964;
const VPCD_READER = 'Virtual PCD 00 01';

let scrip: ScripProcess;
let key = '';
let hsm: SoftHsmDir | undefined;

async function api(
  path: string,
  method = 'GET',
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${scrip.ready.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** Polls `what` (a real state change in the agent) every 50 ms, failing after `ms`. */
async function until(what: string, f: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

type Reader = { name: string; present: boolean; cardType: string | null; pinRetries: number | null };
const readers = async (): Promise<Reader[]> => (await api('/readers')).json.readers as Reader[];

const draft = () => ({
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
  ],
});

/** Writes a draft, signs it with the card and waits until the sandbox's EPS accepted it. */
async function signAndSend(): Promise<void> {
  const created = await api('/prescriptions', 'POST', { draft: draft() });
  assert.equal(created.status, 200, `draft created: ${JSON.stringify(created.json)}`);
  const id = String(created.json.id);
  const signed = await api('/prescriptions/signature', 'POST', { ids: [id], pin: PIN });
  const result = (signed.json.results as Array<{ ok: boolean }>)[0]!;
  assert.equal(result.ok, true, `signed: ${JSON.stringify(signed.json)}`);
  await until('accepted by the sandbox', async () => {
    await api('/prescriptions/outbox', 'POST', {});
    return (await api(`/prescriptions/${id}`)).json.status === 'accepted';
  });
}

before(async () => {
  hsm = softHsmDir();
  scrip = await startScrip(['agent'], {
    SCRIP_VIRTUAL_CARD: 'off',
    SOFTHSM2_CONF: hsm.conf,
    SCRIP_PKCS11_MANAGED: join(hsm.dir, 'no-managed.json'),
  });
  const { db, apiKeys } = openStores(scrip.dataDir);
  if (requirements.secretService.check() === null) key = apiKeys.create('test', ['admin']).key;
  db.close();
});
after(async () => {
  await scrip?.stop();
  hsm?.remove();
});

test('SoftHSM2 token with sandbox-issued keys: a reader of its own, mechanisms listed, login, a prescription accepted, wrong PIN refused', async (t) => {
  if (!need(t, requirements.secretService, requirements.softhsm2, requirements.opensc)) return;
  // The sandbox CA issues the keys and certificates; they go into a SoftHSM2 token by CKA_ID 01 (auth) and 02 (sign).
  softHsmTokenFor(hsm!, scrip.dataDir, { pin: PIN, userId: USER });

  const bad = await api('/pkcs11/modules', 'PUT', { modules: [{ path: join(hsm!.dir, 'nothing.so') }] });
  assert.equal(bad.status, 400, 'a module that does not load is refused');
  assert.match(String(bad.json.message), /could not be loaded/, 'the error names the failure');

  const set = await api('/pkcs11/modules', 'PUT', { modules: [{ path: SOFTHSM_MODULE, cards: 'none' }] });
  assert.equal(set.status, 200, `module saved: ${JSON.stringify(set.json)}`);
  const mod = (set.json.modules as Array<{ path: string; loaded: boolean; events: string }>)[0]!;
  assert.ok(mod.loaded, 'SoftHSM2 loaded');
  assert.match(mod.events, /polled every 250 ms/, 'SoftHSM2 has no C_WaitForSlotEvent: polled at the stated rate');

  await until('the token reader', async () =>
    (await readers()).some((r) => r.present && r.name.endsWith('[libsofthsm2.so]')),
  );
  const report = await api('/pkcs11/report');
  const slots = (
    report.json.modules as Array<{
      slots: Array<{ token: { label: string } | null; mechanisms: Array<{ name: string }> }>;
    }>
  )[0]!.slots;
  const token = slots.find((s) => s.token?.label === 'Scrip test');
  assert.ok(token, 'Diagnostics lists the token');
  assert.ok(
    token.mechanisms.some((m) => m.name === 'CKM_RSA_PKCS'),
    'and its mechanisms',
  );

  await until('card-present', async () => (await api('/session')).json.state === 'card-present');
  const status = await api('/card');
  assert.equal(status.json.cardType, 'pkcs11', 'the PKCS#11 driver reads the token');
  assert.equal(
    (status.json.holder as { userId: string }).userId,
    USER,
    'the holder comes from the authentication certificate',
  );
  assert.equal((status.json.pin as { source: string }).source, 'token-flags', 'tries come from the token flags');

  const wrong = await api('/session', 'POST', { pin: '000000', role: ROLE });
  assert.equal(wrong.json.code, 'pin-wrong', `a wrong PIN is refused: ${JSON.stringify(wrong.json)}`);
  const login = await api('/session', 'POST', { pin: PIN, role: ROLE });
  assert.equal(login.json.state, 'role-selected', `logged in to the sandbox broker: ${JSON.stringify(login.json)}`);
  await signAndSend();
  const out = await api('/session', 'DELETE');
  assert.ok(out.status < 300, `logged out: ${JSON.stringify(out.json)}`);
});

test('OpenSC opensc-pkcs11.so over the virtual PIV card: login, a prescription accepted, pulled mid-sign, PIN blocked', async (t) => {
  if (!need(t, requirements.secretService, requirements.pcscd, requirements.openscPkcs11)) return;
  const issued = issueCard({
    userId: USER,
    displayName: 'DR CLARE BOIN',
    pin: PIN,
    puk: '12345678',
    ca: join(scrip.dataDir, 'sandbox', 'ca'),
  });
  const card = new PivCard(issued.card);
  const attachment = new VpcdAttachment(card, { port: VPCD_PORT });
  try {
    const set = await api('/pkcs11/modules', 'PUT', { modules: [{ path: OPENSC_MODULE, cards: 'all' }] });
    assert.equal(set.status, 200, `OpenSC saved: ${JSON.stringify(set.json)}`);
    await until(
      'no token readers left',
      async () => !(await readers()).some((r) => r.name.endsWith('[libsofthsm2.so]')),
    );
    // pcscd must list the vpcd reader first (a pcscd restarted by an earlier file takes a moment to
    // load its drivers; until then nothing listens on the vpcd port and the insertion would wait).
    await waitForReader(VPCD_READER, false, 15_000);
    await attachment.insert();
    await until('card-present in the vpcd reader', async () => {
      const s = (await api('/session')).json;
      return s.state === 'card-present' && s.reader === VPCD_READER;
    });
    const status = await api('/card', 'GET');
    assert.equal(status.json.cardType, 'pkcs11', `the table sends the card to OpenSC: ${JSON.stringify(status.json)}`);
    const login = await api('/session', 'POST', { pin: PIN, role: ROLE });
    assert.equal(login.json.state, 'role-selected', `logged in through OpenSC: ${JSON.stringify(login.json)}`);
    await signAndSend();

    // Pulled during the signature: the first GENERAL AUTHENTICATE takes the card out of vpcd.
    const transmit = card.transmit.bind(card);
    let pulledAt = 0;
    card.transmit = (apdu: Uint8Array) => {
      if (!pulledAt && apdu[1] === 0x87) {
        pulledAt = Date.now();
        void attachment.remove();
        return new Uint8Array([0x6f, 0x00]);
      }
      return transmit(apdu);
    };
    const created = await api('/prescriptions', 'POST', { draft: draft() });
    const r = await api('/prescriptions/signature', 'POST', { ids: [String(created.json.id)], pin: PIN });
    const res = (r.json.results as Array<{ ok: boolean; error?: { code: string } }>)[0]!;
    assert.equal(res.ok, false, 'nothing is signed once the card is gone');
    assert.ok(pulledAt > 0, 'the card was pulled during the signature');
    await until('the session ended', async () => (await api('/session')).json.state !== 'role-selected', 3000);
    assert.ok(Date.now() - pulledAt < 3000, 'the session ends soon after the card leaves');
    card.transmit = transmit;
    assert.equal((await api(`/prescriptions/${String(created.json.id)}`)).json.status, 'draft', 'the draft is kept');

    // PIN blocked: each wrong try is told, the tries shown before typing come from the token flags.
    await until('the card seen out', async () => !(await readers()).find((x) => x.name === VPCD_READER)?.present);
    await attachment.insert();
    await until('card-present again', async () => (await api('/session')).json.state === 'card-present');
    const codes: string[] = [];
    for (let i = 0; i < 3; i++)
      codes.push(String((await api('/card/pin/verification', 'POST', { pin: '000000' })).json.code));
    // A program may not spend the last try (issue #15): the third is refused before the card sees it.
    assert.deepEqual(
      codes,
      ['pin-wrong', 'pin-wrong', 'bad-state'],
      'two wrong PINs count down; a program cannot use the last try',
    );
    // The last wrong try made at the card itself (another program, a person at another terminal).
    const verifyWrong = Uint8Array.from([0x00, 0x20, 0x00, 0x80, 0x08, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0xff, 0xff]);
    const sw = transmit(verifyWrong);
    assert.deepEqual([...sw.slice(-2)], [0x69, 0x83], 'the card itself is now blocked');
    const after = await api('/card');
    assert.equal(
      (after.json.pin as { blocked: boolean }).blocked,
      true,
      'status says blocked before anything is typed',
    );
    const refused = await api('/session', 'POST', { pin: PIN, role: ROLE });
    assert.equal(refused.json.code, 'pin-blocked', 'even the right PIN is refused');
  } finally {
    await attachment.remove().catch(() => undefined);
  }
});
