// Identity agent timings over the real stack: the virtual card in its own process behind vpcd,
// pcscd, the sandbox over HTTPS on loopback, Scrip's identity service in this process.
//   login: card present → authenticated with a role, split into card, broker and Scrip's own time
//   removal: card pulled (vpcd socket closed) → session ended in Scrip, and → token destroyed at the broker
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { createApp } from '../main/app';
import { sandboxEnvironment } from '../main/embedded';
import { startSandbox } from '../sandbox/server';
import { issueCard } from '../sandbox/card/issue';
import { writeCardFile } from '../sandbox/card/card-file';
import { ServiceClient } from '../main/net/service-client';
import { percentile, round } from './_stats';
import type { Figure } from './run';

const PIN = '482913';
const live = new Set<ChildProcess>();
const RUNS = Number(process.env.BENCH_IDENTITY_RUNS ?? 50);

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
  live.add(child);
  child.once('exit', () => live.delete(child));
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

export async function run(): Promise<Figure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'scrip-bench-id-'));
  const sb = await startSandbox({ dataDir: join(dir, 'sandbox') });
  const cardFile = join(dir, 'card.json');
  writeCardFile(
    cardFile,
    issueCard({ userId: '555086689106', displayName: 'DR CLARE BOIN', pin: PIN, ca: sb.context.ca }).card,
  );
  const env = sandboxEnvironment(sb);
  const app = await createApp({ dataDir: join(dir, 'app'), environment: () => env });
  const id = app.services.identity;
  const events = app.services.events;
  // Broker time: every HTTPS exchange the identity service makes during a login goes through here.
  let brokerMs = 0;
  const send = ServiceClient.prototype.send;
  ServiceClient.prototype.send = async function timed(this: ServiceClient, ...a: Parameters<typeof send>) {
    const t0 = performance.now();
    try {
      return await send.apply(this, a);
    } finally {
      brokerMs += performance.now() - t0;
    }
  };
  const cards = app.services.cards;
  let cardMs = 0;
  for (const m of ['verifyPin', 'sign', 'status'] as const) {
    const orig = cards[m].bind(cards) as (...a: unknown[]) => Promise<unknown>;
    (cards as unknown as Record<string, unknown>)[m] = async (...a: unknown[]) => {
      const t0 = performance.now();
      try {
        return await orig(...a);
      } finally {
        cardMs += performance.now() - t0;
      }
    };
  }
  const login: number[] = [],
    card: number[] = [],
    broker: number[] = [],
    own: number[] = [];
  const locked: number[] = [],
    destroyed: number[] = [];
  const until = (pred: () => boolean, ms = 10_000) =>
    new Promise<void>((resolve, reject) => {
      if (pred()) return resolve();
      const t = setTimeout(() => {
        stop();
        reject(new Error(`timed out in state ${id.view().state}`));
      }, ms);
      const stop = events.subscribe(() => {
        if (pred()) {
          clearTimeout(t);
          stop();
          resolve();
        }
      });
    });
  try {
    for (let i = 0; i < RUNS; i++) {
      const child = await insert(cardFile);
      await until(() => id.view().state === 'card-present' || id.view().state === 'ended');
      // The card's identity is read once on insertion, as the UI does; the reader list can lag the
      // insertion event by a poll, so give it a moment.
      for (let tries = 0; ; tries++) {
        try {
          await app.services.cards.status();
          break;
        } catch (e) {
          if (tries > 40) throw e;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      cardMs = 0;
      brokerMs = 0;
      const t0 = performance.now();
      await id.login({ pin: PIN, roleId: '200102238987' });
      const total = performance.now() - t0;
      login.push(total);
      card.push(cardMs);
      broker.push(brokerMs);
      own.push(total - cardMs - brokerMs);
      const token = id.ticket({ label: 'bench', keyId: null }).token;
      const pulled = performance.now();
      const ended = until(() => id.view().state !== 'role-selected');
      child.kill('SIGTERM');
      await ended;
      locked.push(performance.now() - pulled);
      while (sb.context.broker.session(token) !== 'token-logged-out') await new Promise((r) => setTimeout(r, 2));
      destroyed.push(performance.now() - pulled);
      await until(() => id.view().state === 'no-card' || id.view().state === 'ended');
    }
  } finally {
    ServiceClient.prototype.send = send;
    for (const c of live) c.kill('SIGTERM');
    await app.close();
    await sb.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const f = (name: string, xs: number[], p: number) => ({ name, value: round(percentile(xs, p), 1), unit: 'ms' });
  return [
    f('login.total.p50', login, 50),
    f('login.total.p95', login, 95),
    f('login.card.p50', card, 50),
    f('login.broker.p50', broker, 50),
    f('login.scrip-own.p50', own, 50),
    f('removal.session-ended.p50', locked, 50),
    { name: 'removal.session-ended.worst', value: round(Math.max(...locked), 1), unit: 'ms' },
    f('removal.token-destroyed.p50', destroyed, 50),
    { name: 'removal.token-destroyed.worst', value: round(Math.max(...destroyed), 1), unit: 'ms' },
    { name: 'removal.runs', value: locked.length, unit: 'count' },
  ];
}
