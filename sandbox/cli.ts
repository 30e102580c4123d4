// `scrip sandbox …`: run the Spine-style sandbox alone, and manage its users, revocations and
// scripted sessions. Never imports main/: the sandbox runs on its own.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSandbox } from './server';
import { DirectoryStore } from './directory/directory';
import { PatientStore, PatientFileError } from './pds/patients';
import { openTestCa } from './ca';
import { scripDataDir } from './ca/paths';
import { openSandboxDb } from './store/db';
import { SessionStore } from './broker/sessions';
import { systemClock, fixedClock } from './clock';
import { DEFAULT_IDLE_SECONDS, DEFAULT_MAX_SECONDS } from './broker/sessions';
import './eps-routes';

function flags(argv: string[]): { words: string[]; f: Map<string, string | true> } {
  const words: string[] = [];
  const f = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--')) {
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('--')) { f.set(a.slice(2), next); i++; } else f.set(a.slice(2), true);
    } else words.push(a);
  }
  return { words, f };
}

/** <Scrip data dir>/sandbox, the same folder the embedded sandbox uses. */
export function defaultSandboxDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.SCRIP_SANDBOX_DIR || join(scripDataDir(env), 'sandbox');
}

const usage = `Usage:
  scrip sandbox [--port N] [--data DIR] [--clock ISO] [--service-auth ssb|cis2-apim|both]
                                                          run the sandbox until stopped; prints one JSON line when ready
                                                          (--service-auth: the bearer tokens EPS and PDS accept; default both)
  scrip sandbox users [--data DIR]                          print the users, role profiles and organisations as JSON
  scrip sandbox patients [--data DIR]                       print the patient index as JSON (edit patients.json there to change it)
  scrip sandbox revoke --user ID [--data DIR]               revoke every certificate issued to a user and end their sessions
  scrip sandbox token --user ID --role ROLE [--data DIR] [--clock ISO]
                                                            start a session without a card (sandbox only), print it as JSON
`;

export async function runSandboxCli(argv: string[]): Promise<number> {
  const { words, f } = flags(argv);
  const str = (k: string) => { const v = f.get(k); return typeof v === 'string' ? v : undefined; };
  const dataDir = str('data') ?? defaultSandboxDir();
  const fail = (msg: string) => { process.stderr.write(`Error: ${msg}\n`); return 2; };
  if (f.has('help')) { process.stdout.write(usage); return 0; }
  switch (words[0]) {
    case undefined: {
      const port = str('port');
      if (port !== undefined && !/^\d+$/.test(port)) return fail('--port takes a number');
      const auth = str('service-auth');
      if (auth !== undefined && auth !== 'ssb' && auth !== 'cis2-apim' && auth !== 'both') return fail('--service-auth takes ssb, cis2-apim or both');
      let sb;
      try {
        sb = await startSandbox({ dataDir, ...(port ? { port: Number(port) } : {}), ...(str('clock') ? { clock: str('clock')! } : {}), ...(auth ? { serviceAuth: auth } : {}) });
      } catch (e) {
        if (e instanceof PatientFileError) return fail(e.message);
        throw e;
      }
      process.stdout.write(JSON.stringify({ event: 'ready', baseUrl: sb.baseUrl, caCertPath: sb.caCertPath, dataDir: sb.dataDir }) + '\n');
      await new Promise<void>((resolve) => { process.once('SIGINT', () => resolve()); process.once('SIGTERM', () => resolve()); });
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
    case 'revoke': {
      const user = str('user');
      if (!user || !/^\d{12}$/.test(user)) return fail('--user takes a 12-digit user ID');
      const caDir = join(dataDir, 'ca');
      const ca = openTestCa(caDir);
      const state = JSON.parse(readFileSync(join(caDir, 'ca.json'), 'utf8')) as { issued: Record<string, { subject: string }> };
      const serials = Object.entries(state.issued).filter(([, r]) => r.subject.endsWith(`CN=${user}`)).map(([s]) => s);
      if (!serials.length) return fail(`no certificate was issued to ${user} by the sandbox CA in ${caDir}`);
      for (const s of serials) ca.revoke(s, 'keyCompromise');
      // The card's live sessions end too. A running sandbox shares this SQLite file and reads
      // sessions per request, so it refuses them from its next request on.
      const db = openSandboxDb(join(dataDir, 'sandbox.db'));
      let sessionsEnded: number;
      try {
        sessionsEnded = new SessionStore(db, systemClock(), DEFAULT_IDLE_SECONDS, DEFAULT_MAX_SECONDS).endAllOf(user, 'revoked');
      } finally {
        db.close();
      }
      process.stdout.write(JSON.stringify({ user, revoked: serials, sessionsEnded }) + '\n');
      return 0;
    }
    case 'token': {
      const user = str('user'), role = str('role'), at = str('clock');
      if (!user || !role) return fail('token needs --user and --role');
      const directory = new DirectoryStore(dataDir);
      const u = directory.user(user);
      if (!u) return fail(`no user ${user} in ${directory.file}`);
      if (!u.roles.some((r) => r.id === role)) return fail(`${user} does not hold role ${role}; roles: ${u.roles.map((r) => r.id).join(', ')}`);
      let clock;
      try { clock = at ? fixedClock(at) : systemClock(); } catch (e) { return fail((e as Error).message); }
      const db = openSandboxDb(join(dataDir, 'sandbox.db'));
      try {
        // Same broker code as a card login, minus the card: see SandboxBroker.scriptedSession.
        const sessions = new SessionStore(db, clock, DEFAULT_IDLE_SECONDS, DEFAULT_MAX_SECONDS);
        const s = sessions.create(user);
        sessions.selectRole(s.token, role);
        process.stdout.write(JSON.stringify({ token: s.token, userId: user, roleProfileId: role, expiresAt: new Date(s.createdAt + sessions.maxSeconds * 1000).toISOString(), idleSeconds: sessions.idleSeconds }) + '\n');
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
