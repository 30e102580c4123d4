// Talks to a running sandbox over real HTTPS, trusting only the sandbox's own root CA.
import { request } from 'node:https';
import { readFileSync } from 'node:fs';

export interface Reply {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

export function httpsClient(baseUrl: string, caCertPath: string) {
  const ca = readFileSync(caCertPath, 'utf8');
  return function send(
    path: string,
    init: { method?: string; body?: string | Buffer; headers?: Record<string, string> } = {},
  ): Promise<Reply> {
    return new Promise((resolve, reject) => {
      // A connection per request: a sandbox restarted on the same address must not meet a socket
      // pooled from before (Scrip's own client resends once in that case; see main/net).
      const req = request(
        new URL(path, baseUrl),
        { method: init.method ?? 'GET', ca, headers: init.headers ?? {}, agent: false },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString('utf8'),
              headers: res.headers,
            }),
          );
        },
      );
      req.on('error', reject);
      if (init.body !== undefined) req.write(init.body);
      req.end();
    });
  };
}
