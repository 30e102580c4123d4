// What the packaged Electron app may and may not do (issue #15, Low): fuses set at packaging, a
// single instance, and links to the system browser only from an allow-list.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { externalLinkAllowed } from '../../../main/external-links';
import { senderAllowed } from '../../../main/electron/ipc-bridge';

const root = join(import.meta.dirname, '..', '..', '..');

/** The `key: value` lines of one top-level block of electron-builder.yml (no YAML dependency needed). */
function block(yml: string, name: string): Record<string, string> {
  const lines = yml.split('\n');
  const start = lines.findIndex((l) => l === `${name}:`);
  assert.ok(start >= 0, `electron-builder.yml has a ${name} block`);
  const out: Record<string, string> = {};
  for (const l of lines.slice(start + 1)) {
    const m = /^\s+([A-Za-z]+):\s*(\S+)\s*$/.exec(l);
    if (!m) break;
    out[m[1]!] = m[2]!;
  }
  return out;
}

test('the packaging configuration flips the fuses that would let another process run code as Scrip', () => {
  const fuses = block(readFileSync(join(root, 'electron-builder.yml'), 'utf8'), 'electronFuses');
  assert.equal(fuses.runAsNode, 'false', 'ELECTRON_RUN_AS_NODE ignored');
  assert.equal(fuses.enableNodeOptionsEnvironmentVariable, 'false', 'NODE_OPTIONS ignored');
  assert.equal(fuses.enableNodeCliInspectArguments, 'false', '--inspect ignored');
  assert.equal(fuses.enableEmbeddedAsarIntegrityValidation, 'true', 'app.asar integrity checked');
  assert.equal(fuses.onlyLoadAppFromAsar, 'true', 'only app.asar is loaded');
});

test('every native module the Electron bundle leaves external is packed and rebuilt for Electron (pkcs11js too) and unpacked from app.asar', () => {
  const yml = readFileSync(join(root, 'electron-builder.yml'), 'utf8');
  const build = readFileSync(join(root, 'scripts', 'build-electron.mjs'), 'utf8');
  const external =
    /external:\s*\[([^\]]*)\]/
      .exec(build)?.[1]
      ?.split(',')
      .map((x) => x.trim().replace(/^'|'$/g, ''))
      .filter((x) => x && x !== 'electron') ?? [];
  assert.ok(
    external.includes('pkcs11js'),
    `pkcs11js stays external to the bundle (it loads a .node file): ${external.join(', ')}`,
  );
  const deps = (
    JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }
  ).dependencies;
  assert.match(yml, /^npmRebuild: true$/m, "electron-builder rebuilds native modules for Electron's ABI");
  assert.match(yml, /^asarUnpack:\n\s+- "\*\*\/\*\.node"$/m, 'native binaries are unpacked from app.asar');
  for (const mod of external) {
    assert.ok(deps[mod], `${mod} is a production dependency, so electron-builder packs it (and rebuilds it if native)`);
    const dir = join(root, 'node_modules', mod);
    const napiPrebuilt = mod === '@napi-rs/keyring'; // N-API: one binary for every Node and Electron ABI, per platform
    assert.ok(
      napiPrebuilt || existsSync(join(dir, 'binding.gyp')),
      `${mod} has a binding.gyp, so @electron/rebuild builds it for Electron`,
    );
  }
});

test('the Electron main process takes the single-instance lock before anything else', () => {
  const src = readFileSync(join(root, 'main', 'electron', 'main.ts'), 'utf8');
  const lock = src.indexOf('app.requestSingleInstanceLock()');
  assert.ok(lock > 0, 'requestSingleInstanceLock is called');
  assert.ok(lock < src.indexOf('startRuntime('), 'before the services start');
});

test('only https links to allowed hosts go to the system browser', () => {
  assert.equal(externalLinkAllowed('https://digital.nhs.uk/services/spine'), true);
  for (const bad of [
    'http://digital.nhs.uk/',
    'file:///etc/passwd',
    'smb://host/share',
    'https://evil.example/',
    'https://digital.nhs.uk.evil.example/',
    'https://user@digital.nhs.uk/',
    'https://digital.nhs.uk:8443/',
    'not a url',
    'ms-msdt:/id PCWDiagnostic',
  ]) {
    assert.equal(externalLinkAllowed(bad), false, bad);
  }
});

test('the IPC sender check parses the frame URL (URL.origin is "null" for app:// in Node)', () => {
  assert.equal(new URL('app://scrip/x').origin, 'null', 'why comparing origins could never hold');
  const frame = (url: string, parent: unknown = null) =>
    ({ senderFrame: { url, parent } }) as unknown as Parameters<typeof senderAllowed>[0];
  assert.equal(senderAllowed(frame('app://scrip/index.html')), true, "Scrip's own top frame");
  for (const bad of [
    'app://scrip.evil/index.html',
    'app://x@scrip/index.html',
    'app://scrip:1/index.html',
    'https://scrip/index.html',
    'file:///app/index.html',
  ]) {
    assert.equal(senderAllowed(frame(bad)), false, bad);
  }
  assert.equal(senderAllowed(frame('app://scrip/index.html', {})), false, 'a child frame');
});
