// X-Request-ID de-duplication for every EPS write (eps.md §1.2): a retried request, with the same
// X-Request-ID from the same user, gets the first answer and changes nothing. Answers below 500 are
// remembered in SQLite (a restart keeps them); a retry that arrives while the first is still being
// processed waits for it instead of processing the message a second time.
import type { SandboxDb } from '../store/db';
import { migratePrescriptions } from './tables';
import type { SandboxRequest, SandboxResponse } from '../http/router';

const FHIR = 'application/fhir+json';

export type Idempotent = (req: SandboxRequest, userId: string, run: () => Promise<SandboxResponse> | SandboxResponse) => Promise<SandboxResponse>;

/**
 * `scope` keeps request IDs of different endpoints apart ('' for $process-message, whose keys
 * predate scopes). The statements are compiled once, so the table is made here if not yet there.
 */
export function idempotency(db: SandboxDb, scope = ''): Idempotent {
  migratePrescriptions(db);
  const inflight = new Map<string, Promise<SandboxResponse>>();
  const select = db.prepare('SELECT status, body FROM eps_request_ids WHERE request_id = ? AND user_id = ?');
  const insert = db.prepare('INSERT OR IGNORE INTO eps_request_ids (request_id, user_id, status, body) VALUES (?, ?, ?, ?)');
  return async (req, userId, run) => {
    const header = req.headers['x-request-id'];
    if (typeof header !== 'string' || header === '') return run();
    const key = scope ? `${scope} ${header}` : header;
    const seen = select.get(key, userId) as { status: number; body: string } | undefined;
    if (seen) return { status: seen.status, headers: { 'content-type': FHIR }, body: seen.body };
    const slot = `${userId} ${key}`;
    const pending = inflight.get(slot);
    if (pending) return pending;
    const p = (async () => {
      const answer = await run();
      if (answer.status < 500) insert.run(key, userId, answer.status, String(answer.body));
      return answer;
    })();
    inflight.set(slot, p);
    try { return await p; } finally { inflight.delete(slot); }
  };
}
