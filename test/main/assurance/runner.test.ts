// The runner with in-process lanes (no cards, no service): scenarios spread over two lanes come back
// in the order given, each run where the plan says; a marked step's screenshot is kept by its path
// in the pack, and where none can be taken the step says why instead of skipping it silently.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScenario } from '../../../main/assurance/scenario';
import { runScenarios, type RunnerLane } from '../../../main/assurance/runner';
import type { LoggedExchange } from '../../../protocols/message-log/exchange';
import { planLanes } from '../../../main/assurance/schedule';

const scenario = (id: string, shot = '') =>
  parseScenario(
    `${id}.yaml`,
    `id: ${id}
title: Scenario ${id}
requirements: [X-1]
needs: any
steps:
  - command: session.get
    ${shot}
`,
  );

function lane(name: string, seen: string[], screenshot?: RunnerLane['screenshot']): RunnerLane {
  return {
    invoke: async (command) => {
      seen.push(`${name}:${command}`);
      await new Promise((r) => setTimeout(r, 5));
      return { state: 'no-card' };
    },
    world: {
      environment: { name: 'test', label: 'Test', sandbox: false, baseUrl: 'https://127.0.0.1:1' },
      fixedClock: null,
      versions: {},
    },
    sessionState: () => 'no-card',
    cardPresent: () => false,
    waitFor: async () => undefined,
    ...(screenshot ? { screenshot } : {}),
  };
}

test('two lanes: each runs its planned share, results come back in the order given', async () => {
  const all = ['A-01', 'B-01', 'C-01', 'D-01'].map((id) => scenario(id));
  const seen: string[] = [];
  const r = await runScenarios(all, { ...lane('l0', seen), lanes: [lane('l1', seen)] });
  assert.deepEqual(
    r.scenarios.map((s) => s.id),
    ['A-01', 'B-01', 'C-01', 'D-01'],
    'library order',
  );
  assert.equal(r.totals.passed, 4, `all pass: ${r.scenarios.map((s) => s.failure).join('; ')}`);
  const plan = planLanes(all, 2);
  assert.equal(
    seen.filter((x) => x.startsWith('l0:')).length,
    plan[0]!.length,
    `lane 0 ran its share: ${seen.join(' ')}`,
  );
  assert.equal(
    seen.filter((x) => x.startsWith('l1:')).length,
    plan[1]!.length,
    `lane 1 ran its share: ${seen.join(' ')}`,
  );
});

test('a marked step: the PNG is handed on by its path in the pack; without a camera the step says why', async () => {
  const marked = scenario('SHOT-01', 'screenshot: { name: after-login, page: dispense }');
  const kept = new Map<string, Buffer>();
  const pages: string[] = [];
  const ok = await runScenarios([marked], {
    ...lane('l0', [], async (page) => {
      pages.push(page);
      return Buffer.from('png');
    }),
    onScreenshot: (f, png) => kept.set(f, png),
  });
  assert.deepEqual(
    ok.scenarios[0]!.steps[0]!.screenshot,
    { name: 'after-login', page: 'dispense', file: 'screenshots/shot-01-01-after-login.png', note: null },
    'the step names its PNG',
  );
  assert.deepEqual([...kept.keys()], ['screenshots/shot-01-01-after-login.png'], 'and hands it on');
  assert.deepEqual(pages, ['dispense'], 'of the page asked for');

  const none = await runScenarios(
    [marked],
    lane('l0', [], async () => {
      throw new Error('no Chromium was found (install chromium, or set SCRIP_CHROMIUM), so no screenshot was taken');
    }),
  );
  const step = none.scenarios[0]!.steps[0]!;
  assert.equal(step.status, 'passed', 'a screenshot that cannot be taken does not fail the step');
  assert.match(step.screenshot?.note ?? '', /no Chromium was found/, 'but the step says why there is none');
  const bare = await runScenarios([marked], lane('l0', []));
  assert.match(
    bare.scenarios[0]!.steps[0]!.screenshot?.note ?? '',
    /no browser-mode UI/,
    'a run with no UI at all says so too',
  );
});

test('a lane that cannot reach a clean state fails its scenario, naming why; the other lane carries on', async () => {
  const stuck: RunnerLane = {
    ...lane('l0', []),
    world: { ...lane('l0', []).world, pullCard: async () => undefined },
    cardPresent: () => true,
    waitFor: async (_t, what) => {
      throw new Error(`waited 20000 ms for ${what}`);
    },
  };
  const r = await runScenarios([scenario('A-01'), scenario('B-01')], { ...stuck, lanes: [lane('l1', [])] });
  const [a, b] = r.scenarios;
  assert.equal(a!.status, 'failed', "the stuck lane's scenario fails");
  assert.match(
    a!.failure ?? '',
    /A-01 \(requirement X-1\) could not start from a clean state: waited 20000 ms for the card to be out/,
    a!.failure ?? '',
  );
  assert.equal(a!.steps[0]!.status, 'skipped', 'its steps are not run');
  assert.equal(b!.status, 'passed', "the other lane's scenario still runs and passes");
});

test('an exchange expected absent: the step fails naming the exchange that happened, and passes when none did', async () => {
  const sc = parseScenario(
    'ABSENT-01.yaml',
    `id: ABSENT-01
title: No prepare
requirements: [X-1]
needs: any
steps:
  - command: session.get
    expect:
      exchanges:
        - { path: "/FHIR/R4/\\\\$prepare", absent: true }
`,
  );
  const withLog = (log: Array<{ method: string; path: string }>): RunnerLane => {
    const l = lane('l0', []);
    let seq = 0;
    const made: LoggedExchange[] = [];
    return {
      ...l,
      invoke: async (name, input) => {
        for (const x of log)
          made.push({ seq: ++seq, at: '', status: 200, requestId: null, request: '', response: '', ms: 1, ...x });
        return l.invoke(name, input);
      },
      world: { ...l.world, lastExchange: () => seq, exchanges: (since) => made.slice(since) },
    };
  };
  const quiet = await runScenarios([sc], withLog([]));
  assert.equal(quiet.totals.passed, 1, `no $prepare: passes (${quiet.scenarios[0]!.failure})`);
  const noisy = await runScenarios([sc], withLog([{ method: 'POST', path: '/FHIR/R4/$prepare' }]));
  assert.equal(noisy.totals.failed, 1, 'a $prepare happened: fails');
  assert.match(
    noisy.scenarios[0]!.failure ?? '',
    /expected no exchange .*\$prepare.*there was POST \/FHIR\/R4\/\$prepare answered 200/,
    'the failure names the exchange that should not have happened',
  );
});
