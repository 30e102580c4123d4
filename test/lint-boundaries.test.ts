// The process boundaries are held by the linter: a wrong import fails before review.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ESLint } from 'eslint';

const eslint = new ESLint();

async function errors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

test('only main/electron/ may import electron', async () => {
  assert.equal(
    (await errors('main/electron/x.ts', "import { app } from 'electron';\nexport const a = app;\n")).length,
    0,
  );
  for (const f of ['main/api/x.ts', 'native/pcsc/x.ts', 'sandbox/x.ts', 'protocols/x.ts', 'renderer/src/x.ts']) {
    assert.equal((await errors(f, "import { app } from 'electron';\nexport const a = app;\n")).length, 1, f);
  }
});

test('the renderer imports no Node built-ins and only types from main/', async () => {
  assert.equal(
    (await errors('renderer/src/x.ts', "import { readFileSync } from 'node:fs';\nexport const a = readFileSync;\n"))
      .length,
    1,
  );
  assert.equal(
    (
      await errors(
        'renderer/src/x.ts',
        "import { ScripError } from '../../main/errors';\nexport const a = ScripError;\n",
      )
    ).length,
    1,
  );
  assert.equal(
    (
      await errors(
        'renderer/src/x.ts',
        "import type { ErrorBody } from '../../main/errors';\nexport type A = ErrorBody;\n",
      )
    ).length,
    0,
  );
});

test('main/ never imports the renderer; sandbox/ never imports main/; protocols/ imports nothing of the project', async () => {
  assert.equal(
    (await errors('main/api/x.ts', "import { App } from '../../renderer/src/App';\nexport const a = App;\n")).length,
    1,
  );
  assert.equal(
    (await errors('sandbox/x.ts', "import { openStores } from '../main/app';\nexport const a = openStores;\n")).length,
    1,
  );
  assert.equal(
    (await errors('protocols/x.ts', "import { openStores } from '../main/app';\nexport const a = openStores;\n"))
      .length,
    1,
  );
  assert.equal(
    (
      await errors(
        'main/api/x.ts',
        "import { startSandbox } from '../../sandbox/server';\nexport const a = startSandbox;\n",
      )
    ).length,
    1,
  );
});
