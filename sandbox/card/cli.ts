// `scrip card issue` and `scrip card virtual`: make a virtual test card, and put it in vpcd's
// reader until SIGTERM/SIGINT (which removes it). Returns the process exit code.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultCaDir } from '../ca';
import { readCardFile, writeCardFile } from './card-file';
import { CardIssueError, issueCard } from './issue';
import { PivCard } from './piv-card';
import { parseVpcdAddress, VpcdAttachment } from './vpcd-client';

const usage = `usage:
  scrip card issue --user <12-digit id> --name "<display name>" --pin <pin> [--puk <puk>] --out <card.json>
                   [--ca-dir DIR] [--algorithm rsa2048|p256] [--compress] [--force]
  scrip card virtual --card <card.json> [--vpcd 127.0.0.1:35963]`;

export interface CardCliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Resolves when the process is asked to stop (default: SIGTERM or SIGINT). */
  stopSignal?: Promise<void>;
}

const defaultIo = (): CardCliIo => ({
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
});

export async function runCardCli(argv: string[], io: CardCliIo = defaultIo()): Promise<number> {
  const [action, ...rest] = argv;
  try {
    if (action === 'issue') return issue(rest, io);
    if (action === 'virtual') return await virtual(rest, io);
    io.err(usage);
    return 2;
  } catch (e) {
    if (
      e instanceof CardIssueError ||
      (e instanceof TypeError && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS'))
    ) {
      io.err(`scrip card ${action}: ${e.message}`);
      io.err(usage);
      return 2;
    }
    io.err(`scrip card ${action}: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

function issue(args: string[], io: CardCliIo): number {
  const { values: v } = parseArgs({
    args,
    strict: true,
    options: {
      user: { type: 'string' },
      name: { type: 'string' },
      pin: { type: 'string' },
      puk: { type: 'string' },
      out: { type: 'string' },
      'ca-dir': { type: 'string' },
      algorithm: { type: 'string' },
      compress: { type: 'boolean' },
      force: { type: 'boolean' },
    },
  });
  if (!v.user || !v.name || !v.pin || !v.out) throw new CardIssueError('--user, --name, --pin and --out are required');
  if (v.algorithm && v.algorithm !== 'rsa2048' && v.algorithm !== 'p256')
    throw new CardIssueError('--algorithm is rsa2048 or p256');
  const out = resolve(v.out);
  if (existsSync(out) && !v.force) throw new CardIssueError(`${out} exists; pass --force to replace it`);
  const caDir = resolve(v['ca-dir'] ?? defaultCaDir());
  const issued = issueCard({
    userId: v.user,
    displayName: v.name,
    pin: v.pin,
    ca: caDir,
    ...(v.puk ? { puk: v.puk } : {}),
    ...(v.algorithm ? { algorithm: v.algorithm as 'rsa2048' | 'p256' } : {}),
    ...(v.compress ? { compressCertificates: true } : {}),
  });
  writeCardFile(out, issued.card);
  // The PIN is not echoed; the PUK is printed only when generated here (the caller has no other copy).
  io.out(
    JSON.stringify({
      card: out,
      userId: v.user,
      displayName: v.name,
      caDir,
      authCertificateSerial: issued.authSerial,
      signCertificateSerial: issued.signSerial,
      ...(v.puk ? {} : { puk: issued.puk }),
    }),
  );
  return 0;
}

async function virtual(args: string[], io: CardCliIo): Promise<number> {
  const { values: v } = parseArgs({
    args,
    strict: true,
    options: { card: { type: 'string' }, vpcd: { type: 'string' } },
  });
  if (!v.card) throw new CardIssueError('--card is required');
  const path = resolve(v.card);
  const card = new PivCard(readCardFile(path), (f) => writeCardFile(path, f));
  const { host, port } = parseVpcdAddress(v.vpcd ?? '127.0.0.1:35963');
  const att = new VpcdAttachment(card, { host, port });
  const stop =
    io.stopSignal ??
    new Promise<void>((res) => {
      process.once('SIGTERM', () => res());
      process.once('SIGINT', () => res());
      // Started by Scrip for its embedded default: the card leaves the reader when Scrip goes, however it goes.
      const parent = Number(process.env.SCRIP_CARD_PARENT_PID);
      if (parent > 0) {
        const t = setInterval(() => {
          try {
            process.kill(parent, 0);
          } catch {
            clearInterval(t);
            res();
          }
        }, 500);
        t.unref();
      }
    });
  let first = true;
  att.on('inserted', () => {
    io.out(JSON.stringify({ event: first ? 'inserted' : 'reinserted', card: path, vpcd: `${host}:${port}` }));
    first = false;
  });
  att.on(
    'removed',
    (e: { requested: boolean }) => e.requested || io.err(`vpcd at ${host}:${port} closed the connection; reconnecting`),
  );
  void att.insert();
  await stop;
  await att.remove();
  io.out(JSON.stringify({ event: 'removed', card: path }));
  return 0;
}
