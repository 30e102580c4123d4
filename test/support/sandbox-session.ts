// Asks a running Scrip's embedded sandbox itself, over HTTPS on its own CA, whether it still
// honours a session token.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:https';

export function sandboxSession(
  scrip: { dataDir: string; ready: Record<string, string> },
  token: string,
): Promise<{ active: boolean; endReason: string | null }> {
  return sandboxGet(scrip, `/_sessions/${encodeURIComponent(token)}`).then(
    (b) => JSON.parse(b) as { active: boolean; endReason: string | null },
  );
}

/** The same for an APIM-style access token (cis2-apim): live, revoked, expired or unknown; and the CIS2 session its ID token came from (live or ended, with its provider tokens still honoured). */
export function sandboxAccessToken(
  scrip: { dataDir: string; ready: Record<string, string> },
  token: string,
): Promise<{ live: boolean; state: string; cis2Session: { state: string; liveTokens: number } | null }> {
  return sandboxGet(scrip, `/_apim/tokens/${encodeURIComponent(token)}`).then(
    (b) => JSON.parse(b) as { live: boolean; state: string; cis2Session: { state: string; liveTokens: number } | null },
  );
}

/** A GET to the embedded sandbox as its administrator (the admin secret reads /_log); the body as text. */
export function sandboxGet(scrip: { dataDir: string; ready: Record<string, string> }, path: string): Promise<string> {
  const ca = readFileSync(join(scrip.dataDir, 'sandbox', 'ca', 'root.pem'), 'utf8');
  const admin = readFileSync(join(scrip.dataDir, 'sandbox', 'admin-secret'), 'utf8').trim();
  return new Promise((resolve, reject) => {
    request(
      new URL(path, String(scrip.ready.services)),
      { ca, headers: { authorization: `Bearer ${admin}` } },
      (res) => {
        let b = '';
        res.on('data', (c) => (b += c));
        res.on('end', () => resolve(b));
      },
    )
      .on('error', reject)
      .end();
  });
}
