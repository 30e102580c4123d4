// `scrip assure run|verify|list` in the CLI's own process: no agent, no API key, no keychain.
// `run` starts a Scrip of its own (scratch data directory, embedded sandbox on a fixed clock, virtual
// cards in the vpcd reader); with --agent it asks the running agent instead (assure.run).
import type { ParsedArgs } from './args';
import { flagString } from './args';
import type { StepListener } from '../assurance/run';
import { assureAgainstEnvironment, assureWithOwnSandbox } from '../assurance/own-sandbox';
import { chooseScenarios } from '../assurance/run';
import { verifyPack } from '../assurance/pack';
import { ScripError } from '../errors';
import { formatHuman } from './format';

export const assureUsage = `usage:
  scrip assure run [paths…] --out DIR [--env sandbox|NAME] [--junit FILE] [--only ID,…] [--requirement ID,…]
                   [--clock ISO] [--key supplier-key.pem] [--seed TEXT] [--jobs N] [--keep-data] [--json]
  --env NAME: a configured environment (Settings → Environments) instead of the built-in sandbox;
            refused unless its services answer; scenarios that need the sandbox are not run there
  --jobs N: lanes run side by side, each a Scrip with its own virtual reader (default: one per core,
            at most one per vpcd reader pcscd lists); scenarios go to lanes by a plan fixed in advance
  scrip assure verify DIR [--trust THUMBPRINT] [--json]
  scrip assure list [paths…] [--requirement ID,…] [--json]
Exit code of run: 0 when every scenario passed, 1 when any failed; a bad file or option is 2.`;

const list = (args: ParsedArgs, name: string): string[] | undefined => {
  const v = flagString(args.flags, name);
  return v
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : undefined;
};

function progress(json: boolean): StepListener | undefined {
  if (json) return undefined;
  const tty = process.stderr.isTTY;
  return (sc, step, pos) => {
    const mark = step.status === 'passed' ? 'ok' : step.status === 'failed' ? 'FAILED' : 'skipped';
    const width = 20;
    const filled = Math.round(((pos.scenario - 1 + step.index / pos.steps) / pos.scenarios) * width);
    const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${pos.scenario}/${pos.scenarios} ${sc.id} step ${step.index}/${pos.steps} ${step.label}: ${mark}`;
    if (tty)
      process.stderr.write(
        `\r\x1b[2K${line.slice(0, (process.stderr.columns ?? 100) - 1)}${step.status === 'failed' || step.index === pos.steps ? '\n' : ''}`,
      );
    else if (step.status === 'failed' || step.index === pos.steps) process.stderr.write(`${line}\n`);
  };
}

/** Returns the exit code. Errors are thrown as ScripErrors for main() to print. */
export async function assureCli(args: ParsedArgs, rest: string[], out: (v: unknown) => void): Promise<number> {
  const [action, ...paths] = rest;
  const json = args.flags.has('json');
  if (args.flags.has('help') || !action) {
    process.stdout.write(`${assureUsage}\n`);
    return action ? 0 : 2;
  }
  if (action === 'verify') {
    const dir = paths[0];
    if (!dir)
      throw new ScripError(
        'invalid-input',
        'scrip assure verify needs the evidence pack directory.',
        undefined,
        assureUsage,
      );
    const trust = flagString(args.flags, 'trust');
    const v = verifyPack(dir, trust ? { trust } : {});
    if (json) out(v);
    else if (v.ok)
      process.stdout.write(
        `The evidence pack in ${dir} is intact: ${v.files} files match manifest.json, signed with ${v.signer!.alg} by key ${v.signer!.thumbprint}.\n`,
      );
    else
      process.stdout.write(
        `The evidence pack in ${dir} FAILED verification:\n${v.problems.map((p) => `  ${p.file}: ${p.problem}`).join('\n')}\n`,
      );
    return v.ok ? 0 : 1;
  }
  if (action === 'list') {
    const req = list(args, 'requirement');
    const scenarios = chooseScenarios({ paths, ...(req ? { requirement: req } : {}) });
    if (json)
      out({
        scenarios: scenarios.map((s) => ({ id: s.id, title: s.title, file: s.file, requirements: s.requirements })),
      });
    else
      process.stdout.write(
        scenarios
          .map((s) => `${s.id.padEnd(28)} ${s.title}\n${' '.repeat(29)}evidences ${s.requirements.join(', ')}`)
          .join('\n') + '\n',
      );
    return 0;
  }
  if (action !== 'run')
    throw new ScripError('invalid-input', `"scrip assure ${action}" is not a command.`, undefined, assureUsage);
  const outDir = flagString(args.flags, 'out');
  if (!outDir)
    throw new ScripError(
      'invalid-input',
      'scrip assure run needs --out DIR for the evidence pack.',
      undefined,
      assureUsage,
    );
  const env = flagString(args.flags, 'env') ?? 'sandbox';
  const only = list(args, 'only'),
    requirement = list(args, 'requirement');
  const junit = flagString(args.flags, 'junit'),
    clock = flagString(args.flags, 'clock'),
    keyFile = flagString(args.flags, 'key'),
    seed = flagString(args.flags, 'seed');
  if (clock && Number.isNaN(Date.parse(clock)))
    throw new ScripError('invalid-input', `--clock "${clock}" is not an ISO date and time.`);
  const jobsText = flagString(args.flags, 'jobs');
  const jobs = jobsText === undefined ? undefined : Number(jobsText);
  if (jobs !== undefined && (!Number.isInteger(jobs) || jobs < 1 || jobs > 64))
    throw new ScripError(
      'invalid-input',
      `--jobs "${jobsText}" is not a number of lanes from 1 to 64.`,
      undefined,
      'Give a whole number, e.g. --jobs 2, or leave it out for one lane per core.',
    );
  const common = {
    paths,
    out: outDir,
    ...(only ? { only } : {}),
    ...(requirement ? { requirement } : {}),
    ...(junit ? { junit } : {}),
    ...(keyFile ? { keyFile } : {}),
    ...(seed ? { seed } : {}),
  };
  if (env !== 'sandbox' && (clock || jobs))
    throw new ScripError(
      'invalid-input',
      `--env ${env}: --clock and --jobs are for the built-in sandbox (a configured environment's clock is its own, and it has no virtual readers).`,
    );
  const summary =
    env === 'sandbox'
      ? await assureWithOwnSandbox(
          { ...common, ...(clock ? { clock } : {}), ...(jobs ? { jobs } : {}), keepData: args.flags.has('keep-data') },
          progress(json),
        )
      : await assureAgainstEnvironment(env, common, progress(json));
  if (json) out(summary);
  else {
    process.stdout.write(
      `${summary.ok ? 'PASSED' : summary.failed ? 'FAILED' : 'NOTHING PASSED'}: ${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped (${summary.steps} steps, ${summary.requirements} requirements) in ${(summary.wallMs / 1000).toFixed(1)} s, ${summary.lanes} lane${summary.lanes === 1 ? '' : 's'}${summary.lanesNote ? ` (${summary.lanesNote})` : ''}\n`,
    );
    for (const f of summary.failures) process.stdout.write(`  ${f}\n`);
    process.stdout.write(
      `${formatHuman({ evidence: summary.out, signedBy: summary.signer, pdf: summary.pdf, junit: summary.junit, runnerOverheadPerStepMs: summary.overheadPerStepMs })}\n`,
    );
  }
  return summary.ok ? 0 : 1;
}
