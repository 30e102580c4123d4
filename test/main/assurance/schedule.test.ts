// The plan that spreads scenarios over lanes, and the holds that keep declared conflicts apart:
// the same files give the same plan every time; a scenario that runs alone overlaps nothing; two
// naming the same lock never overlap; the built-in library spreads over two lanes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScenario } from '../../../main/assurance/scenario';
import { planLanes, runsAlone, Holds, weight } from '../../../main/assurance/schedule';
import { loadScenarios } from '../../../main/assurance/library';

const scenario = (id: string, extra = '', logins = 1) =>
  parseScenario(
    `${id}.yaml`,
    `id: ${id}
title: Scenario ${id}
requirements: [X-1]
${extra}
steps:
${'  - login: prescriber\n'.repeat(logins)}  - command: session.get
`,
  );

test('the plan is fixed by the files: heaviest first to the least loaded lane, each lane in library order', () => {
  const all = [scenario('A-01', '', 3), scenario('B-01'), scenario('C-01'), scenario('D-01'), scenario('E-01', '', 2)];
  const plan = planLanes(all, 2);
  // Weights: A 94, E 63, B C D 31 each. A → 0; E → 1; B → 1 (94 = 94); C → 0 on the tie; D → 1.
  assert.deepEqual(
    plan,
    [
      [0, 2],
      [1, 3, 4],
    ],
    `heaviest first, lowest lane on a tie, each lane in library order: ${JSON.stringify(plan)}`,
  );
  assert.deepEqual(planLanes(all, 2), plan, 'the same plan a second time');
  assert.deepEqual(planLanes(all, 1), [[0, 1, 2, 3, 4]], 'one lane runs everything in order');
  assert.equal(planLanes(all.slice(0, 2), 8).length, 2, 'never more lanes than scenarios');
  assert.ok(weight(all[0]!) > weight(all[1]!), 'a card swap weighs more than other steps');
});

test('the built-in library spreads over two lanes within a swap or two of each other', () => {
  const lib = loadScenarios([]);
  const plan = planLanes(lib, 2);
  assert.equal(plan.flat().length, lib.length, 'every scenario is planned once');
  const loads = plan.map((l) => l.reduce((n, i) => n + weight(lib[i]!), 0));
  assert.ok(Math.abs(loads[0]! - loads[1]!) <= 40, `the lanes' estimated work is close: ${loads.join(' vs ')}`);
});

test('a clock step or exclusive: true runs alone; locks are parsed', () => {
  const clock = parseScenario(
    'c.yaml',
    `id: CLOCK-01
title: Moves the clock
requirements: [X-1]
steps:
  - sandbox: clock
    advanceSeconds: 60
`,
  );
  assert.equal(runsAlone(clock), true, 'moving the shared clock runs alone');
  assert.equal(runsAlone(scenario('X-01', 'exclusive: true')), true, 'exclusive runs alone');
  assert.equal(runsAlone(scenario('Y-01')), false, 'others share');
  assert.deepEqual(scenario('Z-01', 'locks: ["nominated:FCG71"]').locks, ['nominated:FCG71'], 'the locks');
});

test('holds: the same lock never overlaps, different ones do, and one running alone overlaps nothing', async () => {
  const h = new Holds();
  const order: string[] = [];
  const run = async (name: string, locks: string[], alone: boolean, ms: number) => {
    const release = await h.take(locks, alone);
    order.push(`+${name}`);
    await new Promise((r) => setTimeout(r, ms));
    order.push(`-${name}`);
    release();
  };
  await Promise.all([run('a', ['n:1'], false, 40), run('b', ['n:1'], false, 10), run('c', ['n:2'], false, 10)]);
  assert.ok(order.indexOf('+b') > order.indexOf('-a'), `b waits for a (same lock): ${order.join(' ')}`);
  assert.ok(order.indexOf('+c') < order.indexOf('-a'), `c runs beside a (another lock): ${order.join(' ')}`);
  order.length = 0;
  await Promise.all([run('p', [], false, 30), run('alone', [], true, 10), run('q', [], false, 10)]);
  const s = order.join(' ');
  assert.ok(order.indexOf('+alone') > order.indexOf('-p'), `the exclusive one waits for p to end: ${s}`);
  assert.ok(order.indexOf('+q') > order.indexOf('-alone'), `and q, asking after it, waits for it: ${s}`);
});
