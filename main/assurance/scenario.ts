// Scenarios as data: one YAML file per scenario (steps + expectations), checked by a zod schema
// whose errors name the file, the line and the field. Pure: no I/O beyond the text it is given.
import { z } from 'zod';
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';

/** A matcher for one value: a plain value is "equals"; an object says how to compare. */
const matcher = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.null(),
  z
    .object({
      equals: z.unknown().optional(),
      matches: z.string().optional().describe('A regular expression the value (as text) must match'),
      notMatches: z.string().optional().describe('A regular expression the value (as JSON text) must not match'),
      oneOf: z.array(z.unknown()).optional(),
      exists: z.boolean().optional(),
      length: z.number().int().min(0).optional(),
      atMost: z.number().optional(),
      atLeast: z.number().optional(),
    })
    .strict(),
]);
export type Matcher = z.infer<typeof matcher>;

const expectation = z
  .object({
    /** The step succeeds (default true unless `error` is given). */
    ok: z.boolean().optional(),
    /** The step fails with this Scrip error code (e.g. signature-invalid, pin-wrong) and, optionally, a message matching. */
    error: z.union([z.string(), z.object({ code: z.string(), message: z.string().optional() }).strict()]).optional(),
    /** Fields of the result, by path (`results[0].ok`, `items[*].statusCode`) → matcher. */
    result: z.record(z.string(), matcher).optional(),
    /** Exchanges with the service this step must have caused (e.g. the broker logout when the card is pulled). */
    exchanges: z
      .array(
        z
          .object({
            method: z.string().optional(),
            path: z.string().describe('A regular expression for the request path'),
            status: z.number().int().optional(),
            request: z.string().optional().describe('A regular expression the request body must match'),
            response: z.string().optional().describe('A regular expression the response body must match'),
            /** This exchange must not have happened (e.g. no $prepare for a prescription refused before it). */
            absent: z.boolean().optional(),
          })
          .strict(),
      )
      .optional(),
    /** The step's own time limit (ms). */
    maxMs: z.number().positive().optional(),
  })
  .strict();
export type Expectation = z.infer<typeof expectation>;

/** The UI's pages a screenshot may show (main/assurance/camera.ts UI_PAGES; renderer/src/routes.ts). */
const uiPage = z.enum([
  'home',
  'prescribe',
  'prescriptions',
  'dispense',
  'assurance',
  'api-keys',
  'diagnostics',
  'settings',
]);
const shotName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,59}$/, 'a short name in lower case, digits and hyphens (it names the PNG)');

const base = {
  name: z.string().max(200).optional(),
  /** A PNG of the UI (browser mode) after this step, in the pack: a name, or a name and the page to show (default home). */
  screenshot: z.union([shotName, z.object({ name: shotName, page: uiPage.default('home') }).strict()]).optional(),
  /** Requirement IDs this step evidences (in addition to the scenario's). */
  requirements: z.array(z.string()).optional(),
  expect: expectation.optional(),
};

const commandStep = z
  .object({
    ...base,
    command: z.string().regex(/^[a-z-]+(\.[a-z-]+)+$/, 'a registry command name such as prescription.create'),
    input: z.record(z.string(), z.unknown()).optional(),
    /** Keeps the result for later steps: `${as.field}`. */
    as: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
      .optional(),
    /** Repeats the command until `expect` holds (service-side work that completes later), up to timeoutMs. */
    until: z
      .object({
        timeoutMs: z.number().int().positive().max(120_000).default(15_000),
        intervalMs: z.number().int().positive().default(100),
      })
      .strict()
      .optional(),
  })
  .strict();

const who = z
  .string()
  .regex(
    /^(prescriber|pharmacist|nurse|admin|pharmacist-prescriber|dentist|hospital-prescriber|\d{12})$/,
    'prescriber, pharmacist, nurse, admin, pharmacist-prescriber, dentist, hospital-prescriber or a 12-digit user ID',
  );
const cardStep = z
  .object({
    ...base,
    card: z.enum(['insert', 'pull']),
    /** Whose card to insert (default prescriber). */
    user: who.optional(),
    /** Issue a new card (new certificates) rather than reuse this user's card. */
    fresh: z.boolean().optional(),
  })
  .strict();

const sandboxStep = z
  .object({
    ...base,
    /**
     * test-sha1-prepare: a test-only switch of this lane's $prepare to answer RS1 (SHA-1), as EPS answers
     * a legacy application on its SHA-1 list; `on: false` switches it back.
     */
    sandbox: z.enum(['clock', 'revoke', 'outage', 'test-sha1-prepare']),
    on: z.boolean().optional(),
    /** clock: move the fixed sandbox clock forward. */
    advanceSeconds: z
      .number()
      .int()
      .min(0)
      .max(10 * 365 * 86_400)
      .optional(),
    /** revoke: which certificate of the card in the reader. */
    certificate: z.enum(['signing', 'authentication']).optional(),
    /** outage: EPS answers lost after the request arrived, connections refused, or back to normal. */
    mode: z.enum(['lose-answers', 'refuse', 'off']).optional(),
  })
  .strict();

/** Shorthand: insert the user's card, log in with its PIN and select the role. */
const loginStep = z
  .object({
    ...base,
    login: who,
    role: z
      .string()
      .regex(/^\d{12}$/)
      .optional(),
  })
  .strict();

const stepSchema = z.union([commandStep, cardStep, sandboxStep, loginStep]);
export type Step = z.infer<typeof stepSchema>;

const scenarioSchema = z
  .object({
    id: z.string().regex(/^[A-Z0-9][A-Z0-9-]{1,40}$/, 'an ID in capitals, digits and hyphens (e.g. EPS-CANCEL-01)'),
    title: z.string().min(3).max(200),
    description: z.string().max(4000).optional(),
    /** The requirement IDs (SCAL, EPS test packs) this scenario evidences. */
    requirements: z.array(z.string().min(1)).min(1, 'name at least one requirement this scenario evidences'),
    tags: z.array(z.string()).default([]),
    /** What the environment must offer: the sandbox (card and clock actions) or any. */
    needs: z.enum(['sandbox', 'any']).default('sandbox'),
    /**
     * Runs alone: no other scenario runs while it does (it changes something every lane shares).
     * A scenario that moves the sandbox clock is always run alone, whether it says so or not.
     */
    exclusive: z.boolean().default(false),
    /**
     * Things in the service this scenario changes or counts on staying as it left them (for example
     * `nominated:FCG71`, everything nominated to a pharmacy): scenarios naming the same one never run
     * at the same time. Cards, sessions and outages are each lane's own and need no lock.
     */
    locks: z
      .array(z.string().regex(/^[A-Za-z0-9:._-]{1,60}$/, 'a short name: letters, digits and : . _ -'))
      .default([]),
    steps: z.array(stepSchema).min(1),
  })
  .strict();
export type Scenario = z.infer<typeof scenarioSchema> & { file: string };

interface ScenarioProblem {
  file: string;
  line: number | null;
  field: string;
  message: string;
}

/** Every problem found, each naming its file, line and field. */
export class ScenarioError extends Error {
  readonly problems: ScenarioProblem[];
  constructor(problems: ScenarioProblem[]) {
    super(problems.map((p) => `${p.file}${p.line ? `:${p.line}` : ''}: ${p.field}: ${p.message}`).join('\n'));
    this.name = 'ScenarioError';
    this.problems = problems;
  }
}

/** The line of the YAML node at a path (or of its nearest parent that exists). */
function lineOf(doc: Document, counter: LineCounter, path: ReadonlyArray<PropertyKey>): number | null {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(
      path.slice(0, n).map((k) => (typeof k === 'symbol' ? String(k) : k)),
      true,
    );
    if (isNode(node) && node.range) return counter.linePos(node.range[0]).line;
  }
  return null;
}

const fieldName = (path: ReadonlyArray<PropertyKey>): string =>
  path.map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i ? '.' : ''}${String(k)}`)).join('') || '(scenario)';

/** Parses and checks one scenario file's text. Throws ScenarioError naming file, line and field. */
export function parseScenario(file: string, text: string): Scenario {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    // One problem per line: a YAML slip usually raises several errors at the same place.
    const byLine = new Map<number, string>();
    for (const e of doc.errors) {
      const line = e.linePos?.[0]?.line ?? counter.linePos(e.pos[0]).line;
      if (!byLine.has(line)) byLine.set(line, e.message.split('\n')[0]!);
    }
    throw new ScenarioError([...byLine].map(([line, message]) => ({ file, line, field: '(YAML)', message })));
  }
  const parsed = scenarioSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    throw new ScenarioError(
      parsed.error.issues.map((i) => {
        // A step that matches no kind: say which kinds there are, not four unions' worth of noise.
        const message =
          i.code === 'invalid_union' && i.path.length === 2 && i.path[0] === 'steps'
            ? 'a step is one of: command (with input, as, expect, until), card (insert|pull), sandbox (clock|revoke|outage|test-sha1-prepare), login (a user); check the keys of this step'
            : i.message;
        return { file, line: lineOf(doc, counter, i.path), field: fieldName(i.path), message };
      }),
    );
  }
  return { ...parsed.data, file };
}
