// Which command a line of CLI words names: the longest command path that the words start with.
import { cliPath, type AnyCommand } from '../commands/registry';

export function findCommand(commands: readonly AnyCommand[], words: readonly string[]): { command: AnyCommand; rest: string[] } | null {
  let best: { command: AnyCommand; rest: string[] } | null = null;
  for (const c of commands) {
    const p = cliPath(c);
    if (p.length <= words.length && p.every((w, i) => words[i] === w) && (!best || p.length > cliPath(best.command).length)) {
      best = { command: c, rest: words.slice(p.length) };
    }
  }
  return best;
}
