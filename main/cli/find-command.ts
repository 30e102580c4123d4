// Which command a line of CLI words names (the longest command path the words start with), and whether
// the CLI runs it itself.
import { cliPath, type CliSpec, type LocalRun } from '../commands/cli-data';

export function findCommand<C extends { name: string; cli?: CliSpec }>(
  commands: readonly C[],
  words: readonly string[],
): { command: C; rest: string[] } | null {
  let best: { command: C; rest: string[] } | null = null;
  for (const c of commands) {
    const p = cliPath(c);
    if (
      p.length <= words.length &&
      p.every((w, i) => words[i] === w) &&
      (!best || p.length > cliPath(best.command).length)
    ) {
      best = { command: c, rest: words.slice(p.length) };
    }
  }
  return best;
}

/** Whether the CLI runs this command itself, given whether an agent answers. */
export function runsLocally(c: { local?: LocalRun }, agentRunning: () => Promise<boolean>): Promise<boolean> {
  if (c.local === 'always') return Promise.resolve(true);
  if (c.local === 'without-agent') return agentRunning().then((up) => !up);
  return Promise.resolve(false);
}
