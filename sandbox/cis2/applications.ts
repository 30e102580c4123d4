// Applications registered with the sandbox's CIS2-style provider and APIM-style gateway, as a
// supplier would register them at NHS England: a CIS2 client ID with its loopback redirect URIs,
// an APIM client ID (API key), and the public keys their client assertions are signed with.
// Kept in <data>/applications.json (re-read when it changes), editable like users.json.
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { fileBacked } from '../store/file-backed';
import { join } from 'node:path';
import { z } from 'zod';

const jwk = z.object({ kty: z.literal('RSA'), n: z.string(), e: z.string(), kid: z.string().min(1) }).loose();
const application = z.object({
  name: z.string(),
  cis2ClientId: z.string().min(1),
  apimClientId: z.string().min(1),
  /** Exact redirect URIs; for http://127.0.0.1 and http://[::1] any port matches (RFC 8252 §7.3). */
  redirectUris: z.array(z.url()),
  keys: z.array(jwk),
});
const file = z.object({ applications: z.array(application) });
export type Application = z.infer<typeof application>;

export class ApplicationStore {
  readonly file: string;
  constructor(dataDir: string) {
    this.file = join(dataDir, 'applications.json');
    if (!existsSync(this.file)) writeFileSync(this.file, JSON.stringify({ applications: [] }, null, 2) + '\n');
    this.#read = fileBacked(this.file, (text) => file.parse(JSON.parse(text)).applications);
  }
  readonly #read: () => Application[];
  list(): Application[] {
    return this.#read();
  }
  byCis2Client(id: string): Application | null {
    return this.list().find((a) => a.cis2ClientId === id) ?? null;
  }
  byApimClient(id: string): Application | null {
    return this.list().find((a) => a.apimClientId === id) ?? null;
  }
  /** Adds or replaces (by CIS2 client ID) an application. */
  register(app: Application): void {
    const parsed = application.parse(app);
    const rest = this.list().filter((a) => a.cis2ClientId !== parsed.cis2ClientId);
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ applications: [...rest, parsed] }, null, 2) + '\n');
    renameSync(tmp, this.file); // a new inode: the next list() reads it
  }
}

/** RFC 8252 §7.3: a loopback redirect URI matches whatever port the app listens on at the time. */
export function redirectMatches(registered: string, given: string): boolean {
  let r: URL, g: URL;
  try {
    r = new URL(registered);
    g = new URL(given);
  } catch {
    return false;
  }
  const loopback = r.protocol === 'http:' && (r.hostname === '127.0.0.1' || r.hostname === '[::1]');
  if (loopback)
    return g.protocol === 'http:' && g.hostname === r.hostname && g.pathname === r.pathname && g.search === r.search;
  return registered === given;
}
