// `scrip sandbox …`: run the Spine-style sandbox alone, and manage its users, revocations and
// scripted sessions. Never imports main/: the sandbox runs on its own.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { startSandbox } from './server';
import { DirectoryStore } from './directory/directory';
import { PatientStore, PatientFileError } from './pds/patients';
import { openTestCa } from './ca';
import { scripDataDir } from './ca/paths';
import { openSandboxDb } from './store/db';
import { SessionStore } from './broker/sessions';
import { systemClock, fixedClock, ClockRangeError } from './clock';
import { DataDirError, secureDataDir } from './store/data-dir';
import { DEFAULT_IDLE_SECONDS, DEFAULT_MAX_SECONDS } from './broker/sessions';
import { ADMIN_SECRET_FILE, adminSecret } from './admin-secret';

/** `<data>/sandbox.json`: the ready line of the `scrip sandbox` running there. */
const RUNTIME_FILE = 'sandbox.json';

/** One GET over HTTPS trusting only the sandbox's root, with the admin secret. */
function getOnce(url: URL, ca: string, secret: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, { ca, agent: false, headers: { authorization: `Bearer ${secret}` }, timeout: 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    })
      .on('error', reject)
      .on('timeout', function (this: { destroy(e: Error): void }) {
        this.destroy(new Error('timed out'));
      })
      .end();
  });
}

function flags(argv: string[]): { words: string[]; f: Map<string, string | true> } {
  const words: string[] = [];
  const f = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--')) {
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('--')) {
        f.set(a.slice(2), next);
        i++;
      } else f.set(a.slice(2), true);
    } else words.push(a);
  }
  return { words, f };
}

/** <Scrip data dir>/sandbox, the same folder the embedded sandbox uses. */
export function defaultSandboxDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.SCRIP_SANDBOX_DIR || join(scripDataDir(env), 'sandbox');
}

const usage = `Usage:
  scrip sandbox [--port N] [--data DIR] [--clock ISO] [--log-max-mb N] [--log-max-days N] [--service-auth ssb|cis2-apim|both]
                                                            run the sandbox until stopped; prints one JSON line when ready
                                                            (the message log keeps 256 MB and 7 days by default;
                                                            --service-auth: the bearer tokens EPS and PDS accept; default both)
  scrip sandbox users [--data DIR]                          print the users, role profiles and organisations as JSON
  scrip sandbox patients [--data DIR]                       print the patient index as JSON (edit patients.json there to change it)
  scrip sandbox revoke --user ID [--data DIR]               revoke every certificate issued to a user and end their sessions
  scrip sandbox token --user ID --role ROLE [--data DIR] [--clock ISO]
                                                            start a session without a card (sandbox only), print it as JSON
  scrip sandbox log [--since SEQ] [--limit N] [--data DIR]  print a page of the running sandbox's message log (as the admin)

The ready line names adminSecretFile (<data>/admin-secret, 0600): send its content as
"Authorization: Bearer <secret>" to read /_log without a session.
`;

export async function runSandboxCli(argv: string[]): Promise<number> {
  const { words, f } = flags(argv);
  const str = (k: string) => {
    const v = f.get(k);
    return typeof v === 'string' ? v : undefined;
  };
  const dataDir = str('data') ?? defaultSandboxDir();
  const fail = (msg: string) => {
    process.stderr.write(`Error: ${msg}\n`);
    return 2;
  };
  if (f.has('help')) {
    process.stdout.write(usage);
    return 0;
  }
  switch (words[0]) {
    case undefined: {
      const port = str('port');
      if (port !== undefined && !/^\d+$/.test(port)) return fail('--port takes a number');
      const maxMb = str('log-max-mb'),
        maxDays = str('log-max-days');
      if (maxMb !== undefined && !(/^\d+$/.test(maxMb) && Number(maxMb) >= 1))
        return fail('--log-max-mb takes a whole number of megabytes, 1 or more');
      if (maxDays !== undefined && !(/^\d+(\.\d+)?$/.test(maxDays) && Number(maxDays) > 0))
        return fail('--log-max-days takes a number of days above 0');
      const logRetention = {
        ...(maxMb ? { maxBytes: Number(maxMb) * 1024 * 1024 } : {}),
        ...(maxDays ? { maxAgeSeconds: Math.round(Number(maxDays) * 86_400) } : {}),
      };
      const auth = str('service-auth');
      if (auth !== undefined && auth !== 'ssb' && auth !== 'cis2-apim' && auth !== 'both')
        return fail('--service-auth takes ssb, cis2-apim or both');
      let sb;
      try {
        sb = await startSandbox({
          dataDir,
          logRetention,
          ...(port ? { port: Number(port) } : {}),
          ...(str('clock') ? { clock: str('clock')! } : {}),
          ...(auth ? { serviceAuth: auth } : {}),
        });
      } catch (e) {
        if (e instanceof PatientFileError || e instanceof DataDirError || e instanceof ClockRangeError)
          return fail(e.message);
        if (e instanceof Error && e.message.startsWith('--clock:')) return fail(e.message);
        throw e;
      }
      // A service left running: its EPS worker threads start now, not at the first prescription
      // (not awaited: until they are up, checks run in-process).
      void sb.context.messageChecks.warm();
      // The admin secret's file, never the secret: stdout ends up in CI logs.
      const ready = JSON.stringify({
        event: 'ready',
        baseUrl: sb.baseUrl,
        caCertPath: sb.caCertPath,
        dataDir: sb.dataDir,
        adminSecretFile: sb.adminSecretFile,
      });
      // Where `scrip sandbox log` finds it (the address, never a secret); gone when it stops.
      const runtime = join(dataDir, RUNTIME_FILE);
      writeFileSync(runtime, ready + '\n', { mode: 0o600 });
      process.stdout.write(ready + '\n');
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      rmSync(runtime, { force: true });
      await sb.close();
      return 0;
    }
    case 'users': {
      process.stdout.write(JSON.stringify(new DirectoryStore(dataDir).read(), null, 2) + '\n');
      return 0;
    }
    case 'patients': {
      try {
        process.stdout.write(JSON.stringify({ patients: new PatientStore(dataDir).read() }, null, 2) + '\n');
      } catch (e) {
        if (e instanceof PatientFileError) return fail(e.message);
        throw e;
      }
      return 0;
    }
    case 'log': {
      const since = str('since') ?? '0',
        limit = str('limit') ?? '500';
      if (!/^\d+$/.test(since) || !/^\d+$/.test(limit)) return fail('--since and --limit take numbers');
      const baseUrl = (() => {
        try {
          return (JSON.parse(readFileSync(join(dataDir, RUNTIME_FILE), 'utf8')) as { baseUrl?: string }).baseUrl;
        } catch {
          return undefined;
        }
      })();
      if (!baseUrl || !existsSync(join(dataDir, ADMIN_SECRET_FILE)))
        return fail(
          `no sandbox is running with the data directory ${dataDir}; start one with \`scrip sandbox --data ${dataDir}\``,
        );
      try {
        secureDataDir(dataDir);
      } catch (e) {
        if (e instanceof DataDirError) return fail(e.message);
        throw e;
      }
      const { secret } = adminSecret(dataDir);
      try {
        const page = await getOnce(
          new URL(`/_log?since=${since}&limit=${limit}`, baseUrl),
          readFileSync(join(dataDir, 'ca', 'root.pem'), 'utf8'),
          secret,
        );
        if (page.status !== 200)
          return fail(`the sandbox at ${baseUrl} answered ${page.status}: ${page.body.slice(0, 300)}`);
        process.stdout.write(page.body + '\n');
      } catch (e) {
        return fail(`the sandbox at ${baseUrl} did not answer (${(e as Error).message}); is it running?`);
      }
      return 0;
    }
    case 'revoke': {
      const user = str('user');
      if (!user || !/^\d{12}$/.test(user)) return fail('--user takes a 12-digit user ID');
      try {
        secureDataDir(dataDir);
      } catch (e) {
        if (e instanceof DataDirError) return fail(e.message);
        throw e;
      }
      const caDir = join(dataDir, 'ca');
      const ca = openTestCa(caDir);
      const state = JSON.parse(readFileSync(join(caDir, 'ca.json'), 'utf8')) as {
        issued: Record<string, { subject: string }>;
      };
      const serials = Object.entries(state.issued)
        .filter(([, r]) => r.subject.endsWith(`CN=${user}`))
        .map(([s]) => s);
      if (!serials.length) return fail(`no certificate was issued to ${user} by the sandbox CA in ${caDir}`);
      for (const s of serials) ca.revoke(s, 'keyCompromise');
      // The card's live sessions end too. A running sandbox shares this SQLite file and reads
      // sessions per request, so it refuses them from its next request on.
      const db = openSandboxDb(join(dataDir, 'sandbox.db'));
      let sessionsEnded: number;
      try {
        sessionsEnded = new SessionStore(db, systemClock(), DEFAULT_IDLE_SECONDS, DEFAULT_MAX_SECONDS).endAllOf(
          user,
          'revoked',
        );
      } finally {
        db.close();
      }
      process.stdout.write(JSON.stringify({ user, revoked: serials, sessionsEnded }) + '\n');
      return 0;
    }
    case 'token': {
      const user = str('user'),
        role = str('role'),
        at = str('clock');
      if (!user || !role) return fail('token needs --user and --role');
      const directory = new DirectoryStore(dataDir);
      const u = directory.user(user);
      if (!u) return fail(`no user ${user} in ${directory.file}`);
      if (!u.roles.some((r) => r.id === role))
        return fail(`${user} does not hold role ${role}; roles: ${u.roles.map((r) => r.id).join(', ')}`);
      let clock;
      try {
        clock = at ? fixedClock(at) : systemClock();
      } catch (e) {
        return fail((e as Error).message);
      }
      try {
        secureDataDir(dataDir);
      } catch (e) {
        if (e instanceof DataDirError) return fail(e.message);
        throw e;
      }
      const db = openSandboxDb(join(dataDir, 'sandbox.db'));
      try {
        // Same broker code as a card login, minus the card: see SandboxBroker.scriptedSession.
        const sessions = new SessionStore(db, clock, DEFAULT_IDLE_SECONDS, DEFAULT_MAX_SECONDS);
        const s = sessions.create(user);
        sessions.selectRole(s.token, role);
        process.stdout.write(
          JSON.stringify({
            token: s.token,
            userId: user,
            roleProfileId: role,
            expiresAt: new Date(s.createdAt + sessions.maxSeconds * 1000).toISOString(),
            idleSeconds: sessions.idleSeconds,
          }) + '\n',
        );
      } finally {
        db.close();
      }
      return 0;
    }
    default:
      process.stderr.write(usage);
      return 2;
  }
}
