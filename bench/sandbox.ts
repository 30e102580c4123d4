// The sandbox's security broker on loopback HTTPS: complete card-style logins (authactivate, the
// challenge signed into a CMS SignedData, authvalidate with chain, CRL and signature checks, a new
// SSO session in SQLite), one client after another and then 8 at once. Bounded by count and time.
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'node:https';
import { createSign, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox } from '../sandbox/server';
import { encodeGpObject, parseGpObject, gpValue } from '../protocols/spine/gpobject';
import { buildSignedData, wrapSmime } from '../protocols/spine/cms';
import { percentile, round } from './_stats';
import type { Figure } from './run';

const USER = '555086689106';

export async function run(): Promise<Figure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'scrip-bench-sandbox-'));
  const sb = await startSandbox({ dataDir: dir });
  const agent = new Agent({ keepAlive: true, maxSockets: 16, ca: readFileSync(sb.caCertPath, 'utf8') });
  try {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const cert = sb.context.ca.issueAuthCertificate({ userId: USER, displayName: 'DR CLARE BOIN', publicKey });
    const post = (path: string, body: string) =>
      new Promise<string>((resolve, reject) => {
        const req = request(new URL(path, sb.baseUrl), { method: 'POST', agent }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            res.statusCode === 200
              ? resolve(Buffer.concat(chunks).toString('utf8'))
              : reject(new Error(`${path}: ${res.statusCode}`)),
          );
        });
        req.on('error', reject);
        req.end(body);
      });
    const login = async (): Promise<void> => {
      const a = parseGpObject(
        await post(
          '/login/authactivate',
          encodeGpObject([
            { name: 'auth_method', value: '3' },
            { name: 'app_url', value: 'NHST' },
            { name: 'service', value: 'ACTIVATION' },
          ]),
        ),
      );
      const challenge = gpValue(a, 'challenge')!;
      const content = Buffer.from(challenge, 'base64');
      const response = wrapSmime(
        buildSignedData({
          content,
          certificateDer: cert.der,
          signature: createSign('sha256').update(content).sign(privateKey),
          digest: 'sha256',
        }),
      );
      const v = parseGpObject(
        await post(
          '/login/authvalidate',
          encodeGpObject([
            { name: 'service', value: 'AUTHENTICATION' },
            { name: 'challenge', value: challenge },
            { name: 'signature', value: gpValue(a, 'signature')! },
            { name: 'uid', value: USER },
            { name: 'response', value: response, attrs: { encoding: 'base64' } },
          ]),
        ),
      );
      if (!gpValue(v, 'sso_ticket')) throw new Error('no sso_ticket');
    };
    for (let i = 0; i < 20; i++) await login(); // warm up
    const sequential: number[] = [];
    const deadline = performance.now() + 10_000;
    for (let i = 0; i < 300 && performance.now() < deadline; i++) {
      const t0 = performance.now();
      await login();
      sequential.push(performance.now() - t0);
    }
    const clients = 8,
      each = 60;
    let done = 0;
    const t0 = performance.now();
    const stopAt = t0 + 15_000;
    await Promise.all(
      Array.from({ length: clients }, async () => {
        for (let i = 0; i < each && performance.now() < stopAt; i++) {
          await login();
          done++;
        }
      }),
    );
    const rate = done / ((performance.now() - t0) / 1000);
    return [
      {
        name: 'broker.login.sequential.p50',
        value: round(percentile(sequential, 50)),
        unit: 'ms',
        note: `${sequential.length} logins, RSA-2048 SHA-256, includes client signing`,
      },
      { name: 'broker.login.sequential.p99', value: round(percentile(sequential, 99)), unit: 'ms' },
      { name: 'broker.login.throughput-8-clients', value: Math.round(rate), unit: 'logins/s', note: `${done} logins` },
    ];
  } finally {
    agent.destroy();
    await sb.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
