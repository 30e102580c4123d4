// `scrip assure run --env NAME` against a configured environment (here a sandbox started on its own,
// configured as any national service would be, over real loopback TLS): refused, naming what is
// missing, when its services do not answer; when they do, scenarios that need the sandbox are
// reported not run, a card step is refused with its reason, and the others run.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type RunningSandbox } from '../../../sandbox/server';
import { writeEnvironmentsFile } from '../../../main/environments/environments';
import { assureAgainstEnvironment } from '../../../main/assurance/own-sandbox';
import { ScripError } from '../../../main/errors';

const dir = mkdtempSync(join(tmpdir(), 'scrip-assure-env-'));
const home = join(dir, 'home');
const scenarios = join(dir, 'scenarios');
let sb: RunningSandbox;
const saved = { data: process.env.SCRIP_DATA_DIR, pdf: process.env.SCRIP_ASSURANCE_PDF };

before(async () => {
  sb = await startSandbox({ dataDir: join(dir, 'sandbox') });
  writeEnvironmentsFile(home, {
    environments: {
      int: {
        label: 'Integration (test)',
        brokerUrl: sb.baseUrl,
        epsUrl: `${sb.baseUrl}/FHIR/R4`,
        pdsUrl: sb.baseUrl,
        caFile: sb.caCertPath,
        challengeDigest: 'sha256',
        auth: 'ssb',
      },
      down: {
        label: 'Nowhere',
        brokerUrl: 'https://127.0.0.1:1',
        epsUrl: 'https://127.0.0.1:1/FHIR/R4',
        pdsUrl: 'https://127.0.0.1:1',
        caFile: sb.caCertPath,
        challengeDigest: 'sha256',
        auth: 'ssb',
      },
    },
  });
  mkdirSync(scenarios);
  const head = (id: string, needs: string) =>
    `id: ${id}\ntitle: Scenario ${id}\nrequirements: [X-1]\nneeds: ${needs}\nsteps:\n`;
  writeFileSync(join(scenarios, 'a-any.yaml'), `${head('ANY-01', 'any')}  - command: readers.list\n`);
  writeFileSync(join(scenarios, 'b-card.yaml'), `${head('ANY-CARD-01', 'any')}  - login: prescriber\n`);
  writeFileSync(
    join(scenarios, 'c-sandbox.yaml'),
    `${head('SB-01', 'sandbox')}  - sandbox: clock\n    advanceSeconds: 60\n`,
  );
  process.env.SCRIP_DATA_DIR = home;
  process.env.SCRIP_ASSURANCE_PDF = 'off';
});
after(async () => {
  for (const [k, v] of [
    ['SCRIP_DATA_DIR', saved.data],
    ['SCRIP_ASSURANCE_PDF', saved.pdf],
  ] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await sb?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('an environment whose services do not answer is refused, naming each one and what happened', async () => {
  await assert.rejects(
    assureAgainstEnvironment('down', { paths: [scenarios], out: join(dir, 'down') }),
    (e: unknown) => {
      assert.ok(e instanceof ScripError, `a ScripError: ${String(e)}`);
      assert.equal(e.code, 'service-unreachable', 'unreachable');
      assert.match(
        e.message,
        /Environment "down": the run was refused: Nowhere uses a smartcard login at the security broker/,
        e.message,
      );
      assert.match(e.message, /security broker at https:\/\/127\.0\.0\.1:1/i, `names the broker: ${e.message}`);
      return true;
    },
  );
});

test('an environment not configured is refused, listing those that are', async () => {
  await assert.rejects(
    assureAgainstEnvironment('nhs-int', { paths: [scenarios], out: join(dir, 'none') }),
    /Environment "nhs-int": no environment of that name is configured \(configured: int, down\)/,
  );
});

test('a reachable environment: needs-sandbox scenarios are not run, a card step is refused with its reason, the rest run', async () => {
  const out = join(dir, 'int');
  const s = await assureAgainstEnvironment('int', { paths: [scenarios], out });
  assert.equal(s.passed, 1, `ANY-01 passed: ${s.failures.join('; ')}`);
  assert.equal(s.skipped, 1, 'SB-01 was not run');
  assert.equal(s.failed, 1, 'ANY-CARD-01 failed');
  assert.match(
    s.failures[0] ?? '',
    /ANY-CARD-01 .*refused: card actions \(and login, which inserts a card\) need the sandbox; Integration \(test\) is not the sandbox/,
    s.failures.join('; '),
  );
  const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as {
    environment: { name: string; sandbox: boolean };
    scenarios: Array<{ id: string; steps: Array<{ differences: string[] }> }>;
  };
  assert.deepEqual(
    results.environment,
    { name: 'int', label: 'Integration (test)', sandbox: false, baseUrl: `${sb.baseUrl}/FHIR/R4` },
    'the report names the environment',
  );
  assert.match(
    results.scenarios.find((x) => x.id === 'SB-01')!.steps[0]!.differences[0]!,
    /not run: this scenario needs the sandbox/,
    'the skipped one says why',
  );
});

test('from the API (assure.run in the agent) with env: the same refusal, and the same run against a reachable one', async () => {
  // The agent's own data directory holds the environments; it is not the one SCRIP_DATA_DIR names.
  const { startRuntime } = await import('../../../main/runtime');
  const { invokeCommand } = await import('../../../main/commands/invoke');
  const { scopes } = await import('../../../main/api/scopes');
  const agentHome = join(dir, 'agent');
  mkdirSync(agentHome);
  writeFileSync(join(agentHome, 'environments.json'), readFileSync(join(home, 'environments.json')));
  process.env.SCRIP_DATA_DIR = join(dir, 'elsewhere');
  const runtime = await startRuntime(agentHome, { environment: 'int' });
  try {
    const caller = { kind: 'internal' as const, scopes: new Set(scopes), label: 'test' };
    const run = (input: unknown) =>
      invokeCommand(runtime.app.registry, runtime.app.services, 'assure.run', input, caller);
    await assert.rejects(run({ env: 'down', paths: [scenarios], out: join(dir, 'api-down') }), (e: unknown) => {
      assert.ok(e instanceof ScripError, `a ScripError: ${String(e)}`);
      assert.equal(e.code, 'service-unreachable', `refused as the CLI refuses: ${e.message}`);
      assert.match(e.message, /security broker at https:\/\/127\.0\.0\.1:1/i, `names the broker: ${e.message}`);
      return true;
    });
    const s = (await run({ env: 'int', paths: [scenarios], out: join(dir, 'api-int') })) as {
      passed: number;
      skipped: number;
    };
    assert.equal(s.passed, 1, 'ANY-01 passed against the configured environment');
    assert.equal(s.skipped, 1, 'SB-01 was not run there');
  } finally {
    process.env.SCRIP_DATA_DIR = home;
    await runtime.close();
  }
});
