// Asks a running Scrip's embedded sandbox itself, over HTTPS on its own CA, whether it still
// honours a session token.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:https';

export function sandboxSession(scrip: { dataDir: string; ready: Record<string, string> }, token: string): Promise<{ active: boolean; endReason: string | null }> {
  const ca = readFileSync(join(scrip.dataDir, 'sandbox', 'ca', 'root.pem'), 'utf8');
  return new Promise((resolve, reject) => {
    request(new URL(`/_sessions/${encodeURIComponent(token)}`, String(scrip.ready.services)), { ca }, (res) => {
      let b = '';
      res.on('data', (c) => (b += c));
      res.on('end', () => resolve(JSON.parse(b) as { active: boolean; endReason: string | null }));
    }).on('error', reject).end();
  });
}
