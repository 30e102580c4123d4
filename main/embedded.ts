// Scrip's embedded defaults: the Spine-style sandbox started in this process, and a virtual test
// card (issued once, kept in the data directory) put into the vpcd reader. This is the one module
// in main/ that may import sandbox/: it composes the app with its built-in test world.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeCardSpawner, type CardProcess, type CardProcessSpawner } from './card-process';
import type { Socket, AddressInfo } from 'node:net';
import { createServer as createHttpsServer, request as httpsRequest, type Server as HttpsServer } from 'node:https';
import { openTestCa } from '../sandbox/ca';
import { startSandbox, type RunningSandbox } from '../sandbox/server';
import { issueCard } from '../sandbox/card/issue';
import { writeCardFile } from '../sandbox/card/card-file';
import { ApplicationStore } from '../sandbox/cis2/applications';
import { redactBody, redactPath } from '../sandbox/log/redact';
import type { Environment } from './environments/environments';
import type { AssuranceWorld } from './assurance/world';
import type { LoggedExchange } from '../protocols/message-log/exchange';

const VIRTUAL_CARD_USER = '555086689106';
const VIRTUAL_CARD_PIN = '123456';
const VIRTUAL_CARD_PUK = '12345678';

export interface Embedded {
  sandbox: RunningSandbox;
  environment: Environment;
  card: { file: string; userId: string; pin: string; readonly process: CardProcess | null };
  /** The vpcd reader's slot: one virtual card in it at a time (assurance runs swap cards). */
  slot: CardSlot;
  close(): Promise<void>;
}

/** One virtual card at a time in the vpcd reader, each served by its own process (see below). */
export class CardSlot {
  #child: CardProcess | null = null;
  #file: string | null = null;
  /** `spawn`: how the card's process is started (Node by default; main/electron injects utilityProcess). */
  constructor(
    private readonly vpcdPort: number,
    private readonly spawn: CardProcessSpawner = nodeCardSpawner(),
  ) {}
  get process(): CardProcess | null {
    return this.#child;
  }
  get file(): string | null {
    return this.#file;
  }

  /** Puts the card in the file into the reader (taking out any other first); resolves once vpcd has it, or after 3 s without pcscd. */
  async insert(file: string): Promise<void> {
    await this.pull();
    // The card runs in its own process: this process makes blocking PC/SC calls that wait on pcscd,
    // and pcscd waits on the card's vpcd socket — served by the same event loop it would be a deadlock.
    const child = this.spawn(['--card', file, '--vpcd', `127.0.0.1:${this.vpcdPort}`], {
      SCRIP_CARD_PARENT_PID: String(process.pid),
    });
    this.#child = child;
    this.#file = file;
    // Wait briefly for "inserted"; without pcscd/vpcd the card keeps trying and the reader list says why.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 3000);
      child.onLine((l) => {
        if (l.includes('"inserted"')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.onExit(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Takes the card out (its process removes it from vpcd and exits). */
  async pull(): Promise<void> {
    const child = this.#child;
    this.#child = null;
    this.#file = null;
    if (child?.running) await child.stop();
  }
}

/** The embedded sandbox as a `cis2-apim` environment: its CIS2-style provider and APIM-style gateway. */
const SANDBOX_CIS2_CLIENT = 'scrip-desktop.apps.sandbox',
  SANDBOX_APIM_CLIENT = 'scrip-desktop-sandbox';

function cis2Settings(sb: RunningSandbox): Partial<Environment> {
  return {
    auth: 'cis2-apim',
    cis2Issuer: `${sb.baseUrl}/cis2`,
    cis2ClientId: SANDBOX_CIS2_CLIENT,
    apimTokenUrl: `${sb.baseUrl}/oauth2/token`,
    apimClientId: SANDBOX_APIM_CLIENT,
    // The agent completes the sandbox's card page itself unless the system-browser route is asked
    // for (SCRIP_SANDBOX_CIS2_LOGIN=system-browser; decision 0017).
    cis2Login: process.env.SCRIP_SANDBOX_CIS2_LOGIN === 'system-browser' ? 'system-browser' : 'agent',
    // Scrip makes its application key on first use, keeps it in the keychain, and registers the public half here.
    registerAppKey: ({ kid, jwk }) =>
      new ApplicationStore(sb.dataDir).register({
        name: 'Scrip (embedded sandbox)',
        cis2ClientId: SANDBOX_CIS2_CLIENT,
        apimClientId: SANDBOX_APIM_CLIENT,
        redirectUris: ['http://127.0.0.1/callback'],
        keys: [{ ...jwk, kty: 'RSA', n: String(jwk.n), e: String(jwk.e), kid }],
      }),
  };
}

/** SCRIP_SANDBOX_AUTH=cis2-apim: the embedded environment logs in through CIS2 and APIM instead of the broker. */
export function sandboxEnvironment(
  sb: RunningSandbox,
  auth = process.env.SCRIP_SANDBOX_AUTH === 'cis2-apim' ? 'cis2-apim' : 'ssb',
): Environment {
  return {
    ...(auth === 'cis2-apim' ? cis2Settings(sb) : {}),
    name: 'sandbox',
    label: 'Scrip sandbox (embedded)',
    brokerUrl: sb.baseUrl,
    epsUrl: `${sb.baseUrl}/FHIR/R4`,
    pdsUrl: sb.baseUrl,
    // The root anchors TLS; the Signing CA is listed too so that Scrip itself can check who signed a
    // released prescription (dispensing) against this environment's bundle.
    caPem: `${readFileSync(sb.caCertPath, 'utf8').trim()}\n${sb.context.ca.sign.pem.trim()}\n`,
    challengeDigest: 'sha256',
  };
}

/** Starts the sandbox under <data>/sandbox and, unless told not to, inserts the virtual card into vpcd. */
export async function startEmbedded(
  dataDir: string,
  opts: { insertCard?: boolean; vpcdPort?: number; clock?: string; cardSpawner?: CardProcessSpawner } = {},
): Promise<Embedded> {
  const sandboxDir = join(dataDir, 'sandbox');
  const sandbox = await startSandbox({ dataDir: sandboxDir, ...(opts.clock ? { clock: opts.clock } : {}) });
  const file = join(sandboxDir, 'virtual-card.json');
  if (!existsSync(file)) {
    const issued = issueCard({
      userId: VIRTUAL_CARD_USER,
      displayName: 'DR CLARE BOIN',
      pin: VIRTUAL_CARD_PIN,
      puk: VIRTUAL_CARD_PUK,
      ca: sandbox.context.ca,
    });
    writeCardFile(file, issued.card);
  }
  const slot = new CardSlot(opts.vpcdPort ?? 35963, opts.cardSpawner);
  if (opts.insertCard !== false) await slot.insert(file);
  return {
    sandbox,
    environment: sandboxEnvironment(sandbox),
    slot,
    card: {
      file,
      userId: VIRTUAL_CARD_USER,
      pin: VIRTUAL_CARD_PIN,
      get process() {
        return slot.file === file ? slot.process : null;
      },
    },
    async close() {
      await slot.pull();
      await sandbox.close();
    },
  };
}

/**
 * An HTTPS relay in front of the sandbox for one lane of an assurance run: that Scrip's broker, EPS
 * and directory traffic goes through it. It terminates TLS with a certificate from the sandbox's own
 * CA (so the environment's bundle trusts it), passes each request on, and keeps each exchange as the
 * sandbox's log would (tokens redacted): lanes share the sandbox, so its log mixes them, while this
 * record is the lane's own. With `lose-answers` the request reaches the sandbox and is answered, but
 * the answer is dropped with the connection (what a client that must retry without doing anything
 * twice sees); with `refuse`, connections are closed before anything is read.
 */
class LaneRelay {
  mode: 'off' | 'lose-answers' | 'refuse' = 'off';
  /** Test only: $prepare requests go on with ?algorithm=RS1 (the sandbox's SHA-1 knob). */
  sha1Prepare = false;
  readonly #sockets = new Set<Socket>();
  readonly #record: LoggedExchange[] = [];
  #server: HttpsServer | null = null;
  port = 0;
  constructor(private readonly now: () => Date) {}
  async start(sandboxDir: string, baseUrl: string): Promise<void> {
    // Like the sandbox's own, this certificate follows the real clock even when the sandbox's is fixed.
    const tls = openTestCa(join(sandboxDir, 'ca'), { baseUrl }).issueTlsCertificate({
      hosts: ['127.0.0.1', 'localhost'],
    });
    const target = new URL(baseUrl);
    this.#server = createHttpsServer({ key: tls.keyPem, cert: tls.chainPem }, (req, res) => {
      const chunks: Buffer[] = [];
      const started = performance.now();
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const sent = Buffer.concat(chunks);
        const path =
          this.sha1Prepare && (req.url ?? '').split('?')[0] === '/FHIR/R4/$prepare'
            ? `${req.url ?? ''}${(req.url ?? '').includes('?') ? '&' : '?'}algorithm=RS1`
            : req.url;
        // A new connection upstream per request: a kept-alive one the sandbox closed while idle would
        // fail a request that is not the lane's to lose.
        const up = httpsRequest(
          {
            host: target.hostname,
            port: Number(target.port),
            method: req.method,
            path,
            headers: req.headers,
            ca: tls.caPem,
            agent: false,
          },
          (answer) => {
            const body: Buffer[] = [];
            answer.on('data', (c: Buffer) => body.push(c));
            answer.on('end', () => {
              const got = Buffer.concat(body);
              const rid = req.headers['x-request-id'];
              this.#record.push({
                seq: this.#record.length + 1,
                at: this.now().toISOString(),
                method: req.method ?? 'GET',
                path: redactPath((path ?? '').slice(0, 2000)),
                status: answer.statusCode ?? 0,
                requestId: typeof rid === 'string' ? rid.slice(0, 100) : null,
                request: cap(redactBody(sent.toString('utf8'))),
                response: cap(redactBody(got.toString('utf8'))),
                ms: performance.now() - started,
              });
              if (this.mode === 'lose-answers') {
                req.socket.destroy();
                return;
              }
              res.writeHead(answer.statusCode ?? 502, answer.headers);
              res.end(got);
            });
          },
        );
        up.on('error', () => req.socket.destroy());
        up.end(sent);
      });
    });
    this.#server.on('connection', (so: Socket) => {
      if (this.mode === 'refuse') {
        so.destroy();
        return;
      }
      this.#sockets.add(so);
      so.on('close', () => this.#sockets.delete(so));
    });
    await new Promise<void>((r) => this.#server!.listen(0, '127.0.0.1', r));
    this.port = (this.#server.address() as AddressInfo).port;
  }
  get last(): number {
    return this.#record.length;
  }
  since(seq: number, limit: number): LoggedExchange[] {
    return this.#record.slice(seq, seq + limit);
  }
  /** Drops every open connection (so the next request opens a new one under the new mode). */
  drop(): void {
    for (const so of this.#sockets) so.destroy();
    this.#sockets.clear();
  }
  async close(): Promise<void> {
    this.drop();
    if (this.#server) await new Promise((r) => this.#server!.close(r));
  }
}

/** Bodies kept per exchange, as the sandbox's log keeps them. */
const STORED_BODY_CHARS = 64 * 1024;
const cap = (t: string): string =>
  t.length > STORED_BODY_CHARS ? `${t.slice(0, STORED_BODY_CHARS)}…[${t.length} bytes]` : t;

/** Where one lane's Scrip finds its environment: the runtime's embedded one, or a lane's own copy. */
export interface EnvironmentHolder {
  environment: Environment;
}

/** One lane of an assurance run: its own vpcd reader (slot) and environment, so its outages are its own. */
interface WorldLane {
  slot: CardSlot;
  holder: EnvironmentHolder;
  name: string;
}

/** Sandbox users a scenario can name instead of a 12-digit ID (sandbox/directory seed). */
const CARD_USERS: Record<string, string> = {
  prescriber: '555086689106',
  nurse: '555086690109',
  pharmacist: '555086691101',
  admin: '555086692103',
  'pharmacist-prescriber': '555086693106',
  dentist: '555086694102',
  'hospital-prescriber': '555086695109',
};

/**
 * The embedded sandbox as an assurance world: virtual cards for its directory's users swapped in
 * the vpcd reader, its clock, its CA's revocation list and its message log.
 */
export function embeddedWorld(
  embedded: Embedded,
  opts: { fixedClock: string | null; versions: Record<string, string>; lane?: WorldLane },
): AssuranceWorld {
  const sb = embedded.sandbox;
  const slot = opts.lane?.slot ?? embedded.slot;
  const holder: EnvironmentHolder = opts.lane?.holder ?? embedded;
  const dir = join(sb.dataDir, 'assurance-cards', opts.lane?.name ?? 'lane-0');
  type Card = { file: string; signSerial: string; authSerial: string; name: string; userId: string };
  // Each user's everyday card in this lane; a `fresh` card is used once and never becomes the everyday one.
  const issued = new Map<string, Card>();
  let current: Card | null = null;
  let made = 0;
  let relay: LaneRelay | null = null;
  const original = holder.environment;
  return {
    environment: { name: original.name, label: original.label, sandbox: true, baseUrl: sb.baseUrl },
    fixedClock: opts.fixedClock,
    versions: opts.versions,
    async insertCard(user, fresh) {
      const userId = CARD_USERS[user] ?? user;
      const person = sb.context.directory.user(userId);
      if (!person) throw new Error(`the sandbox directory has no user ${userId}`);
      let card = fresh ? undefined : issued.get(userId);
      if (!card) {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        const name = sb.context.directory.displayName(person);
        const c = issueCard({
          userId,
          displayName: name,
          pin: VIRTUAL_CARD_PIN,
          puk: VIRTUAL_CARD_PUK,
          ca: sb.context.ca,
        });
        const file = join(dir, `${userId}-${++made}.json`);
        writeCardFile(file, c.card);
        card = { file, signSerial: c.signSerial, authSerial: c.authSerial, name, userId };
        if (!fresh) issued.set(userId, card);
      }
      await slot.insert(card.file);
      current = card;
      return { userId, name: card.name, pin: VIRTUAL_CARD_PIN, puk: VIRTUAL_CARD_PUK };
    },
    async pullCard() {
      await slot.pull();
    },
    async revoke(which) {
      const card = current;
      if (!card) throw new Error('no card has been inserted in this scenario, so there is no certificate to revoke');
      const serial = which === 'signing' ? card.signSerial : card.authSerial;
      sb.context.ca.revoke(serial, 'keyCompromise');
      // A revoked everyday card is retired: later scenarios get a new one, whichever lane they run in.
      if (issued.get(card.userId) === card) issued.delete(card.userId);
      return { serial };
    },
    async advanceClock(seconds) {
      if (!sb.context.clock.fixed)
        throw new Error('the sandbox clock is not fixed (run with a fixed clock to move it)');
      sb.context.clock.advance(seconds * 1000);
      return sb.context.clock.now().toISOString();
    },
    async outage(mode) {
      // The runner calls outage('off') as each scenario starts: from then on the lane's traffic goes
      // through its relay (the environment is read per request), which also keeps the lane's exchanges.
      if (!relay) {
        relay = new LaneRelay(() => sb.context.clock.now());
        await relay.start(sb.dataDir, sb.baseUrl);
        const via = `https://127.0.0.1:${relay.port}`;
        const env = holder.environment;
        const through = (u: string) => (u.startsWith(sb.baseUrl) ? via + u.slice(sb.baseUrl.length) : u);
        holder.environment = {
          ...env,
          ...(env.brokerUrl ? { brokerUrl: through(env.brokerUrl) } : {}),
          epsUrl: through(env.epsUrl),
          pdsUrl: through(env.pdsUrl),
        };
      }
      relay.mode = mode;
      relay.drop();
    },
    async sha1Prepare(on) {
      if (!relay) throw new Error("this lane's relay has not started (it starts with the scenario)");
      relay.sha1Prepare = on;
    },
    async close() {
      holder.environment = original; // traffic goes straight to the sandbox again
      await relay?.close();
      relay = null;
    },
    lastExchange: () => relay?.last ?? 0,
    exchanges: (since) => relay?.since(since, 200) ?? [],
  };
}
