// Assurance: run scenarios (data/assurance/*.yaml or the caller's) against Scrip and the sandbox,
// producing a signed evidence pack, and verify a pack. `scrip assure run|verify` run these in the
// CLI's own process (a Scrip of its own on a fixed clock); from the API and the UI they run in the
// agent, in a lane of their own against its embedded sandbox, or against a configured environment.
import { z } from 'zod';
import { defineCommand } from './registry';
import { ScripError } from '../errors';
// The runner and the pack checker load when a command runs: the runner brings the embedded sandbox.
const run = () => import('../assurance/run');

const ids = z.array(z.string().min(1).max(100)).max(200);
const selection = {
  paths: z
    .array(z.string().min(1).max(4096))
    .max(100)
    .optional()
    .describe('Scenario files or folders (default: the built-in library)'),
  only: ids.optional().describe('Scenario IDs to run (default: all)'),
  requirement: ids
    .optional()
    .describe('Requirement IDs (or a prefix ending in *): run the scenarios that evidence them'),
};

const assuranceSummary = z.object({
  ok: z.boolean().describe('Every scenario passed'),
  out: z.string(),
  runId: z.string(),
  passed: z.number().int(),
  failed: z.number().int(),
  skipped: z.number().int(),
  steps: z.number().int(),
  failures: z.array(z.string()).describe('Each failure naming the requirement, the step and the difference'),
  requirements: z.number().int().describe('How many requirements the run evidences'),
  signer: z.string().describe("The signing key's JWK thumbprint (RFC 7638)"),
  pdf: z.string(),
  junit: z.string().nullable(),
  wallMs: z.number(),
  overheadPerStepMs: z.number(),
  lanes: z.number().int().describe('Lanes the scenarios ran in side by side'),
  lanesNote: z.string().nullable().describe('Why fewer lanes than asked, when so'),
});
export type AssuranceSummaryView = z.infer<typeof assuranceSummary>;

export const assureList = defineCommand({
  name: 'assure.list',
  summary: 'List assurance scenarios and the requirements each evidences',
  http: { method: 'GET', path: '/assurance/scenarios' },
  input: z.object(selection),
  output: z.object({
    scenarios: z.array(
      z.object({
        id: z.string(),
        title: z.string(),
        file: z.string(),
        requirements: z.array(z.string()),
        tags: z.array(z.string()),
        steps: z.number().int(),
      }),
    ),
  }),
  needs: { scope: 'read' },
  errors: ['invalid-input'],
  run: async (input) => ({
    scenarios: (await run()).chooseScenarios(input).map((s) => ({
      id: s.id,
      title: s.title,
      file: s.file,
      requirements: s.requirements,
      tags: s.tags,
      steps: s.steps.length,
    })),
  }),
});

export const assureRun = defineCommand({
  name: 'assure.run',
  summary: 'Run assurance scenarios and write a signed evidence pack (report.html, report.pdf, message log, manifest)',
  description:
    "Each scenario runs from a clean state (no card, no session) through the same command path every surface takes; progress goes out as assurance.progress events. In the agent it runs in a lane of its own (its own data directory, session and virtual reader, so the agent's session and browser tabs are untouched) against the embedded sandbox, with the sandbox clock fixed for the run (at `clock`, else the run's start), or against the configured environment `env`; `scrip assure run` starts a Scrip of its own instead.",
  http: { method: 'POST', path: '/assurance/runs' },
  input: z.object({
    ...selection,
    out: z.string().min(1).max(4096).describe('Directory for the evidence pack (empty or an earlier pack)'),
    junit: z.string().min(1).max(4096).optional().describe('Also write JUnit XML here (CI systems)'),
    seed: z.string().max(200).optional().describe("Seed for the run's deterministic IDs"),
    clock: z.iso
      .datetime()
      .optional()
      .describe("The sandbox clock, fixed for the run (default: the run's start, to the minute)"),
    env: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .describe(
        'A configured environment to run against instead of the embedded sandbox (refused unless its services answer; scenarios needing the sandbox are reported not run)',
      ),
  }),
  output: assuranceSummary,
  needs: { scope: 'admin' },
  errors: ['invalid-input', 'bad-state', 'service-unreachable'],
  run: async (input, ctx) => {
    const a = ctx.services.assurance;
    if (!a)
      throw new ScripError(
        'bad-state',
        'This Scrip has no embedded sandbox to run scenarios against.',
        undefined,
        'Use "scrip assure run", which starts its own, or choose the sandbox environment.',
      );
    return a.run(input);
  },
});

export const assureVerify = defineCommand({
  name: 'assure.verify',
  summary: "Check an evidence pack: its signature and every file's SHA-256",
  http: { method: 'POST', path: '/assurance/verification' },
  input: z.object({
    dir: z.string().min(1).max(4096).describe('The evidence pack directory'),
    trust: z.string().max(100).optional().describe('Accept only this signing key (JWK thumbprint)'),
  }),
  output: z.object({
    ok: z.boolean(),
    dir: z.string(),
    files: z.number().int(),
    signer: z.object({ alg: z.string(), thumbprint: z.string() }).nullable(),
    problems: z
      .array(z.object({ file: z.string(), problem: z.string() }))
      .describe('Each names the file that is wrong'),
  }),
  needs: { scope: 'admin' },
  cli: { positional: ['dir'] },
  run: async (input) =>
    (await import('../assurance/pack')).verifyPack(input.dir, input.trust ? { trust: input.trust } : {}),
});

export const assuranceCommands = [assureList, assureRun, assureVerify];
