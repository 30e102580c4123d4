// The CLI proves the agent is Scrip's own before it sends anything (issue #15, High 1). The stranger
// is another local user: after the agent dies uncleanly it takes the port the runtime file still
// names, and pretends to be Scrip. The CLI must send it neither the admin key nor the PIN.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startScrip, type ScripProcess } from '../../e2e/support/scrip-process';
import { need, requirements } from '../../support/system';
import { scrip as runScrip } from '../../support/scrip-cli';
import { nextLine, runAsStranger, strangerIds, strangerRequirement } from '../../support/stranger';

/** The CLI with no agent address or key inherited, `env` over this process's environment. */
const scrip = (args: string[], env: Record<string, string>, stdin?: string) =>
  runScrip(args, { env: { ...process.env, SCRIP_URL: '', SCRIP_API_KEY: '', ...env }, ...(stdin ? { stdin } : {}) });

/** The stranger's fake Scrip: answers /status like Scrip and records every request; GET /__report lists them. */
const fakeScrip = `
import { createServer } from 'node:http';
const seen = [];
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    if (req.url === '/__report') { res.end(JSON.stringify(seen)); return; }
    seen.push({ method: req.method, url: req.url, authorization: req.headers.authorization ?? null, body });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(req.url === '/status' ? { name: 'scrip', ready: true } : { state: 'role-selected' }));
  });
});
server.listen(Number(process.argv[2]), '127.0.0.1', () => console.log('ready'));
`;

let agent: ScripProcess;
before(async () => {
  agent = await startScrip(['agent'], { SCRIP_VIRTUAL_CARD: 'off' });
});
after(async () => {
  await agent?.stop();
});

test('the agent listens on a socket only its user can reach, in a 0700 directory', async (t) => {
  const socket = agent.ready.socket!;
  assert.equal(socket, join(agent.dataDir, 'agent.sock'), 'the socket is in the data directory');
  assert.ok(statSync(socket).isSocket(), 'it is a socket');
  assert.equal(statSync(socket).mode & 0o777, 0o600, "the socket is the user's alone");
  assert.equal(statSync(agent.dataDir).mode & 0o777, 0o700, 'so is its directory');
  if (!need(t, requirements.secretService, strangerRequirement)) return;
  const r = await scrip(['readers', 'list', '--json'], { SCRIP_DATA_DIR: agent.dataDir });
  assert.equal(r.code, 0, `the user's CLI reaches the agent through it (its key from the keychain): ${r.stderr}`);
  const probe = runAsStranger(
    `
import { createConnection } from 'node:net';
const c = createConnection(process.argv[2]);
c.on('connect', () => { console.log('connected'); c.destroy(); });
c.on('error', (e) => console.log(e.code));
`,
    [socket],
  );
  try {
    assert.equal(await nextLine(probe, 'its attempt'), 'EACCES', 'another user cannot connect to the agent socket');
  } finally {
    await probe.stop();
  }
});

test('after an unclean exit, a stranger on the old port gets neither the key nor the PIN', async (t) => {
  if (!need(t, strangerRequirement)) return;
  const dead = await startScrip(['agent'], { SCRIP_VIRTUAL_CARD: 'off' });
  const port = new URL(dead.ready.url!).port;
  const exited = new Promise((r) => dead.child.once('exit', r));
  dead.child.kill('SIGKILL');
  await exited;
  assert.ok(existsSync(join(dead.dataDir, 'agent.json')), 'the runtime file is left behind, naming the old port');
  assert.ok(existsSync(join(dead.dataDir, 'agent.sock')), 'and so is the socket file');
  const stranger = runAsStranger(fakeScrip, [port]);
  try {
    assert.equal(await nextLine(stranger, 'listening'), 'ready', 'the stranger holds the old port');
    const login = await scrip(['login', '--stdin', '--json'], { SCRIP_DATA_DIR: dead.dataDir }, '123456\n');
    assert.equal(login.code, 20, `the CLI finds no agent: ${login.stderr}`);
    assert.match(login.stderr, /No Scrip agent is running/, 'and says so');
    const report = await fetch(`http://127.0.0.1:${port}/__report`);
    const seen = (await report.json()) as unknown[];
    assert.deepEqual(seen, [], 'the stranger received nothing: no /status probe, no key, no PIN');
    await stranger.stop();
    const restarted = await startScrip(['agent'], { SCRIP_VIRTUAL_CARD: 'off', SCRIP_DATA_DIR: dead.dataDir });
    try {
      assert.equal(
        restarted.ready.socket,
        join(dead.dataDir, 'agent.sock'),
        "a restart clears the dead agent's socket and listens there again",
      );
    } finally {
      await restarted.stop();
    }
  } finally {
    await stranger.stop();
    await dead.stop();
  }
});

test("a socket that is not the user's, or a directory others may enter, is refused before anything is sent", async (t) => {
  if (!need(t, strangerRequirement)) return;
  const who = strangerIds()!;
  const dir = mkdtempSync(join(tmpdir(), 'scrip-trust-'));
  let heard = 0;
  const fake: Server = createServer((c) => {
    heard++;
    c.destroy();
  });
  await new Promise<void>((r) => fake.listen(join(dir, 'agent.sock'), () => r()));
  try {
    chownSync(join(dir, 'agent.sock'), who.uid, who.gid); // as if the stranger had made it
    const r1 = await scrip(['readers', 'list'], { SCRIP_DATA_DIR: dir });
    assert.equal(r1.code, 3, `refused: ${r1.stderr}`);
    assert.match(r1.stderr, /not a socket of yours/, 'names what is wrong');
    chownSync(join(dir, 'agent.sock'), 0, 0);
    chmodSync(dir, 0o777);
    const r2 = await scrip(['readers', 'list'], { SCRIP_DATA_DIR: dir });
    assert.equal(r2.code, 3, `refused: ${r2.stderr}`);
    assert.match(r2.stderr, /may be entered by other users/, 'names what is wrong');
    assert.match(r2.stderr, /chmod 700/, 'and what to do');
    assert.equal(heard, 0, 'nothing connected to the socket');
  } finally {
    fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("SCRIP_URL alone is refused: the CLI's own key never goes to an address named in the environment", async () => {
  let heard = 0;
  const listener: Server = createServer((c) => {
    heard++;
    c.destroy();
  });
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', () => r()));
  try {
    const port = (listener.address() as { port: number }).port;
    const r = await scrip(['readers', 'list'], {
      SCRIP_DATA_DIR: agent.dataDir,
      SCRIP_URL: `http://127.0.0.1:${port}`,
    });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /without SCRIP_API_KEY/, 'says what is missing');
    assert.equal(heard, 0, 'nothing was sent');
  } finally {
    listener.close();
  }
});

test('--api-key on the command line is refused (ps shows it to everyone)', async () => {
  const r = await scrip(['readers', 'list', '--api-key', 'scrip_0000000000000000_' + 'A'.repeat(43)], {
    SCRIP_DATA_DIR: agent.dataDir,
  });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /SCRIP_API_KEY/, 'points to the environment instead');
});

test('a second agent for the same data directory is refused', async () => {
  const second = await scrip(['agent'], { SCRIP_DATA_DIR: agent.dataDir, SCRIP_VIRTUAL_CARD: 'off' });
  assert.notEqual(second.code, 0, 'the second agent does not start');
  assert.match(second.stderr, /already running/, second.stderr);
  assert.ok(
    readFileSync(join(agent.dataDir, 'agent.json'), 'utf8').includes(String(agent.child.pid)),
    "the first agent's runtime file is untouched",
  );
});
