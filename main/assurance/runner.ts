// Runs scenarios: each step through the same invokeCommand path every surface takes (or a card or
// sandbox action of the world), its expectations checked, the service's exchanges kept with it.
// Each lane (one Scrip, its session and virtual reader) runs its scenarios one after another, each
// from a clean state (no card in the reader, no session); lanes run side by side against the shared
// sandbox, on a plan fixed before the run (schedule.ts). Results come back in the order given.
import { createHash, randomUUID } from 'node:crypto';
import type { EventBus } from '../events';
import { toScripError } from '../errors';
import type { Scenario, Step, Expectation, Matcher } from './scenario';
import { interpolate, redactSecrets, resultDifferences } from './values';
import type { AssuranceWorld, InsertedCard } from './world';
import type { LoggedExchange } from '../../protocols/message-log/exchange';
import { Holds, planLanes, runsAlone } from './schedule';

export type Status = 'passed' | 'failed' | 'skipped';

export interface StepResult {
  index: number;
  kind: 'command' | 'card' | 'sandbox' | 'login';
  label: string;
  command: string | null;
  input: unknown;
  status: Status;
  ms: number;
  result: unknown;
  error: { code: string; message: string } | null;
  differences: string[];
  exchanges: LoggedExchange[];
  requirements: string[];
  /** The UI after the step, when the step asked: the PNG's path in the pack, or why there is none. */
  screenshot: { name: string; page: string; file: string | null; note: string | null } | null;
}

export interface ScenarioResult {
  id: string;
  title: string;
  file: string;
  requirements: string[];
  tags: string[];
  status: Status;
  ms: number;
  steps: StepResult[];
  /** For a failure: the requirement, the step and the difference, in one sentence. */
  failure: string | null;
}

export interface RunResult {
  runId: string;
  startedAt: string;
  finishedAt: string;
  environment: AssuranceWorld['environment'];
  fixedClock: string | null;
  versions: Record<string, string>;
  scenarios: ScenarioResult[];
  totals: { passed: number; failed: number; skipped: number; steps: number };
  /** Requirement ID → the scenarios evidencing it and the worst outcome among them. */
  requirements: Record<string, { scenarios: string[]; status: Status }>;
  /** The runner's own time per step (ms), outside the commands and actions it ran. */
  overheadPerStepMs: number;
}

/** One Scrip and its part of the world: scenarios in different lanes share only the service. */
export interface RunnerLane {
  invoke(name: string, input: unknown): Promise<unknown>;
  world: AssuranceWorld;
  /** The identity agent's state (no-card, card-present, role-selected …). */
  sessionState(): string;
  /** Whether this lane's reader holds a card. */
  cardPresent(): boolean;
  /** Resolves when `test()` holds, re-checked on every app event; rejects after timeoutMs naming `what`. */
  waitFor(test: () => boolean, what: string, timeoutMs: number): Promise<void>;
  /** A PNG of this lane's UI showing the page; rejects saying why when none can be taken here. */
  screenshot?(page: string): Promise<Buffer>;
}

interface RunnerDeps extends RunnerLane {
  /** More lanes beside the first (this object's own): scenarios are spread over all of them. */
  lanes?: RunnerLane[];
  events?: EventBus;
  /** Deterministic values (${uuid.x}) come from this seed. */
  seed?: string;
  /** Receives each screenshot taken, by its path in the pack (screenshots/…png). */
  onScreenshot?(file: string, png: Buffer): void;
  /** Called after each step (the CLI's progress line). */
  onStep?(s: ScenarioResult, step: StepResult, position: { scenario: number; scenarios: number; steps: number }): void;
}

const CARD_WAIT_MS = 20_000;
const EXCHANGE_WAIT_MS = 5_000;

function stepKind(step: Step): StepResult['kind'] {
  return 'command' in step ? 'command' : 'card' in step ? 'card' : 'sandbox' in step ? 'sandbox' : 'login';
}

function stepLabel(step: Step): string {
  if (step.name) return step.name;
  if ('command' in step) return step.command;
  if ('card' in step) return `card ${step.card}${step.user ? ` (${step.user})` : ''}`;
  if ('sandbox' in step) return `sandbox ${step.sandbox}`;
  return `log in as ${step.login}`;
}

/** A deterministic UUID (v4 layout) per name within a scenario: `${uuid.line1}` is the same each time it is used. */
function uuidScope(seed: string, scenario: string): Record<string, string> {
  const made = new Map<string, string>();
  return new Proxy(
    {},
    {
      get: (_t, name) => {
        if (typeof name !== 'string') return undefined;
        let v = made.get(name);
        if (!v) {
          const h = createHash('sha256').update(`${seed}\0${scenario}\0${name}`).digest();
          h[6] = (h[6]! & 0x0f) | 0x40;
          h[8] = (h[8]! & 0x3f) | 0x80;
          const x = h.subarray(0, 16).toString('hex');
          v = `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
          made.set(name, v);
        }
        return v;
      },
      has: () => true,
    },
  );
}

/** Keeps the result small enough for the report: long strings (PDFs, XML) are cut, secrets dropped. */
function forReport(v: unknown): unknown {
  const r = redactSecrets(v);
  const text = JSON.stringify(r);
  if (text === undefined) return null;
  return text.length > 20_000 ? { truncated: `${text.slice(0, 20_000)}…`, bytes: text.length } : r;
}

export async function runScenarios(scenarios: Scenario[], deps: RunnerDeps): Promise<RunResult> {
  const runId = randomUUID();
  const startedAt = new Date().toISOString();
  const seed = deps.seed ?? runId;
  const results: ScenarioResult[] = [];
  let overhead = 0;
  let steps = 0;
  deps.events?.emit('assurance.progress', {
    runId,
    phase: 'start',
    scenario: null,
    step: null,
    index: 0,
    total: scenarios.length,
    status: null,
    message: null,
  });
  const lanes: RunnerLane[] = [deps, ...(deps.lanes ?? [])];
  const plan = planLanes(scenarios, lanes.length);
  const holds = new Holds();
  const byIndex = new Array<ScenarioResult>(scenarios.length);
  let finished = 0;
  await Promise.all(
    plan.map(async (mine, l) => {
      for (const i of mine) {
        const sc = scenarios[i]!;
        const release = await holds.take(sc.locks, runsAlone(sc));
        try {
          byIndex[i] = await runOne(lanes[l]!, sc, i, scenarios.length);
        } finally {
          release();
        }
        finished++;
        deps.events?.emit('assurance.progress', {
          runId,
          phase: 'scenario',
          scenario: sc.id,
          step: null,
          index: finished,
          total: scenarios.length,
          status: byIndex[i]!.status,
          message: byIndex[i]!.failure,
        });
      }
    }),
  );
  results.push(...byIndex);

  async function runOne(lane: RunnerLane, sc: Scenario, position: number, of: number): Promise<ScenarioResult> {
    const started = performance.now();
    const out: ScenarioResult = {
      id: sc.id,
      title: sc.title,
      file: sc.file,
      requirements: sc.requirements,
      tags: sc.tags,
      status: 'passed',
      ms: 0,
      steps: [],
      failure: null,
    };
    const canRun = sc.needs === 'any' || lane.world.environment.sandbox;
    const scope: Record<string, unknown> = { uuid: uuidScope(seed, sc.id), run: { id: runId, seed } };
    if (canRun) {
      // A lane that cannot reach a clean state fails this scenario (its steps skipped), not the run:
      // the other lanes carry on.
      try {
        await cleanSlate(lane);
      } catch (e) {
        out.status = 'failed';
        out.failure = `${sc.id} (requirement${sc.requirements.length > 1 ? 's' : ''} ${sc.requirements.join(', ')}) could not start from a clean state: ${e instanceof Error ? e.message : String(e)}`;
      }
    }
    for (const [index, step] of sc.steps.entries()) {
      const t0 = performance.now();
      const r: StepResult = {
        index: index + 1,
        kind: stepKind(step),
        label: stepLabel(step),
        command: 'command' in step ? step.command : null,
        input: null,
        status: 'passed',
        ms: 0,
        result: null,
        error: null,
        differences: [],
        exchanges: [],
        requirements: step.requirements ?? [],
        screenshot: null,
      };
      out.steps.push(r);
      if (!canRun || out.status === 'failed') {
        r.status = 'skipped';
        if (!canRun)
          r.differences = [
            `not run: this scenario needs the sandbox, and ${lane.world.environment.label} has no virtual cards, clock or outage controls`,
          ];
        continue;
      }
      const seq0 = lane.world.lastExchange?.() ?? 0;
      let inside = 0; // time spent in the command or action itself
      try {
        const a = performance.now();
        await runStep(lane, step, r, scope);
        inside += performance.now() - a;
      } catch (e) {
        r.status = 'failed';
        r.differences.push(e instanceof Error ? e.message : String(e));
      }
      r.exchanges = lane.world.exchanges?.(seq0) ?? [];
      if (r.status === 'passed' && step.expect?.exchanges) {
        const wait0 = performance.now();
        r.differences.push(...(await exchangeDifferences(lane, step.expect.exchanges, seq0, r)));
        inside += performance.now() - wait0;
      }
      if (r.differences.length) r.status = 'failed';
      r.ms = Math.round((performance.now() - t0) * 10) / 10;
      if (step.expect?.maxMs !== undefined && r.ms > step.expect.maxMs) {
        r.status = 'failed';
        r.differences.push(`took ${r.ms} ms, the limit is ${step.expect.maxMs} ms`);
      }
      if (step.screenshot && r.status !== 'skipped') {
        // After the step's time is taken: a screenshot is evidence, not part of what the step costs.
        const a = performance.now();
        r.screenshot = await takeScreenshot(lane, sc, r, step.screenshot);
        inside += performance.now() - a;
      }
      overhead += performance.now() - t0 - inside;
      steps++;
      if (r.status === 'failed') {
        out.status = 'failed';
        const reqs = [...sc.requirements, ...r.requirements];
        out.failure = `${sc.id} (requirement${reqs.length > 1 ? 's' : ''} ${reqs.join(', ')}) failed at step ${r.index} "${r.label}": ${r.differences.join('; ')}`;
      }
      deps.onStep?.(out, r, { scenario: position + 1, scenarios: of, steps: sc.steps.length });
      deps.events?.emit('assurance.progress', {
        runId,
        phase: 'step',
        scenario: sc.id,
        step: r.label,
        index: position + 1,
        total: of,
        status: r.status,
        message: r.differences.join('; ') || null,
      });
    }
    if (!canRun) out.status = 'skipped';
    // Between scenarios: a lane left unclean fails the next scenario's first steps, each saying why.
    if (canRun) await cleanSlate(lane).catch(() => undefined);
    out.ms = Math.round(performance.now() - started);
    return out;
  }

  async function takeScreenshot(
    lane: RunnerLane,
    sc: Scenario,
    r: StepResult,
    want: NonNullable<Step['screenshot']>,
  ): Promise<NonNullable<StepResult['screenshot']>> {
    const { name, page } = typeof want === 'string' ? { name: want, page: 'home' } : want;
    if (!lane.screenshot)
      return {
        name,
        page,
        file: null,
        note: 'this run has no browser-mode UI to photograph, so no screenshot was taken',
      };
    try {
      const png = await lane.screenshot(page);
      const file = `screenshots/${sc.id.toLowerCase()}-${String(r.index).padStart(2, '0')}-${name}.png`;
      deps.onScreenshot?.(file, png);
      return { name, page, file, note: null };
    } catch (e) {
      return { name, page, file: null, note: e instanceof Error ? e.message : String(e) };
    }
  }

  /** Why a step cannot be done in this environment, naming it. */
  function refused(what: string, why: string): string {
    return `refused: ${what} need the sandbox; ${deps.world.environment.label} is not the sandbox and ${why}`;
  }

  /** The card is out and Scrip has seen it go (the session, if there was one, has ended). */
  function cardOut(lane: RunnerLane): () => boolean {
    return () => !lane.cardPresent() && ['no-card', 'ended'].includes(lane.sessionState());
  }

  /** No card in the reader and no session: each scenario starts here. */
  async function cleanSlate(lane: RunnerLane): Promise<void> {
    await lane.world.outage?.('off');
    await lane.world.sha1Prepare?.(false);
    if (!lane.world.pullCard) return;
    await lane.world.pullCard();
    await lane.waitFor(cardOut(lane), 'the card to be out and the session over', CARD_WAIT_MS);
  }

  async function runStep(lane: RunnerLane, step: Step, r: StepResult, scope: Record<string, unknown>): Promise<void> {
    const world = lane.world;
    const insert = (user: string, fresh: boolean) => insertCard(lane, user, fresh);
    const call = (name: string, input: unknown) => callCommand(lane, name, input);
    if ('card' in step) {
      if (step.card === 'pull') {
        if (!world.pullCard) throw new Error(refused('card actions', 'it has no virtual card to take out'));
        await world.pullCard();
        await lane.waitFor(cardOut(lane), 'Scrip to see the card leave', CARD_WAIT_MS);
        r.result = { session: lane.sessionState() };
      } else {
        scope.card = await insert(step.user ?? 'prescriber', step.fresh ?? false);
        r.result = { session: lane.sessionState(), userId: (scope.card as { userId: string }).userId };
      }
      check(step.expect, r, r.result, null);
      return;
    }
    if ('sandbox' in step) {
      if (step.sandbox === 'clock') {
        if (!world.advanceClock) throw new Error(refused('sandbox actions', "its clock is not Scrip's to move"));
        r.input = { advanceSeconds: step.advanceSeconds ?? 0 };
        r.result = { clock: await world.advanceClock(step.advanceSeconds ?? 0) };
      } else if (step.sandbox === 'outage') {
        if (!world.outage) throw new Error(refused('sandbox actions', 'Scrip cannot stage an outage of its services'));
        r.input = { mode: step.mode ?? 'lose-answers' };
        await world.outage(step.mode ?? 'lose-answers');
        r.result = { eps: step.mode === 'off' ? 'answering' : (step.mode ?? 'lose-answers') };
      } else if (step.sandbox === 'test-sha1-prepare') {
        if (!world.sha1Prepare)
          throw new Error(refused('sandbox actions', 'Scrip cannot change what its $prepare answers'));
        r.input = { on: step.on ?? true };
        await world.sha1Prepare(step.on ?? true);
        r.result = { prepare: step.on === false ? 'RS256' : 'RS1 (test only)' };
      } else {
        if (!world.revoke) throw new Error(refused('sandbox actions', 'Scrip cannot revoke its certificates'));
        r.input = { certificate: step.certificate ?? 'signing' };
        r.result = await world.revoke(step.certificate ?? 'signing');
      }
      check(step.expect, r, r.result, null);
      return;
    }
    if ('login' in step) {
      const card = await insert(step.login, false);
      scope.card = card;
      r.command = 'session.login';
      const input = { pin: card.pin, ...(step.role ? { role: step.role } : {}) };
      r.input = redactSecrets(input);
      const { result, error } = await call('session.login', input);
      r.result = forReport(result);
      r.error = error;
      check(step.expect ?? { result: { state: 'role-selected' } }, r, result, error);
      return;
    }
    // A command of the registry.
    const input = interpolate(step.input ?? {}, scope);
    r.input = redactSecrets(input);
    const deadline = step.until ? performance.now() + step.until.timeoutMs : 0;
    for (;;) {
      const { result, error } = await call(step.command, input);
      r.result = forReport(result);
      r.error = error;
      r.differences = [];
      // Expected values may name captured ones too (`"${sent.shortFormId}"`).
      check(
        step.expect?.result
          ? { ...step.expect, result: interpolate(step.expect.result, scope) as Record<string, Matcher> }
          : step.expect,
        r,
        result,
        error,
      );
      if (!r.differences.length || !step.until || performance.now() > deadline) {
        if (r.differences.length && step.until) r.differences.push(`still so after ${step.until.timeoutMs} ms`);
        if (step.as && !error) scope[step.as] = result;
        return;
      }
      await new Promise((res) => setTimeout(res, step.until!.intervalMs));
    }
  }

  async function insertCard(lane: RunnerLane, user: string, fresh: boolean): Promise<InsertedCard> {
    if (!lane.world.insertCard || !lane.world.pullCard)
      throw new Error(
        refused(
          'card actions (and login, which inserts a card)',
          'there are no virtual cards for it: log in with a real card outside the run',
        ),
      );
    if (!cardOut(lane)()) {
      await lane.world.pullCard();
      await lane.waitFor(cardOut(lane), 'the card to leave before another goes in', CARD_WAIT_MS);
    }
    const card = await lane.world.insertCard(user, fresh);
    await lane.waitFor(
      () => lane.sessionState() === 'card-present',
      `Scrip to see ${card.name}'s card (session state card-present)`,
      CARD_WAIT_MS,
    );
    return card;
  }

  async function callCommand(
    lane: RunnerLane,
    name: string,
    input: unknown,
  ): Promise<{ result: unknown; error: { code: string; message: string } | null }> {
    try {
      return { result: await lane.invoke(name, input), error: null };
    } catch (e) {
      const err = toScripError(e);
      const issues = err.details?.issues;
      const detail = Array.isArray(issues)
        ? ` (${(issues as Array<{ path: string; message: string }>).map((i) => `${i.path}: ${i.message}`).join('; ')})`
        : '';
      return { result: null, error: { code: err.code, message: err.message + detail } };
    }
  }

  function check(
    expect: Expectation | undefined,
    r: StepResult,
    result: unknown,
    error: { code: string; message: string } | null,
  ): void {
    const wantError =
      expect?.error === undefined ? null : typeof expect.error === 'string' ? { code: expect.error } : expect.error;
    const wantOk = expect?.ok ?? wantError === null;
    if (wantOk && error) {
      r.differences.push(`expected success, got error ${error.code}: ${error.message}`);
      return;
    }
    if (!wantOk && !error) {
      r.differences.push(`expected ${wantError ? `error ${wantError.code}` : 'a failure'}, but it succeeded`);
      return;
    }
    if (wantError && error) {
      if (error.code !== wantError.code)
        r.differences.push(`expected error ${wantError.code}, got ${error.code}: ${error.message}`);
      else if ('message' in wantError && wantError.message && !new RegExp(wantError.message).test(error.message))
        r.differences.push(`expected an error message matching /${wantError.message}/, got "${error.message}"`);
    }
    if (expect?.result && !error) r.differences.push(...resultDifferences(result, expect.result));
  }

  /** The expected exchanges, waiting briefly for ones the step set off in the background (a logout). */
  async function exchangeDifferences(
    lane: RunnerLane,
    expected: NonNullable<Expectation['exchanges']>,
    seq0: number,
    r: StepResult,
  ): Promise<string[]> {
    const matches = (w: (typeof expected)[number], x: LoggedExchange): boolean =>
      new RegExp(w.path).test(x.path) &&
      (!w.method || w.method === x.method) &&
      (w.status === undefined || w.status === x.status) &&
      (!w.request || new RegExp(w.request).test(x.request)) &&
      (!w.response || new RegExp(w.response).test(x.response));
    const absent = expected.filter((w) => w.absent);
    const want = expected.filter((w) => !w.absent);
    const missing = () => want.filter((w) => !r.exchanges.some((x) => matches(w, x)));
    const log = lane.world.exchanges;
    if (!log) return ['this environment keeps no message log to check exchanges against'];
    const until = performance.now() + EXCHANGE_WAIT_MS;
    while (missing().length && performance.now() < until) {
      await new Promise((res) => setTimeout(res, 50));
      r.exchanges = log(seq0);
    }
    const unwanted = absent.flatMap((w) =>
      r.exchanges
        .filter((x) => matches(w, x))
        .map(
          (x) =>
            `expected no exchange ${w.method ?? ''} ${w.path}${w.request ? ` with a request matching /${w.request}/` : ''}; there was ${x.method} ${x.path} answered ${x.status}`,
        ),
    );
    return [
      ...unwanted,
      ...missing().map(
        (w) =>
          `expected an exchange ${w.method ?? ''} ${w.path}${w.status ? ` answered ${w.status}` : ''}${w.request ? ` with a request matching /${w.request}/` : ''}${w.response ? ` with an answer matching /${w.response}/` : ''}; there was none (saw: ${r.exchanges.map((x) => `${x.method} ${x.path} ${x.status}`).join(', ') || 'nothing'})`,
      ),
    ];
  }

  const totals = {
    passed: results.filter((r) => r.status === 'passed').length,
    failed: results.filter((r) => r.status === 'failed').length,
    skipped: results.filter((r) => r.status === 'skipped').length,
    steps,
  };
  const requirements: RunResult['requirements'] = {};
  const rank: Record<Status, number> = { passed: 0, skipped: 1, failed: 2 };
  for (const r of results) {
    for (const id of new Set([...r.requirements, ...r.steps.flatMap((s) => s.requirements)])) {
      const e = (requirements[id] ??= { scenarios: [], status: r.status });
      e.scenarios.push(r.id);
      if (rank[r.status] > rank[e.status]) e.status = r.status;
    }
  }
  deps.events?.emit('assurance.progress', {
    runId,
    phase: 'done',
    scenario: null,
    step: null,
    index: results.length,
    total: scenarios.length,
    status: totals.failed ? 'failed' : 'passed',
    message: `${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`,
  });
  return {
    runId,
    startedAt,
    finishedAt: new Date().toISOString(),
    environment: deps.world.environment,
    fixedClock: deps.world.fixedClock,
    versions: deps.world.versions,
    scenarios: results,
    totals,
    requirements,
    overheadPerStepMs: steps ? Math.round((overhead / steps) * 1000) / 1000 : 0,
  };
}
