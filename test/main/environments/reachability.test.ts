// The reachability probe against real TLS servers on loopback, each failure named by its step.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpsServer, type Server } from 'node:https';
import { createServer as createTcpServer, type Server as TcpServer, type AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openTestCa, type TestCa } from '../../../sandbox/ca/test-ca';
import { probeService } from '../../../main/net/reachability';

const dir = mkdtempSync(join(tmpdir(), 'scrip-probe-'));
let ca: TestCa, otherCa: TestCa, pastCa: TestCa;
const servers: Array<Server | TcpServer> = [];

function listen(s: Server | TcpServer): Promise<number> {
  servers.push(s);
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port)));
}
function tlsServer(cert: { certPem: string; keyPem: string }): Promise<number> {
  return listen(
    createHttpsServer({ cert: cert.certPem, key: cert.keyPem }, (_req, res) => {
      res.writeHead(404);
      res.end('no such page');
    }),
  );
}

before(() => {
  ca = openTestCa(join(dir, 'ca'));
  otherCa = openTestCa(join(dir, 'other'));
  pastCa = openTestCa(join(dir, 'past'), { now: () => new Date(Date.now() - 400 * 86_400_000) });
});
after(() => {
  for (const s of servers) s.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a trusted server: TLS checked against the bundle, any HTTP status counts as an answer', async () => {
  const port = await tlsServer(ca.issueTlsCertificate({ hosts: ['127.0.0.1'] }));
  const r = await probeService(`https://127.0.0.1:${port}/FHIR/R4`, { caPem: ca.root.pem });
  assert.equal(r.ok, true, r.detail);
  assert.equal(r.failure, null);
  assert.equal(r.httpStatus, 404);
  assert.match(r.certificate!.issuer, /Root/);
});

test('a certificate from another CA: "certificate not trusted", showing what was presented', async () => {
  const port = await tlsServer(otherCa.issueTlsCertificate({ hosts: ['127.0.0.1'] }));
  const r = await probeService(`https://127.0.0.1:${port}`, { caPem: ca.root.pem });
  assert.equal(r.ok, false);
  assert.equal(r.failure, 'untrusted');
  assert.match(r.detail, /certificate not trusted/);
  assert.match(r.detail, /presented/);
  assert.ok(r.certificate, 'r.certificate');
});

test('an expired certificate is "expired"', async () => {
  const port = await tlsServer(pastCa.issueTlsCertificate({ hosts: ['127.0.0.1'], validDays: 30 }));
  const r = await probeService(`https://127.0.0.1:${port}`, { caPem: pastCa.root.pem });
  assert.equal(r.failure, 'expired', r.detail);
  assert.match(r.detail, /expired on/);
});

test('a certificate for another name is "wrong-name"', async () => {
  const port = await tlsServer(ca.issueTlsCertificate({ hosts: ['services.example.nhs.uk'] }));
  const r = await probeService(`https://127.0.0.1:${port}`, { caPem: ca.root.pem });
  assert.equal(r.failure, 'wrong-name', r.detail);
  assert.match(r.detail, /another name/);
});

test('nothing listening is "refused"', async () => {
  const s = createTcpServer();
  const port = await listen(s);
  s.close();
  servers.pop();
  const r = await probeService(`https://127.0.0.1:${port}`, { caPem: ca.root.pem });
  assert.equal(r.failure, 'refused', r.detail);
});

test('a server that accepts and never speaks TLS is "timeout"', async () => {
  const held: import('node:net').Socket[] = [];
  const s = createTcpServer((sock) => {
    held.push(sock);
  });
  const port = await listen(s);
  const r = await probeService(`https://127.0.0.1:${port}`, { caPem: ca.root.pem, timeoutMs: 300 });
  for (const sock of held) sock.destroy();
  assert.equal(r.failure, 'timeout', r.detail);
  assert.match(r.detail, /within 300 ms/);
});

test('a name that does not resolve is "dns"', async () => {
  const r = await probeService('https://scrip-no-such-host.invalid', { timeoutMs: 3000 });
  assert.ok(r.failure === 'dns' || r.failure === 'timeout', r.detail); // a resolver that never answers is a timeout
  assert.match(r.detail, /scrip-no-such-host\.invalid/);
});
