// The outage the assurance world stages in front of EPS, over real loopback HTTPS: with answers
// lost, the request reaches the sandbox (its message log has it) but the client sees the connection
// drop; refused connections never reach it; "off" answers as the sandbox does; closing the world puts
// the environment back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:https';
import { startEmbedded, embeddedWorld, type Embedded } from '../../../main/embedded';
import type { AssuranceWorld } from '../../../main/assurance/world';

const dir = mkdtempSync(join(tmpdir(), 'scrip-outage-'));
let embedded: Embedded;
let world: AssuranceWorld;
before(async () => {
  embedded = await startEmbedded(dir, { insertCard: false });
  world = embeddedWorld(embedded, { fixedClock: null, versions: {} });
});
after(async () => {
  await world?.close?.();
  await embedded?.close();
  rmSync(dir, { recursive: true, force: true });
});

function get(url: string, ca: string): Promise<{ status: number } | { error: string }> {
  return new Promise((resolve) => {
    request(url, { ca, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
    })
      .on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }))
      .end();
  });
}

test('answers lost, refused, and back: what the client sees and what reached the sandbox', async () => {
  const direct = embedded.environment.epsUrl;
  await world.outage!('lose-answers');
  const eps = embedded.environment.epsUrl;
  assert.notEqual(eps, direct, 'EPS traffic now goes through the relay');
  const ca = embedded.environment.caPem!;
  const seq = world.lastExchange!();
  const lost = await get(`${eps}/metadata`, ca);
  assert.ok('error' in lost, `the answer is lost: ${JSON.stringify(lost)}`);
  assert.equal(world.exchanges!(seq).length, 1, 'but the request reached the sandbox');
  await world.outage!('refuse');
  const refused = await get(`${eps}/metadata`, ca);
  assert.ok('error' in refused, `refused: ${JSON.stringify(refused)}`);
  assert.equal(world.exchanges!(seq).length, 1, 'a refused connection never reaches the sandbox');
  await world.outage!('off');
  const back = await get(`${eps}/metadata`, ca);
  assert.ok('status' in back, `answered again: ${JSON.stringify(back)}`);
  assert.equal(world.exchanges!(seq).length, 2, 'and logged');
  await world.close!();
  assert.equal(embedded.environment.epsUrl, direct, 'closing the world puts the environment back');
});
