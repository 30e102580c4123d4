// Finding and choosing scenarios: the built-in library (data/assurance/*.yaml, found by walking up
// from this module like the bundled dm+d subset) or files and folders the caller names.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseScenario, ScenarioError, type Scenario } from './scenario';

function builtInLibrary(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const d = join(dir, 'data', 'assurance');
    if (existsSync(d)) return d;
    dir = dirname(dir);
  }
  throw new Error('the built-in scenario library (data/assurance) is missing from this installation');
}

function yamlFiles(path: string): string[] {
  const p = resolve(path);
  if (!existsSync(p))
    throw new ScenarioError([{ file: path, line: null, field: '(file)', message: 'no such file or folder' }]);
  if (!statSync(p).isDirectory()) return [p];
  return readdirSync(p)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => join(p, f));
}

/** Every scenario in the paths (default: the built-in library); all files' problems reported together. */
export function loadScenarios(paths: string[]): Scenario[] {
  const files = (paths.length ? paths : [builtInLibrary()]).flatMap(yamlFiles);
  const out: Scenario[] = [];
  const problems: ScenarioError[] = [];
  for (const f of files) {
    try {
      out.push(parseScenario(f, readFileSync(f, 'utf8')));
    } catch (e) {
      if (e instanceof ScenarioError) problems.push(e);
      else throw e;
    }
  }
  if (problems.length) throw new ScenarioError(problems.flatMap((p) => p.problems));
  const seen = new Map<string, string>();
  for (const s of out) {
    const before = seen.get(s.id);
    if (before)
      throw new ScenarioError([
        { file: s.file, line: null, field: 'id', message: `${s.id} is also the ID of ${before}` },
      ]);
    seen.set(s.id, s.file);
  }
  return out;
}

/** --only (scenario IDs) and --requirement (IDs, or a prefix ending in "*"): a scenario is kept when it matches both. */
export function selectScenarios(all: Scenario[], opts: { only?: string[]; requirement?: string[] }): Scenario[] {
  const only = opts.only?.length ? new Set(opts.only.map((s) => s.toUpperCase())) : null;
  const req = opts.requirement?.length ? opts.requirement : null;
  const reqMatch = (id: string) => req!.some((r) => (r.endsWith('*') ? id.startsWith(r.slice(0, -1)) : id === r));
  const chosen = all.filter(
    (s) =>
      (!only || only.has(s.id)) &&
      (!req || [...s.requirements, ...s.steps.flatMap((st) => st.requirements ?? [])].some(reqMatch)),
  );
  if (only)
    for (const id of only)
      if (!all.some((s) => s.id === id))
        throw new ScenarioError([
          {
            file: '--only',
            line: null,
            field: id,
            message: `no scenario has this ID (there are: ${all.map((s) => s.id).join(', ')})`,
          },
        ]);
  return chosen;
}
