// The `scrip` CLI as a person runs it: separate processes, a real agent on loopback, real pcscd.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startScrip, type ScripProcess } from '../../e2e/support/scrip-process';
import { need, requirements } from '../../support/system';
import { scrip as runScrip } from '../../support/scrip-cli';

/** The CLI with `env` over this process's environment. */
const scrip = (args: string[], env: Record<string, string>) => runScrip(args, { env: { ...process.env, ...env } });

let agent: ScripProcess;
before(async () => {
  agent = await startScrip(['agent']);
});
after(async () => {
  await agent?.stop();
});

test('without a running agent, a command says so and how to start one', async () => {
  const empty = mkdtempSync(join(tmpdir(), 'scrip-none-'));
  try {
    const r = await scrip(['readers', 'list'], { SCRIP_DATA_DIR: empty, SCRIP_API_KEY: 'x' });
    assert.equal(r.code, 20);
    assert.match(r.stderr, /No Scrip agent is running/);
    assert.match(r.stderr, /scrip agent/);
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});

test('api-key create prints a key once; the agent accepts it; readers list as JSON and as a table', async (t) => {
  if (!need(t, requirements.pcscd)) return;
  const env = { SCRIP_DATA_DIR: agent.dataDir };
  const created = await scrip(['api-key', 'create', '--name', 'ci', '--scopes', 'read,admin', '--json'], {
    ...env,
    SCRIP_API_KEY: '',
  });
  // With SCRIP_API_KEY empty the CLI uses (or creates) its own key in the OS keychain.
  assert.equal(created.code, 0, created.stderr);
  const { key } = JSON.parse(created.stdout) as { key: string };
  assert.match(key, /^scrip_[0-9a-f]{16}_/);
  const listed = await scrip(['readers', 'list', '--json'], { ...env, SCRIP_API_KEY: key });
  assert.equal(listed.code, 0, listed.stderr);
  const view = JSON.parse(listed.stdout) as { service: string; readers: Array<{ name: string }> };
  assert.equal(view.service, 'running');
  assert.ok(
    view.readers.some((r) => r.name === 'Virtual PCD 00 00'),
    "view.readers.some((r) => r.name === 'Virtual PCD 00 00')",
  );
  const table = await scrip(['readers', 'list'], { ...env, SCRIP_API_KEY: key });
  assert.match(table.stdout, /Virtual PCD 00 00/);
  const keys = await scrip(['api-key', 'list', '--json'], { ...env, SCRIP_API_KEY: key });
  assert.ok(!keys.stdout.includes(key.slice('scrip_'.length + 17)), 'no secret is ever listed');
});

test('help comes from the schemas; bad flags and wrong scopes get clear errors and exit codes', async () => {
  const env = { SCRIP_DATA_DIR: agent.dataDir };
  const help = await scrip(['api-key', 'create', '--help'], env);
  assert.match(help.stdout, /--name/);
  assert.match(help.stdout, /one of: read, ticket, login, prescribe, sign, dispense, admin/);
  const unknown = await scrip(['readers', 'list', '--colour', 'red'], { ...env, SCRIP_API_KEY: 'x' });
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /Unknown option --colour/);
  const badKey = await scrip(['readers', 'list'], {
    ...env,
    SCRIP_API_KEY: 'scrip_0000000000000000_' + 'A'.repeat(43),
  });
  assert.equal(badKey.code, 3);
  assert.match(badKey.stderr, /not valid/);
});

test('a prescription from the command line: create --file, sign with the card, send, token --pdf, cancel, discard', async (t) => {
  if (!need(t, requirements.pcscd, requirements.secretService)) return;
  const env = { SCRIP_DATA_DIR: agent.dataDir, SCRIP_API_KEY: '' };
  const dir = mkdtempSync(join(tmpdir(), 'scrip-cli-rx-'));
  const rx = join(dir, 'rx.json');
  writeFileSync(
    rx,
    JSON.stringify({
      patient: {
        nhsNumber: '9449305552',
        given: ['OCTAVIA'],
        family: 'CHISLETT',
        birthDate: '2008-09-20',
        gender: 'female',
        addressLines: ['1 TRINITY STREET'],
        postcode: 'HX7 8AW',
        gpOdsCode: 'A83008',
        nominatedPharmacy: { odsCode: 'FCG71' },
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
    }),
  );
  try {
    const json = async (args: string[], stdin?: string) => {
      const r =
        stdin === undefined
          ? await scrip([...args, '--json'], env)
          : await scripWithStdin([...args, '--json'], env, stdin);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      return JSON.parse(r.stdout) as Record<string, unknown>;
    };
    // The embedded card may still be powering up when the agent starts.
    for (let i = 0; i < 40 && (await json(['session'])).state !== 'card-present'; i++)
      await new Promise((r) => setTimeout(r, 250));
    await json(['login', '--role', '200102238987', '--stdin'], '123456\n');
    const { id } = (await json(['prescription', 'create', '--file', rx])) as { id: string };
    const signed = (await json(['prescription', 'sign', '--ids', id, '--stdin'], '123456\n')) as {
      results: Array<{ ok: boolean; shortFormId: string }>;
    };
    assert.ok(signed.results[0]?.ok, JSON.stringify(signed));
    let status = '';
    for (let i = 0; i < 40 && status !== 'accepted'; i++) {
      await json(['prescription', 'send']);
      status = String((await json(['prescription', 'get', id])).status);
    }
    assert.equal(status, 'accepted');
    const pdf = join(dir, 'token.pdf');
    const saved = await json(['prescription', 'token', id, '--pdf', pdf]);
    assert.equal(saved.savedTo, pdf);
    assert.equal(readFileSync(pdf).subarray(0, 5).toString('latin1'), '%PDF-');
    const cancelled = (await json(['prescription', 'cancel', id, '--reason', '0001'])) as {
      results: Array<{ code: string }>;
    };
    assert.equal(cancelled.results[0]?.code, 'R-0001');
    const { id: draft } = (await json(['prescription', 'create', '--file', rx])) as { id: string };
    assert.deepEqual(await json(['prescription', 'discard', draft]), { id: draft, discarded: true });
    await json(['logout']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const scripWithStdin = (args: string[], env: Record<string, string>, input: string) =>
  runScrip(args, { env: { ...process.env, ...env }, stdin: input, timeoutMs: 60_000 });
