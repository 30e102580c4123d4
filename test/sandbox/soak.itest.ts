// Soak (issue 11): `scrip sandbox` in its own process, as a supplier runs it, polled at /_log every
// 100 ms for 60 s by a script holding the admin secret while 16 clients prescribe (prepare, sign,
// process-message; 5 a second each) and a probe asks /_status every 100 ms. Bounded: every loop stops at the
// deadline, and the sandbox is stopped at the end whatever happened.
//
// Stated bounds:
// - the message log on disk (its pages, by SQLite's dbstat) stays under 1.25 × its configured limit
//   (--log-max-mb 8): it is full long before the end and stays there;
// - the database file and its WAL at the end, less the pages of the prescriptions' own tables (which
//   grow with every accepted prescription, as they must), are under the log limit + 24 MB (the WAL
//   between checkpoints, free pages, schema);
// - the sandbox's RSS at the end is within 64 MB of its RSS after the first 10 s (warm), and never
//   above 400 MB;
// - /_status answers in under 50 ms at the 99th percentile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import { issueCard } from '../../sandbox/card/issue';
import { EPS_EXAMPLE, prescribe, send, type Json } from '../../bench/_eps-load';
import { percentile } from '../../bench/_stats';

const root = new URL('../..', import.meta.url).pathname;
const scrip = join(root, 'bin', 'scrip.mjs');
const GP = '555086689106',
  ROLE = '200102238987';
const SOAK_MS = 60_000,
  WARM_MS = 10_000,
  CLIENTS = 16,
  LOG_MAX_MB = 8;
/**
 * Prescriptions a client starts per second at most (SOAK_CLIENT_RATE; 0: as fast as answers come).
 * 16 × 5/s is 80 signed prescriptions a second (160 requests), a busy shared service's load, leaving
 * the sandbox's core headroom to answer others; its capacity is bench/sandbox-eps.ts's question.
 */
const CLIENT_RATE = Number(process.env.SOAK_CLIENT_RATE ?? 5);
const MB = 1024 * 1024;

const rssBytes = (pid: number): number =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) * 1024;
const fileBytes = (f: string): number => (existsSync(f) ? statSync(f).size : 0);

test(
  'soak: /_log polled every 100 ms for 60 s while 16 clients prescribe; database, RSS and /_status stay flat',
  { timeout: 150_000 },
  async (t) => {
    if (!existsSync(EPS_EXAMPLE)) {
      t.skip(`needs NHS England's EPS examples at ${EPS_EXAMPLE}`);
      return;
    }
    if (process.platform !== 'linux') {
      t.skip('reads RSS from /proc');
      return;
    }
    const template = JSON.parse(readFileSync(EPS_EXAMPLE, 'utf8')) as Json;
    const dir = mkdtempSync(join(tmpdir(), 'scrip-soak-'));
    const child = spawn(
      process.execPath,
      [scrip, 'sandbox', '--data', dir, '--port', '0', '--log-max-mb', String(LOG_MAX_MB)],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const agents: Agent[] = [];
    try {
      const lines = createInterface({ input: child.stdout! });
      const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const [line] = (await once(lines, 'line')) as [string];
      clearTimeout(killer);
      const ready = JSON.parse(line) as { baseUrl: string; caCertPath: string; adminSecretFile: string };
      const ca = readFileSync(ready.caCertPath, 'utf8');
      const secret = readFileSync(ready.adminSecretFile, 'utf8').trim();
      const card = issueCard({ userId: GP, displayName: 'DR CLARE BOIN', pin: '123456', ca: join(dir, 'ca') }).card;
      const key = createPrivateKey(card.keys['9c'].privateKeyPem);
      const certB64 = Buffer.from(card.keys['9c'].certificateDer, 'hex').toString('base64');
      const token = (
        JSON.parse(
          execFileSync(process.execPath, [scrip, 'sandbox', 'token', '--data', dir, '--user', GP, '--role', ROLE], {
            encoding: 'utf8',
            timeout: 30_000,
          }),
        ) as { token: string }
      ).token;
      const agent = (n: number) => {
        const a = new Agent({ keepAlive: true, maxSockets: n, ca });
        agents.push(a);
        return a;
      };
      const clientAgent = agent(CLIENTS),
        pollAgent = agent(1),
        statusAgent = agent(1);

      const started = performance.now();
      const deadline = started + SOAK_MS;
      const running = () => performance.now() < deadline;
      /** Runs `f` every `ms` (after the last one ended) until the deadline. */
      const every = async (ms: number, f: () => Promise<void>) => {
        while (running()) {
          await f();
          const wait = Math.min(ms, deadline - performance.now());
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        }
      };

      let accepted = 0,
        seq = 0;
      const refused: string[] = [];
      const clients = Array.from({ length: CLIENTS }, async (_, i) => {
        // Started apart, each at its own steady pace: a shared service's clients, not a stampede.
        let next = started + (i * 1000) / Math.max(1, CLIENT_RATE) / CLIENTS;
        while (running()) {
          if (CLIENT_RATE > 0) {
            const wait = Math.min(next, deadline) - performance.now();
            if (wait > 0) await new Promise((r) => setTimeout(r, wait));
            if (!running()) break;
            // The next slot; a client that fell behind starts again from now rather than bursting.
            next = Math.max(next + 1000 / CLIENT_RATE, performance.now());
          }
          const r = await prescribe({
            agent: clientAgent,
            baseUrl: ready.baseUrl,
            token,
            role: ROLE,
            template,
            seq: ++seq,
            key,
            certB64,
          });
          if (r.process?.status === 200) accepted++;
          else if (refused.length < 5)
            refused.push(
              `${r.prepare.status} ${r.process?.status ?? '-'} ${(r.process?.body ?? r.prepare.body).slice(0, 200)}`,
            );
        }
      });

      let since = 0,
        polls = 0,
        largestPage = 0;
      const pollFailures: string[] = [];
      const poller = every(100, async () => {
        const r = await send(pollAgent, new URL(`/_log?since=${since}`, ready.baseUrl), {
          headers: { authorization: `Bearer ${secret}` },
        });
        polls++;
        largestPage = Math.max(largestPage, Buffer.byteLength(r.body));
        if (r.status !== 200) {
          pollFailures.push(`${r.status} ${r.body.slice(0, 200)}`);
          return;
        }
        since = (JSON.parse(r.body) as { last: number }).last;
      });

      const statusMs: number[] = [];
      const prober = every(100, async () => {
        const t0 = performance.now();
        const r = await send(statusAgent, new URL('/_status', ready.baseUrl));
        if (running()) statusMs.push(performance.now() - t0);
        assert.equal(r.status, 200, '/_status answers');
      });

      const dbFile = join(dir, 'sandbox.db');
      const samples: Array<{ at: number; rss: number; files: number; logPages: number }> = [];
      const reader = new Database(dbFile, { readonly: true });
      // dbstat constrained by name walks only that table's pages (the log: at most a few MB).
      const logPages = reader
        .prepare("SELECT COALESCE(SUM(pgsize), 0) AS n FROM dbstat WHERE name = 'message_log'")
        .pluck();
      const sampler = every(1000, async () => {
        samples.push({
          at: performance.now() - started,
          rss: rssBytes(child.pid!),
          files: fileBytes(dbFile) + fileBytes(`${dbFile}-wal`),
          logPages: Number(logPages.get()),
        });
      });

      await Promise.all([...clients, poller, prober, sampler]);
      // Once, at the end: what the prescriptions' own tables take (every table but the log).
      const otherTables = Number(
        reader
          .prepare(
            "SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name NOT IN ('message_log', 'sqlite_schema', 'sqlite_sequence')",
          )
          .pluck()
          .get(),
      );
      const files = fileBytes(dbFile) + fileBytes(`${dbFile}-wal`);
      reader.close();

      const warm = samples.find((s) => s.at >= WARM_MS)!;
      const last = samples.at(-1)!;
      const p99 = percentile(statusMs, 99);
      const summary =
        `${CLIENTS} clients at ${CLIENT_RATE || 'full'}/s each, accepted ${accepted}, polls ${polls}, largest page ${largestPage} B, /_status p50 ${percentile(statusMs, 50).toFixed(1)} ms p99 ${p99.toFixed(1)} ms (${statusMs.length}), ` +
        `RSS warm ${Math.round(warm.rss / MB)} MB last ${Math.round(last.rss / MB)} MB max ${Math.round(Math.max(...samples.map((s) => s.rss)) / MB)} MB, ` +
        `log pages max ${(Math.max(...samples.map((s) => s.logPages)) / MB).toFixed(1)} MB, db+wal at the end ${Math.round(files / MB)} MB of which prescriptions' tables ${Math.round(otherTables / MB)} MB`;
      t.diagnostic(summary);
      assert.ok(
        accepted > 0 && refused.length === 0,
        `the clients prescribed: ${summary}; refused: ${refused.join(' | ')}`,
      );
      assert.equal(
        pollFailures.length,
        0,
        `every poll of the log was answered: ${pollFailures.slice(0, 3).join(' | ')}`,
      );
      assert.ok(largestPage <= MB + 1024, `every /_log answer within its 1 MB page limit: ${largestPage}`);
      for (const s of samples) {
        assert.ok(
          s.logPages <= 1.25 * LOG_MAX_MB * MB,
          `at ${Math.round(s.at / 1000)} s the log takes ${Math.round(s.logPages / MB)} MB, limit ${LOG_MAX_MB} MB: ${summary}`,
        );
        assert.ok(s.rss <= 400 * MB, `at ${Math.round(s.at / 1000)} s RSS is ${Math.round(s.rss / MB)} MB: ${summary}`);
      }
      assert.ok(
        files - otherTables <= (LOG_MAX_MB + 24) * MB,
        `the database less the prescriptions' tables is ${Math.round((files - otherTables) / MB)} MB: ${summary}`,
      );
      assert.ok(last.rss - warm.rss <= 64 * MB, `RSS flat after warm-up (within 64 MB): ${summary}`);
      // The timing bounds last: they depend on the machine's load, the ones above do not.
      assert.ok(polls >= 300, `the log was polled about every 100 ms (${polls} polls): ${summary}`);
      assert.ok(p99 < 50, `/_status p99 under 50 ms: ${summary}`);
      assert.doesNotMatch(stderr, /log-failure/, 'every exchange was logged');
    } finally {
      for (const a of agents) a.destroy();
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
