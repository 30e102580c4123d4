// The local API's own cost: a command call over loopback HTTP with key checking, schema validation
// both ways and JSON, measured against the same command called in-process.
import { performance } from 'node:perf_hooks';
import { startTestApp } from '../test/support/test-app';
import { invokeCommand } from '../main/commands/invoke';
import { scopes } from '../main/api/scopes';
import { percentile, round } from './_stats';
import type { Figure } from './run';

export async function run(): Promise<Figure[]> {
  const t = await startTestApp();
  try {
    const n = 2000;
    const caller = { kind: 'internal' as const, scopes: new Set(scopes), label: 'bench' };
    const inProc: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await invokeCommand(t.app.registry, t.app.services, 'readers.list', {}, caller);
      inProc.push(performance.now() - t0);
    }
    const http: number[] = [];
    const headers = { authorization: `Bearer ${t.adminKey}` };
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      const res = await fetch(`${t.server.url}/readers`, { headers });
      await res.arrayBuffer();
      http.push(performance.now() - t0);
    }
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let i = 0; i < n / 8; i++) await (await fetch(`${t.server.url}/readers`, { headers })).arrayBuffer();
      }),
    );
    const rps = n / ((performance.now() - t0) / 1000);
    return [
      { name: 'command.in-process.p50', value: round(percentile(inProc, 50)), unit: 'ms' },
      { name: 'api.readers.list.p50', value: round(percentile(http, 50)), unit: 'ms' },
      { name: 'api.readers.list.p99', value: round(percentile(http, 99)), unit: 'ms' },
      { name: 'api.readers.list.throughput-8-clients', value: Math.round(rps), unit: 'req/s' },
    ];
  } finally {
    await t.close();
  }
}
