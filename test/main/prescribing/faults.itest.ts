// The pad under faults, over the real stack: a Scrip agent process (`node bin/scrip.mjs agent`)
// using pcscd + vpcd, the virtual card served from this process into vpcd, and the sandbox started
// here over HTTPS behind a TCP relay this test can cut or hold. The agent reaches the sandbox as a
// configured environment ("faults"), so its prescriber details come from prescriber settings.
//   - card pulled between $prepare and signing: clear error, drafts kept, nothing sent
//   - sandbox down mid-send, then restarted: the outbox retries; exactly one prescription each
//   - Scrip killed (SIGKILL) after signing, once the service has recorded the prescriptions but
//     before their answers arrive: after a restart, exactly one each at the service, all accepted
//   - bad input: invalid NHS number, unknown dm+d code, quantity zero, 10,000-character dosage,
//     markup in every free-text field: clear messages naming the field; exactly what was meant.
// Run it through the runner, which takes the machine-wide pcscd/vpcd lock:
//   bash scripts/with-session-bus.sh node scripts/run-suites.mjs integration faults
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import https, { request } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { syncBuiltinESMExports } from 'node:module';
import { readFileSync } from 'node:fs';
import { startSandbox, type RunningSandbox } from '../../../sandbox/server';
import { issueCard } from '../../../sandbox/card/issue';
import { PivCard } from '../../../sandbox/card/piv-card';
import { VpcdAttachment } from '../../../sandbox/card/vpcd-client';
import { testNhsNumber } from '../../../protocols/ids/nhs-number';
import { parseTrackerBundle, trackerQuery } from '../../../protocols/eps/tracker';
import { openStores } from '../../../main/app';
import { repoRoot } from '../../e2e/support/scrip-process';
import { need, requirements } from '../../support/system';

const PIN = '482913';
const USER = '555086689106',
  ROLE = '200102238987';
type Json = Record<string, unknown>;

/** A TCP relay in front of the sandbox: `down` refuses new connections (cut() ends the open ones). */
class Relay {
  server!: Server;
  port = 0;
  down = false;
  readonly #sockets = new Set<Socket>();
  constructor(public target: number) {}
  async start(): Promise<void> {
    this.server = createServer((client) => {
      if (this.down) {
        client.destroy();
        return;
      }
      const upstream = connect(this.target, '127.0.0.1');
      this.#sockets.add(client);
      this.#sockets.add(upstream);
      client.on('data', (d) => upstream.write(d));
      upstream.on('data', (d) => client.write(d));
      const end = () => {
        client.destroy();
        upstream.destroy();
        this.#sockets.delete(client);
        this.#sockets.delete(upstream);
      };
      client.on('close', end);
      upstream.on('close', end);
      client.on('error', end);
      upstream.on('error', end);
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    this.port = (this.server.address() as { port: number }).port;
  }
  cut(): void {
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
  }
  close(): Promise<void> {
    this.cut();
    return new Promise((r) => this.server.close(() => r()));
  }
}

// The sandbox runs in this process: its HTTPS server is wrapped so that, while `holdAnswers` is on,
// it processes (and records) each $process-message but keeps the answer back until released.
let holdAnswers = false;
const heldAnswers: Array<() => void> = [];
const realCreateServer = https.createServer;
(https as { createServer: unknown }).createServer = ((
  opts: https.ServerOptions,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
) =>
  realCreateServer(opts, (req, res) => {
    if (holdAnswers && req.method === 'POST' && req.url?.includes('$process-message')) {
      const end = res.end.bind(res) as (...a: unknown[]) => ServerResponse;
      res.end = ((...a: unknown[]) => {
        heldAnswers.push(() => end(...a));
        return res;
      }) as typeof res.end;
    }
    handler(req, res);
  })) as typeof https.createServer;
syncBuiltinESMExports();
const releaseAnswers = () => {
  holdAnswers = false;
  for (const f of heldAnswers.splice(0)) f();
};

let dir: string, sbDir: string, scripDir: string;
let sb: RunningSandbox;
let sbPort: number;
let relay: Relay;
let card: PivCard, attachment: VpcdAttachment;
let agent: { child: ChildProcess; url: string } | null = null;
let key: string;

async function startAgent(): Promise<void> {
  const child = spawn(process.execPath, [join(repoRoot, 'bin', 'scrip.mjs'), 'agent'], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      SCRIP_DATA_DIR: scripDir,
      SCRIP_PARENT_PID: String(process.pid),
      SCRIP_ENVIRONMENT: 'faults',
      SCRIP_VIRTUAL_CARD: 'off',
      SCRIP_TRACK_INTERVAL_MS: '3600000',
    },
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`agent not ready: ${stderr}`)), 30_000);
    createInterface({ input: child.stdout! }).on('line', (l) => {
      try {
        const v = JSON.parse(l) as Json;
        if (v.event === 'ready') {
          clearTimeout(timer);
          resolve(String(v.url));
        }
      } catch {
        /* other output */
      }
    });
    child.once('exit', (c) => {
      clearTimeout(timer);
      reject(new Error(`agent exited ${c}: ${stderr}`));
    });
  });
  agent = { child, url };
}
async function stopAgent(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  const a = agent;
  agent = null;
  if (!a || a.child.exitCode !== null || a.child.signalCode) return;
  const exited = new Promise((r) => a.child.once('exit', r));
  a.child.kill(signal);
  await exited;
}
async function api(path: string, method = 'GET', body?: unknown): Promise<{ status: number; json: Json }> {
  const res = await fetch(`${agent!.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: (await res.json()) as Json };
}
async function until<T>(what: string, f: () => Promise<T | null | undefined | false>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
const MY_READER = 'Virtual PCD 00 01'; // vpcd slot 1 (port 35964)
async function login(): Promise<void> {
  const v = await until('the card in the agent', async () => {
    const j = (await api('/session')).json;
    return j.state === 'card-present' ? j : null;
  });
  // Never send this PIN to someone else's card: the vpcd slots are shared (run under the lock).
  assert.equal(
    v.reader,
    MY_READER,
    `the agent chose the card in ${String(v.reader)}: another card is in vpcd; run it through scripts/run-suites.mjs, which takes the pcscd/vpcd lock`,
  );
  const r = await api('/session', 'POST', { pin: PIN, role: ROLE });
  assert.equal(r.json.state, 'role-selected', JSON.stringify(r.json));
}

/** The sandbox's own answer, asked directly (not through the relay) as the prescriber. */
function sandboxGet(path: string): Promise<Json> {
  const s = sb.context.broker.scriptedSession(USER, ROLE);
  assert.ok(typeof s !== 'string', "typeof s !== 'string'");
  const ca = readFileSync(sb.caCertPath, 'utf8');
  return new Promise((resolve, reject) => {
    request(
      new URL(path, sb.baseUrl),
      { ca, headers: { authorization: `Bearer ${s.token}`, 'nhsd-session-urid': ROLE, 'x-request-id': randomUUID() } },
      (res) => {
        let b = '';
        res.on('data', (c) => (b += c));
        res.on('end', () => resolve(JSON.parse(b) as Json));
      },
    )
      .on('error', reject)
      .end();
  });
}
/** How many prescriptions the service holds for this patient. */
async function atService(nhsNumber: string): Promise<string[]> {
  return parseTrackerBundle(await sandboxGet(`/FHIR/R4${trackerQuery({ nhsNumber })}`))
    .map((p) => p.shortFormId)
    .sort();
}
async function sandboxLog(
  pathPart: string,
): Promise<Array<{ method: string; path: string; status: number; requestId: string | null }>> {
  const j = await sandboxGet('/_log?since=0');
  return (j.exchanges as Array<{ method: string; path: string; status: number; requestId: string | null }>).filter(
    (e) => e.path.includes(pathPart),
  );
}

function draft(nhsNumber: string, extra: Json = {}): Json {
  return {
    patient: {
      nhsNumber,
      given: ['OCTAVIA'],
      family: 'CHISLETT',
      birthDate: '2008-09-20',
      gender: 'female',
      addressLines: ['1 TRINITY STREET'],
      postcode: 'HX7 8AW',
      nominatedPharmacy: { odsCode: 'FCG71', name: 'WESTON PHARMACY' },
    },
    patientConfirmed: true,
    items: [
      {
        lineId: randomUUID(),
        medication: { code: '39732311000001104', display: 'Amoxicillin 250mg capsules' },
        quantity: { value: 21, unitCode: '428641000', unit: 'capsule' },
        dosageText: 'One capsule three times a day',
      },
    ],
    ...extra,
  };
}
async function createMany(nhsNumber: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await api('/prescriptions', 'POST', { draft: draft(nhsNumber) });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    ids.push(String(r.json.id));
  }
  return ids;
}
/** The prescription's status; an answer that is not one (an error) fails here, naming it. */
const statusOf = async (id: string): Promise<string> => {
  const r = await api(`/prescriptions/${id}`);
  assert.equal(r.status, 200, `GET /prescriptions/${id}: ${JSON.stringify(r.json)}`);
  return String(r.json.status);
};

before(async (t) => {
  if (!need(t as Parameters<typeof need>[0], requirements.pcscd, requirements.secretService)) return;
  dir = mkdtempSync(join(tmpdir(), 'scrip-faults-'));
  sbDir = join(dir, 'sandbox');
  scripDir = join(dir, 'scrip');
  sb = await startSandbox({ dataDir: sbDir });
  sbPort = Number(new URL(sb.baseUrl).port);
  relay = new Relay(sbPort);
  await relay.start();
  const base = `https://127.0.0.1:${relay.port}`;
  mkdirSync(scripDir, { recursive: true, mode: 0o700 });
  writeFileSync(
    join(scripDir, 'environments.json'),
    JSON.stringify({
      environments: {
        faults: {
          label: 'Faults sandbox',
          brokerUrl: base,
          epsUrl: `${base}/FHIR/R4`,
          pdsUrl: base,
          caFile: sb.caCertPath,
        },
      },
    }),
  );
  const { db, apiKeys } = openStores(scripDir);
  key = apiKeys.create('faults', ['admin']).key;
  db.close();
  card = new PivCard(
    issueCard({ userId: USER, displayName: 'DR CLARE BOIN', pin: PIN, puk: '12345678', ca: sb.context.ca }).card,
  );
  attachment = new VpcdAttachment(card, { port: 35964 });
  await startAgent();
  await attachment.insert();
  await login();
  // Outside the sandbox environment the prescriber's details are the user's own settings.
  const unset = await api('/prescriptions/signature', 'POST', { ids: await createMany(testNhsNumber(1), 1), pin: PIN });
  assert.match(
    String((unset.json as { message?: string }).message ?? JSON.stringify(unset.json)),
    /prescriber and organisation details/,
  );
  const bad = await api('/prescriber', 'PUT', {
    settings: {
      professionalCode: { system: 'gmc', value: '12' },
      telecom: 'x',
      organisation: {
        name: 'HALLGARTH SURGERY',
        telecom: '0115 9737320',
        addressLines: ['CHEAPSIDE'],
        postcode: 'nowhere',
      },
    },
  });
  assert.equal(bad.status, 400);
  assert.match(String(bad.json.message), /professionalCode\.value: A GMC number is 7 digits/);
  assert.match(String(bad.json.message), /organisation\.postcode/);
  const set = await api('/prescriber', 'PUT', {
    settings: {
      professionalCode: { system: 'gmc', value: '6095103' },
      telecom: '01234567890',
      name: { prefix: 'DR', given: ['CLARE'], family: 'BOIN' },
      organisation: {
        name: 'HALLGARTH SURGERY',
        telecom: '0115 9737320',
        addressLines: ['HALLGARTH SURGERY', 'CHEAPSIDE'],
        city: 'SHILDON',
        postcode: 'DL4 2HP',
        partOf: { odsCode: '84H', name: 'NHS COUNTY DURHAM CCG' },
      },
    },
  });
  assert.equal(set.status, 200, JSON.stringify(set.json));
  assert.equal((await api('/prescriber')).json.source, 'settings');
});

after(async () => {
  await stopAgent();
  await attachment?.remove();
  await relay?.close();
  await sb?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('card pulled between $prepare and signing: a clear error, every draft kept, nothing sent', async (t) => {
  if (!need(t, requirements.pcscd, requirements.secretService)) return;
  const nhs = testNhsNumber(randomBytes(3).readUIntBE(0, 3));
  const ids = await createMany(nhs, 2);
  const prepares = (await sandboxLog('$prepare')).length;
  // The first card command of the signing step pulls the card: by then both $prepare calls are done.
  const transmit = card.transmit.bind(card);
  if (heldAnswers.length) throw new Error('answers still held');
  let pulled = false;
  card.transmit = (apdu: Uint8Array) => {
    if (!pulled) {
      pulled = true;
      void attachment.remove();
      return new Uint8Array([0x6f, 0x00]);
    }
    return transmit(apdu);
  };
  try {
    const r = await api('/prescriptions/signature', 'POST', { ids, pin: PIN });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const results = r.json.results as Array<{
      ok: boolean;
      status: string;
      error?: { code: string; message: string; action: string };
    }>;
    assert.deepEqual(
      results.map((x) => [x.ok, x.status]),
      [
        [false, 'draft'],
        [false, 'draft'],
      ],
    );
    for (const x of results) {
      assert.ok(['card-removed', 'no-card'].includes(x.error!.code), JSON.stringify(x.error));
      assert.match(`${x.error!.message} ${x.error!.action}`, /card/i);
    }
  } finally {
    card.transmit = transmit;
  }
  assert.equal((await sandboxLog('$prepare')).length, prepares + 2, 'both were prepared');
  for (const id of ids) assert.equal(await statusOf(id), 'draft');
  assert.deepEqual(await atService(nhs), [], 'nothing reached the service');
  // Put back (after pcscd has seen it out), log in again: the same drafts sign and go.
  await until(
    'the card seen out',
    async () =>
      (await api('/session')).json.state !== 'role-selected' &&
      !((await api('/readers')).json.readers as Array<{ name: string; present: boolean }>).find(
        (x) => x.name === MY_READER,
      )?.present,
  );
  await attachment.insert();
  await login();
  const again = await api('/prescriptions/signature', 'POST', { ids, pin: PIN });
  assert.deepEqual(
    (again.json.results as Array<{ ok: boolean }>).map((x) => x.ok),
    [true, true],
    JSON.stringify(again.json),
  );
  await until('accepted', async () => {
    await api('/prescriptions/outbox', 'POST', {});
    return (await Promise.all(ids.map(statusOf))).every((s) => s === 'accepted');
  });
  assert.equal((await atService(nhs)).length, 2);
});

test('sandbox down mid-send, then restarted: the outbox retries with the same X-Request-ID; exactly one each', async (t) => {
  if (!need(t, requirements.pcscd, requirements.secretService)) return;
  const nhs = testNhsNumber(randomBytes(3).readUIntBE(0, 3));
  const ids = await createMany(nhs, 3);
  // The service goes down as soon as the first is signed (sending waits for the whole batch).
  const watching = until('the first signed', async () => (await statusOf(ids[0]!)) === 'signed', 20_000).then(() => {
    relay.down = true;
    relay.cut();
  });
  const r = await api('/prescriptions/signature', 'POST', { ids, pin: PIN });
  await watching;
  assert.deepEqual(
    (r.json.results as Array<{ ok: boolean }>).map((x) => x.ok),
    [true, true, true],
  );
  await sb.close();
  const failing = await until('a failed attempt', async () => {
    const rec = (await api(`/prescriptions/${ids[0]}`)).json;
    return rec.status === 'sending' && rec.lastError ? rec : null;
  });
  assert.ok(Number(failing.sendAttempts) >= 1, 'Number(failing.sendAttempts) >= 1');
  sb = await startSandbox({ dataDir: sbDir, port: sbPort });
  relay.down = false;
  await until(
    'all accepted after the restart',
    async () => (await Promise.all(ids.map(statusOf))).every((s) => s === 'accepted'),
    60_000,
  );
  const shortIds = await Promise.all(
    ids.map(async (id) => String((await api(`/prescriptions/${id}`)).json.shortFormId)),
  );
  assert.deepEqual(await atService(nhs), [...shortIds].sort(), 'exactly the three, once each');
  const sends = (await sandboxLog('$process-message')).filter((e) => e.status === 200);
  for (const id of ids) {
    const { db } = openStores(scripDir);
    const requestId = String(
      (db.prepare('SELECT request_id FROM prescriptions WHERE id = ?').get(id) as { request_id: string }).request_id,
    );
    db.close();
    assert.ok(
      sends.some((e) => e.requestId === requestId),
      'sent with its own X-Request-ID',
    );
  }
});

test('Scrip killed after signing, the service holding the prescriptions but the answers not yet back: after restart, one each, accepted', async (t) => {
  if (!need(t, requirements.pcscd, requirements.secretService)) return;
  const nhs = testNhsNumber(randomBytes(3).readUIntBE(0, 3));
  const ids = await createMany(nhs, 3);
  // From the first signature on, the service records each prescription but holds its answer back
  // (sending waits for the whole batch, so no answer has come back before this is armed).
  const arming = until('the first signed', async () => (await statusOf(ids[0]!)) === 'signed', 20_000).then(() => {
    holdAnswers = true;
  });
  try {
    const r = await api('/prescriptions/signature', 'POST', { ids, pin: PIN });
    await arming;
    assert.deepEqual(
      (r.json.results as Array<{ ok: boolean }>).map((x) => x.ok),
      [true, true, true],
    );
    // The outbox sends one at a time: the first is recorded at the service and its answer held, the
    // other two are still waiting in the outbox when Scrip dies.
    await until(
      'the service has recorded the first',
      async () => heldAnswers.length >= 1 && (await atService(nhs)).length === 1,
      20_000,
    );
    for (const id of ids) assert.notEqual(await statusOf(id), 'accepted', 'no answer reached Scrip yet');
    await stopAgent('SIGKILL');
  } finally {
    releaseAnswers(); // to a process that is gone
  }
  relay.cut();

  await startAgent();
  // Until someone logs in, nothing can be sent; the prescriptions wait, signed, in the outbox.
  for (const id of ids) {
    const status = await statusOf(id);
    assert.ok(
      ['signed', 'sending'].includes(status),
      `${id} waits in the outbox after the restart (signed or sending), not ${status}`,
    );
  }
  await login();
  await until(
    'accepted after the restart',
    async () => (await Promise.all(ids.map(statusOf))).every((s) => s === 'accepted'),
    60_000,
  );
  assert.equal((await atService(nhs)).length, 3, 'exactly one each at the service');
});

test('bad input: clear messages naming the field; exactly the prescriptions meant; markup travels as text', async (t) => {
  if (!need(t, requirements.pcscd, requirements.secretService)) return;
  const nhs = testNhsNumber(randomBytes(3).readUIntBE(0, 3));
  const invalidNhs = nhs.slice(0, 9) + String((Number(nhs[9]) + 1) % 10);
  const badNhs = await api('/prescriptions', 'POST', { draft: draft(invalidNhs) });
  assert.equal(badNhs.status, 400);
  assert.match(String(badNhs.json.message), /Patient NHS number: This is not a valid NHS number/);

  const tooLong = await api('/prescriptions', 'POST', {
    draft: draft(nhs, { items: [{ ...(draft(nhs).items as Json[])[0], dosageText: 'x'.repeat(10_001) }] }),
  });
  assert.equal(tooLong.status, 400);
  assert.match(String(tooLong.json.message), /Item 1 dosage instructions: .*10,000 characters/);

  const unknown = await api('/prescriptions', 'POST', {
    draft: draft(nhs, {
      items: [
        { ...(draft(nhs).items as Json[])[0], medication: { code: '99999999999999', display: 'Not a medicine' } },
      ],
    }),
  });
  const zero = await api('/prescriptions', 'POST', {
    draft: draft(nhs, {
      items: [{ ...(draft(nhs).items as Json[])[0], quantity: { value: 0, unitCode: '428641000', unit: 'capsule' } }],
    }),
  });
  assert.match(
    ((await api(`/prescriptions/${unknown.json.id}`)).json.problems as string[]).join(' '),
    /Item 1 \(Not a medicine\): dm\+d has no medicine with the code 99999999999999/,
  );
  assert.match(
    ((await api(`/prescriptions/${zero.json.id}`)).json.problems as string[]).join(' '),
    /Item 1 \(Amoxicillin 250mg capsules\): the quantity must be more than zero/,
  );

  const markup = '<script>alert(1)</script> & ]]> "q"';
  const short = '<b>&]]>';
  const long = await api('/prescriptions', 'POST', {
    draft: draft(nhs, {
      items: [
        { ...(draft(nhs).items as Json[])[0], dosageText: `${markup} ${'y'.repeat(10_000 - markup.length - 1)}` },
      ],
    }),
  });
  const marked = await api('/prescriptions', 'POST', {
    draft: draft(nhs, {
      patient: {
        nhsNumber: nhs,
        given: [short],
        family: `CHISLETT${short}`,
        birthDate: '2008-09-20',
        gender: 'female',
        addressLines: [short],
        postcode: 'HX7 8AW',
        nominatedPharmacy: { odsCode: 'FCG71', name: short },
      },
      items: [
        {
          ...(draft(nhs).items as Json[])[0],
          medication: { code: '39732311000001104', display: `Amoxicillin 250mg capsules ${markup}` },
          dosageText: markup,
          additionalInstructions: markup,
        },
      ],
      patientInformation: markup,
    }),
  });
  assert.equal(long.status, 200, JSON.stringify(long.json));
  assert.equal(marked.status, 200, JSON.stringify(marked.json));
  const ids = [String(unknown.json.id), String(zero.json.id), String(long.json.id), String(marked.json.id)];
  const signed = (await api('/prescriptions/signature', 'POST', { ids, pin: PIN })).json.results as Array<{
    ok: boolean;
    error?: { code: string; message: string };
  }>;
  assert.deepEqual(
    signed.map((x) => x.ok),
    [false, false, true, true],
    JSON.stringify(signed),
  );
  assert.match(signed[0]!.error!.message, /dm\+d has no medicine/);
  assert.match(signed[1]!.error!.message, /more than zero/);
  await until('accepted', async () => {
    await api('/prescriptions/outbox', 'POST', {});
    return (await statusOf(ids[2]!)) === 'accepted' && (await statusOf(ids[3]!)) === 'accepted';
  });
  const rec = (await api(`/prescriptions/${ids[3]}`)).json;
  assert.equal(await statusOf(ids[0]!), 'draft');
  assert.equal(await statusOf(ids[1]!), 'draft');
  assert.deepEqual(
    await atService(nhs),
    [String((await api(`/prescriptions/${ids[2]}`)).json.shortFormId), String(rec.shortFormId)].sort(),
    'exactly the two meant',
  );
  // Markup round-trips as text, and is escaped in the XML that was signed.
  const item = ((rec.draft as Json).items as Json[])[0]!;
  assert.deepEqual(
    [item.dosageText, item.additionalInstructions, (rec.draft as Json).patientInformation],
    [markup, markup, markup],
  );
  const { db } = openStores(scripDir);
  const bundle = JSON.parse(
    String((db.prepare('SELECT bundle FROM prescriptions WHERE id = ?').get(ids[3]) as { bundle: string }).bundle),
  ) as Json;
  db.close();
  const digest = await api('/prescriptions/digest', 'POST', {
    bundle: {
      ...bundle,
      entry: (bundle.entry as Json[]).filter((e) => (e.resource as Json).resourceType !== 'Provenance'),
    },
  });
  const fragments = String(digest.json.fragments);
  assert.ok(
    fragments.includes('&lt;script&gt;alert(1)&lt;/script&gt; &amp; ]]&gt;'),
    'markup escaped in the signed fragments',
  );
  assert.ok(!fragments.includes('<script>'), "!fragments.includes('<script>')");
  assert.ok(!fragments.includes('<b>'), "!fragments.includes('<b>')");
});
