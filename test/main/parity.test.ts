// Parity: every command in the registry is in the OpenAPI document, has a route that answers over
// HTTP, has a CLI subcommand with help, and is callable over the IPC bridge. Adding a command
// without a surface — or a surface without a command — fails here.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { IpcMainInvokeEvent } from 'electron';
import { startTestApp, type TestApp } from '../support/test-app';
import { openApiDocument } from '../../main/api/openapi';
import { cliPath, pathParams } from '../../main/commands/cli-data';
import { findCommand } from '../../main/cli/find-command';
import { commandHelp } from '../../main/cli/command-input';
import { toCliCommand } from '../../main/cli/cli-commands';
import { bindIpc, INVOKE_CHANNEL, type IpcMainLike, type IpcResult } from '../../main/electron/ipc-bridge';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(async () => {
  await t.close();
});

const nonCommandOperations = new Set(['status', 'events', 'rpc']);
// Every command is called with this: unknown fields are ignored, and ticket.request gives up in 1 s.
const probeInput = { waitSeconds: 1 };

test('the OpenAPI document describes exactly the registry', () => {
  const doc = openApiDocument(t.app.registry) as { paths: Record<string, Record<string, { operationId: string }>> };
  const ops = Object.values(doc.paths)
    .flatMap((p) => Object.values(p).map((o) => o.operationId))
    .filter((id) => !nonCommandOperations.has(id));
  assert.deepEqual([...ops].sort(), t.app.registry.names().sort());
  for (const c of t.app.registry.all()) {
    assert.equal(
      doc.paths[c.http.path]?.[c.http.method.toLowerCase()]?.operationId,
      c.name,
      `${c.name} at ${c.http.method} ${c.http.path}`,
    );
  }
});

test('every command is served over HTTP at its own route', async () => {
  for (const c of t.app.registry.all()) {
    const path = pathParams(c.http.path).reduce((p, name) => p.replace(`{${name}}`, '0000000000000000'), c.http.path);
    const res = await fetch(`${t.server.url}${path}`, {
      method: c.http.method,
      headers: { authorization: `Bearer ${t.adminKey}`, 'content-type': 'application/json' },
      ...(c.http.method === 'GET' || c.http.method === 'DELETE' ? {} : { body: JSON.stringify(probeInput) }),
    });
    const body = (await res.json()) as { message?: string };
    // The route exists when the answer comes from the command (success, bad input, a domain error),
    // not from the router's "nothing is served here".
    assert.ok(
      !(res.status === 404 && /Nothing is served/.test(body.message ?? '')),
      `${c.name}: no route (${res.status} ${JSON.stringify(body)})`,
    );
    assert.notEqual(res.status, 500, `${c.name}: ${JSON.stringify(body)}`);
  }
});

test('every command has a CLI subcommand with help from its schema', () => {
  const all = t.app.registry.all();
  const paths = new Set<string>();
  for (const c of all) {
    const words = cliPath(c);
    assert.ok(!paths.has(words.join(' ')), `two commands share "scrip ${words.join(' ')}"`);
    paths.add(words.join(' '));
    assert.equal(findCommand(all, words)?.command.name, c.name);
    assert.match(commandHelp(toCliCommand(c)), new RegExp(`Usage: scrip ${words.join(' ')}`));
  }
});

test("every command is callable over the IPC bridge, and only from Scrip's own frame", async () => {
  const handlers = new Map<string, (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<unknown>>();
  const ipcMain: IpcMainLike = {
    handle: (ch, fn) => void handlers.set(ch, fn),
    removeHandler: (ch) => void handlers.delete(ch),
  };
  const unbind = bindIpc(ipcMain, t.app.registry, t.app.services);
  const invoke = handlers.get(INVOKE_CHANNEL)!;
  const frame = (url: string, parent: unknown = null) =>
    ({ senderFrame: { url, parent } }) as unknown as IpcMainInvokeEvent;
  for (const c of t.app.registry.all()) {
    const result = (await invoke(frame('app://scrip/index.html'), c.name, probeInput)) as IpcResult;
    if (!result.ok) assert.doesNotMatch(result.error.message, /There is no command/, c.name);
  }
  const list = (await invoke(frame('app://scrip/index.html'), 'readers.list', {})) as IpcResult;
  assert.equal(list.ok, true);
  const foreign = (await invoke(frame('https://evil.example/'), 'readers.list', {})) as IpcResult;
  assert.equal(foreign.ok, false);
  const child = (await invoke(
    frame('app://scrip/index.html', { url: 'app://scrip/' }),
    'readers.list',
    {},
  )) as IpcResult;
  assert.equal(child.ok, false, 'a subframe may not call');
  const unknown = (await invoke(frame('app://scrip/index.html'), 'no.such', {})) as IpcResult;
  assert.equal(unknown.ok || unknown.error.code, 'not-found');
  const badInput = (await invoke(frame('app://scrip/index.html'), 'api-key.create', { name: 5 })) as IpcResult;
  assert.equal(badInput.ok || badInput.error.code, 'invalid-input');
  unbind();
  assert.equal(handlers.size, 0);
});

test('every command that needs a session answers bad-state when nobody is logged in, on every surface', async () => {
  assert.equal(t.app.services.identity.view().state, 'no-card', 'nobody is logged in');
  const needing = t.app.registry.all().filter((c) => c.needs.session || c.needs.activity);
  assert.ok(needing.length >= 10, `commands that declare a session: ${needing.map((c) => c.name).join(', ')}`);
  for (const c of needing) {
    const path = pathParams(c.http.path).reduce((p, name) => p.replace(`{${name}}`, '0000000000000000'), c.http.path);
    const res = await fetch(`${t.server.url}${path}`, {
      method: c.http.method,
      headers: { authorization: `Bearer ${t.adminKey}`, 'content-type': 'application/json' },
      ...(c.http.method === 'GET' || c.http.method === 'DELETE' ? {} : { body: JSON.stringify(probeInput) }),
    });
    const body = (await res.json()) as { code?: string; details?: { expected?: string[] } };
    assert.equal(res.status, 409, `${c.name}: ${JSON.stringify(body)}`);
    assert.equal(body.code, 'bad-state', `${c.name} answers bad-state before anything else`);
    assert.deepEqual(body.details?.expected, ['role-selected'], `${c.name} says a role must be selected`);
  }
});
