// EPS throughput of the sandbox: `$prepare` then `$process-message` for signed prescriptions, N
// clients at once over HTTPS on loopback, against `scrip sandbox` running in its own process (as a
// supplier runs it, so the server has its own core). Each client signs the prepared SignedInfo in
// software with the signing key of a virtual card issued by the sandbox CA, and uses a scripted
// session (`scrip sandbox token`). The sandbox verifies every signature (chain, revocation, digest
// against what it prepared); a tampered one is checked to be refused. Bounded by count and time.
// Also: the sandbox's signature check alone, in process, per second.
//
// BENCH_EPS_CLIENTS (default 48: fewer leave both cores partly idle, each client waiting on its
// answers, so the figure measures latency, not capacity), BENCH_EPS_COUNT (default 6000), BENCH_EPS_SECONDS (default 20);
// BENCH_EPS_CPU_PROF=<dir> runs the sandbox under `node --cpu-prof` and leaves the profile there.
import { performance } from 'node:perf_hooks';
import { Agent } from 'node:https';
import { spawn, execFileSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import Database from 'better-sqlite3';
import { openTestCa } from '../sandbox/ca';
import { issueCard } from '../sandbox/card/issue';
import { sandboxTrust } from '../sandbox/eps/process-message';
import { verifyPrescriptionSignature, findRequesterSignature } from '../protocols/eps/signature';
import { nodeHash, nodeSignatureCrypto } from '../sandbox/ca/signature-crypto';
import { percentile, round } from './_stats';
import { EPS_EXAMPLE as example, freshBundle, prescribe, send, signBundle, type Json } from './_eps-load';
import type { Figure } from './run';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const GP = '555086689106',
  ROLE = '200102238987';

/** CPU time (user + system) a process — or, with `thread`, one of its threads — has used so far, from /proc (Linux); NaN elsewhere. */
function processCpuMs(pid: number, thread?: number): number {
  try {
    const fields = readFileSync(thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`, 'utf8')
      .replace(/^.*\) /, '')
      .split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
}

const env = (k: string, d: number): number => (Number(process.env[k]) > 0 ? Number(process.env[k]) : d);

export async function run(): Promise<Figure[]> {
  if (!existsSync(example))
    return [
      {
        name: 'eps.throughput',
        value: 0,
        unit: 'prescriptions/s',
        note: `skipped: needs the EPS examples at ${example}`,
      },
    ];
  const template = JSON.parse(readFileSync(example, 'utf8')) as Json;
  const dir = mkdtempSync(join(tmpdir(), 'scrip-bench-eps-'));
  const scrip = join(root, 'bin', 'scrip.mjs');
  const profDir = process.env.BENCH_EPS_CPU_PROF;
  const child = spawn(
    process.execPath,
    [...(profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []), scrip, 'sandbox', '--data', dir, '--port', '0'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let agent: Agent | undefined;
  try {
    const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
    const ready = JSON.parse(line) as { baseUrl: string; caCertPath: string };
    const ca = readFileSync(ready.caCertPath, 'utf8');
    // A virtual card from the sandbox CA: its signing key (slot 9C) signs here, in software.
    const card = issueCard({ userId: GP, displayName: 'DR CLARE BOIN', pin: '123456', ca: join(dir, 'ca') }).card;
    const key = createPrivateKey(card.keys['9c'].privateKeyPem);
    const certB64 = Buffer.from(card.keys['9c'].certificateDer, 'hex').toString('base64');
    const clients = env('BENCH_EPS_CLIENTS', 48);
    // A few scripted sessions, shared round-robin (each `scrip sandbox token` is a process start).
    const sessions = Array.from(
      { length: Math.min(clients, 4) },
      () =>
        JSON.parse(
          execFileSync(process.execPath, [scrip, 'sandbox', 'token', '--data', dir, '--user', GP, '--role', ROLE], {
            encoding: 'utf8',
          }),
        ) as { token: string },
    );
    const tokens = Array.from({ length: clients }, (_, i) => sessions[i % sessions.length]!);
    agent = new Agent({ keepAlive: true, maxSockets: clients, ca });

    let seq = 0;
    const timing = { prepare: [] as number[], process: [] as number[], total: [] as number[] };
    /** One prescription, prepared, signed and sent; throws unless accepted. */
    const prescribeOne = async (
      token: string,
      record: boolean,
      tamper = false,
    ): Promise<{ status: number; body: string }> => {
      const r = await prescribe({
        agent: agent!,
        baseUrl: ready.baseUrl,
        token,
        role: ROLE,
        template,
        seq: ++seq,
        key,
        certB64,
        tamper,
      });
      if (r.prepare.status !== 200) throw new Error(`$prepare: ${r.prepare.status} ${r.prepare.body.slice(0, 300)}`);
      const sent = r.process!;
      if (tamper) return sent;
      if (sent.status !== 200) throw new Error(`$process-message: ${sent.status} ${sent.body.slice(0, 300)}`);
      const [t0, t1, t2, t3] = r.times;
      if (record) {
        timing.prepare.push(t1 - t0);
        timing.process.push(t3 - t2);
        timing.total.push(t3 - t0);
      }
      return sent;
    };

    // The check is real: a prescription changed after signing is refused.
    const tampered = await prescribeOne(tokens[0]!.token, false, true);
    if (tampered.status !== 400 || !/Signature doesn't match prescription/.test(tampered.body))
      throw new Error(`a tampered prescription was not refused: ${tampered.status} ${tampered.body.slice(0, 300)}`);

    for (let w = 0; w < 4; w++) await Promise.all(tokens.map((t) => prescribeOne(t.token, false))); // warm up
    const count = env('BENCH_EPS_COUNT', 6000),
      seconds = env('BENCH_EPS_SECONDS', 20);
    let accepted = 0;
    // The main thread's id is the process's: its event loop is what bounds the rate.
    const cpu0 = {
      sandbox: processCpuMs(child.pid!),
      loop: processCpuMs(child.pid!, child.pid!),
      client: process.cpuUsage(),
    };
    const t0 = performance.now();
    const stopAt = t0 + seconds * 1000;
    await Promise.all(
      tokens.map(async (t) => {
        while (accepted + clients <= count && performance.now() < stopAt) {
          await prescribeOne(t.token, true);
          accepted++;
        }
      }),
    );
    const elapsed = (performance.now() - t0) / 1000;
    // CPU time, not wall time: what each side costs per prescription however busy the machine is.
    const sandboxCpu = processCpuMs(child.pid!) - cpu0.sandbox;
    const loopCpu = processCpuMs(child.pid!, child.pid!) - cpu0.loop;
    const clientUsage = process.cpuUsage(cpu0.client);
    const clientCpu = (clientUsage.user + clientUsage.system) / 1000;

    // Where the sandbox ran its EPS checks (sandbox/eps/message-workers.ts): in worker threads, or in-process.
    const status = await send(agent, new URL('/_status', ready.baseUrl));
    const epsChecks = (
      JSON.parse(status.body) as { epsChecks: { ready: number; inWorkers: number; inProcess: number } }
    ).epsChecks;

    // Every accepted prescription is in the sandbox's store (and only accepted ones).
    const db = new Database(join(dir, 'sandbox.db'), { readonly: true });
    const stored = (db.prepare('SELECT COUNT(*) AS n FROM eps_prescriptions').get() as { n: number }).n;
    db.close();
    const expected = accepted + 4 * clients;
    if (stored !== expected) throw new Error(`the sandbox stored ${stored} prescriptions, expected ${expected}`);

    // The signature check alone, as the sandbox runs it (its crypto and trust), in this process.
    const caDir = openTestCa(join(dir, 'ca'));
    const trust = sandboxTrust({ ca: caDir, signatureCrypto: nodeSignatureCrypto });
    const sample = freshBundle(template, 1);
    const ts = new Date().toISOString().replace(/\.\d{3}Z$/, '+00:00');
    const { prepareDigest } = await import('../protocols/eps/fragments');
    const digest = prepareDigest(sample, ts, 'RS256', nodeHash).digest;
    const signedSample = signBundle(sample, digest, ts, key, certB64);
    const sig = findRequesterSignature(signedSample)!;
    const verify = () =>
      verifyPrescriptionSignature({ signatureXml: sig.xml, bundle: signedSample, signedAt: sig.when, trust });
    if (!(await verify()).ok) throw new Error('the sample signature does not verify');
    for (let i = 0; i < 200; i++) await verify();
    let verifications = 0;
    const v0 = performance.now();
    while (performance.now() - v0 < 2000) {
      await verify();
      verifications++;
    }
    const verifyRate = verifications / ((performance.now() - v0) / 1000);

    const note = `${clients} clients, ${accepted} prescriptions in ${round(elapsed, 1)} s, ${cpus().length} cores shared by client and sandbox; RSA-2048 SHA-256, client signs in software`;
    return [
      {
        name: 'eps.prescriptions-accepted-per-second',
        value: Math.round(accepted / elapsed),
        unit: 'prescriptions/s',
        note,
      },
      {
        name: 'eps.prescription.p50',
        value: round(percentile(timing.total, 50)),
        unit: 'ms',
        note: "$prepare + client signature + $process-message, one client's view",
      },
      { name: 'eps.prescription.p99', value: round(percentile(timing.total, 99)), unit: 'ms' },
      { name: 'eps.prepare.p50', value: round(percentile(timing.prepare, 50)), unit: 'ms' },
      { name: 'eps.process-message.p50', value: round(percentile(timing.process, 50)), unit: 'ms' },
      { name: 'eps.process-message.p99', value: round(percentile(timing.process, 99)), unit: 'ms' },
      {
        name: 'eps.sandbox-cpu-per-prescription',
        value: round(sandboxCpu / accepted),
        unit: 'ms',
        note: `sandbox process CPU (user+system) per accepted prescription: one core gives ${Math.round(1000 / (sandboxCpu / accepted))}/s`,
      },
      {
        name: 'eps.sandbox-event-loop-cpu-per-prescription',
        value: round(loopCpu / accepted),
        unit: 'ms',
        note: `the sandbox's main thread alone: it alone gives ${Math.round(1000 / (loopCpu / accepted))}/s; ${epsChecks.ready} worker thread(s) up, EPS checks run ${epsChecks.inWorkers} in a worker and ${epsChecks.inProcess} in-process`,
      },
      {
        name: 'eps.client-cpu-per-prescription',
        value: round(clientCpu / accepted),
        unit: 'ms',
        note: 'bench client CPU (bundles, signing, HTTPS) per prescription',
      },
      {
        name: 'eps.signature-verifications-per-second',
        value: Math.round(verifyRate),
        unit: 'verifications/s',
        note: 'verifyPrescriptionSignature + sandbox chain and revocation check, one thread',
      },
    ];
  } finally {
    agent?.destroy();
    child.kill('SIGTERM');
    if (child.exitCode === null) await once(child, 'exit');
    rmSync(dir, { recursive: true, force: true });
  }
}
