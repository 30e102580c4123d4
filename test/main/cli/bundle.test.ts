// The bundled command line (decision 0013) says what the sources say: its command list and its
// `scrip --help` are the registry's, and bin runs it only while no source it was built from is newer.
// Needs `npm run build`; outside CI a missing or stale bundle skips with the reason, in CI it fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../../e2e/support/scrip-process';
import { cliCommands } from '../../../main/cli/cli-commands';
import { overview } from '../../../main/cli/overview';

const run = promisify(execFile);
const dist = join(repoRoot, 'dist', 'cli');
const bin = join(repoRoot, 'bin', 'scrip.mjs');

/** Why the bundle cannot be checked here, or null. */
function unusable(): string | null {
  if (!existsSync(join(dist, 'main.mjs'))) return 'no dist/cli (run "npm run build")';
  const built = statSync(join(dist, 'main.mjs')).mtimeMs;
  const newer = (JSON.parse(readFileSync(join(dist, 'inputs.json'), 'utf8')) as string[]).find(
    (f) => !existsSync(join(repoRoot, f)) || statSync(join(repoRoot, f)).mtimeMs > built,
  );
  return newer ? `dist/cli is older than ${newer} (run "npm run build")` : null;
}

function needBundle(t: { skip(why: string): void }): boolean {
  const why = unusable();
  if (!why) return true;
  assert.ok(process.env.CI !== 'true', `CI builds before it tests, so the bundle must be current: ${why}`);
  t.skip(why);
  return false;
}

test("the bundle's command list and overview are the registry's", (t) => {
  if (!needBundle(t)) return;
  const commands = cliCommands();
  assert.deepEqual(
    JSON.parse(readFileSync(join(dist, 'commands.json'), 'utf8')),
    JSON.parse(JSON.stringify(commands)),
    'dist/cli/commands.json matches the registry',
  );
  assert.equal(
    readFileSync(join(dist, 'overview.txt'), 'utf8'),
    `${overview(commands)}\n`,
    'dist/cli/overview.txt is the overview the sources print',
  );
});

test('bin answers the same from the bundle and from the sources, and an unknown command is refused the same way', async (t) => {
  if (!needBundle(t)) return;
  const env = (fromSource: boolean): NodeJS.ProcessEnv => ({
    ...process.env,
    SCRIP_FROM_SOURCE: fromSource ? '1' : '',
  });
  const help = await Promise.all(
    [false, true].map(
      async (s) =>
        (await run(process.execPath, [bin, 'api-key', 'create', '--help'], { env: env(s), timeout: 60_000 })).stdout,
    ),
  );
  assert.match(help[0]!, /^Usage: scrip api-key create/, `the bundled CLI prints a command's help: ${help[0]}`);
  assert.equal(help[0], help[1], "a command's help is the same from the bundle and from the sources");
  const refused = await Promise.all(
    [false, true].map((s) =>
      run(process.execPath, [bin, 'no-such-command'], { env: env(s), timeout: 60_000 }).then(
        () => null,
        (e: { code: number; stderr: string }) => e,
      ),
    ),
  );
  for (const r of refused) {
    assert.ok(r, 'an unknown command fails');
    assert.equal(r.code, refused[0]!.code, 'with the same exit code');
    assert.match(r.stderr, /"scrip no-such-command" is not a command/, `and says so: ${r.stderr}`);
  }
});
