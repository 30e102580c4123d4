// Batch of 100 prescriptions, signed and sent over the real stack: the virtual card in its own
// process behind vpcd + pcscd, the sandbox over HTTPS on loopback, Scrip's prescribing service in
// this process. Total = from `sign(100 ids)` until all 100 are accepted. Split, measured not guessed:
//   card    time waiting on PC/SC answers (pcscd + vpcd + the card), summed at the connector
//   service time waiting on EPS ($prepare, $process-message), summed by PrescribingTimings
//   Scrip   the rest (building Bundles, fragments + C14N + digest check, padding, checking the card's
//           signature, SQLite commits with synchronous=FULL, the outbox)
// Needs the vpcd lock: flock /tmp/scrip-pcsc.lock npm run bench -- prescribing
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { createApp } from '../main/app';
import { sandboxEnvironment } from '../main/embedded';
import { PcscCardConnector } from '../native/pcsc/card-connection';
import { TimedConnector } from './_timed-connector';
import { startSandbox } from '../sandbox/server';
import { issueCard } from '../sandbox/card/issue';
import { writeCardFile } from '../sandbox/card/card-file';
import { requirements } from '../test/support/system';
import { round } from './_stats';
import type { Figure } from './run';

const PIN = '482913';
const N = Number(process.env.BENCH_PRESCRIBING_N ?? 100);

function insert(cardFile: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      join(import.meta.dirname, '..', 'bin', 'scrip.mjs'),
      'card',
      'virtual',
      '--card',
      cardFile,
      '--vpcd',
      '127.0.0.1:35963',
    ],
    { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, SCRIP_CARD_PARENT_PID: String(process.pid) } },
  );
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('the virtual card did not reach vpcd')), 10_000);
    createInterface({ input: child.stdout! }).on('line', (l) => {
      if (l.includes('"inserted"')) {
        clearTimeout(t);
        resolve(child);
      }
    });
  });
}

const draft = (i: number) => ({
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
      dosageText: `One capsule three times a day for 7 days (${i})`,
    },
    {
      lineId: randomUUID(),
      medication: { code: '322237000', display: 'Paracetamol 500mg soluble tablets' },
      quantity: { value: 32, unitCode: '428673006', unit: 'tablet' },
      dosageText: 'Two tablets up to four times a day when required',
    },
  ],
});

export async function run(): Promise<Figure[]> {
  const missing = requirements.pcscd.check();
  if (missing) return [{ name: 'batch.skipped', value: 0, unit: '', note: missing }];
  const dir = mkdtempSync(join(tmpdir(), 'scrip-bench-rx-'));
  const sb = await startSandbox({ dataDir: join(dir, 'sandbox') });
  const cardFile = join(dir, 'card.json');
  writeCardFile(
    cardFile,
    issueCard({ userId: '555086689106', displayName: 'DR CLARE BOIN', pin: PIN, ca: sb.context.ca }).card,
  );
  const env = sandboxEnvironment(sb);
  const connector = new TimedConnector(new PcscCardConnector());
  const app = await createApp({ dataDir: join(dir, 'app'), environment: () => env, cardConnector: connector });
  let child: ChildProcess | null = null;
  try {
    child = await insert(cardFile);
    const id = app.services.identity;
    for (let i = 0; i < 200 && id.view().state !== 'card-present'; i++) await new Promise((r) => setTimeout(r, 50));
    await id.login({ pin: PIN, roleId: '200102238987' });
    const rx = app.services.prescribing;
    const ids = Array.from({ length: N }, (_, i) => rx.create(draft(i)).id);
    // Warm-up: one prescription through the whole path (TLS sessions, the card's certificates, JIT).
    const warm = rx.create(draft(-1)).id;
    await rx.sign([warm], PIN);
    await rx.send();

    rx.timings.reset();
    connector.waitMs = 0;
    connector.apdus = 0;
    const t0 = performance.now();
    const results = await rx.sign(ids, PIN);
    const signedAt = performance.now();
    const cardAfterSign = connector.waitMs;
    const serviceAfterSign = rx.timings.service;
    for (let pass = 0; ; pass++) {
      await rx.send();
      if (ids.every((i) => app.services.prescriptions.get(i)?.status === 'accepted')) break;
      if (pass > 50)
        throw new Error(`not all accepted: ${ids.map((i) => app.services.prescriptions.get(i)?.status).join(',')}`);
    }
    const total = performance.now() - t0;
    const failed = results.filter((r) => !r.ok);
    if (failed.length) throw new Error(`${failed.length} of ${N} failed to sign: ${JSON.stringify(failed[0])}`);
    const card = connector.waitMs,
      service = rx.timings.service,
      own = total - card - service;
    const per = (v: number) => round(v / N, 2);
    return [
      { name: 'batch.count', value: N, unit: 'prescriptions', note: 'two items each' },
      { name: 'batch.total', value: round(total, 0), unit: 'ms', note: `${per(total)} ms per prescription` },
      {
        name: 'batch.card',
        value: round(card, 0),
        unit: 'ms',
        note: `${connector.apdus} APDUs, waiting on pcscd + vpcd + the card`,
      },
      {
        name: 'batch.service',
        value: round(service, 0),
        unit: 'ms',
        note: `EPS: $prepare ${round(serviceAfterSign, 0)} ms (during signing), $process-message ${round(service - serviceAfterSign, 0)} ms`,
      },
      { name: 'batch.scrip-own', value: round(own, 0), unit: 'ms', note: `${per(own)} ms per prescription` },
      { name: 'batch.scrip-own-share', value: round((own / total) * 100, 1), unit: '%', note: 'target < 10 %' },
      {
        name: 'batch.sign-phase',
        value: round(signedAt - t0, 0),
        unit: 'ms',
        note: `of which card ${round(cardAfterSign, 0)} ms`,
      },
    ];
  } finally {
    child?.kill('SIGTERM');
    app.services.identity.logout();
    await new Promise((r) => setTimeout(r, 200));
    await app.close();
    await sb.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
