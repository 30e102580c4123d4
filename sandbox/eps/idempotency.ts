// X-Request-ID de-duplication for every EPS write (eps.md §1.2): a retried request, with the same
// X-Request-ID from the same user to the same endpoint, gets the first answer and changes nothing.
// Answers below 500 are remembered in SQLite (a restart keeps them); a retry that arrives while the
// first is still being processed waits for it instead of processing the message a second time.
// The key is the tuple (endpoint, user, header), each its own column: no header value can reach
// another endpoint's or user's answers (a key made by joining strings could be forged).
import type { SandboxDb } from '../store/db';
import { migrateSandbox } from '../store/db';
import { migratePrescriptions } from './tables';
import type { SandboxRequest, SandboxResponse } from '../http/router';

const FHIR = 'application/fhir+json';

type Idempotent = (
  req: SandboxRequest,
  userId: string,
  run: () => Promise<SandboxResponse> | SandboxResponse,
) => Promise<SandboxResponse>;

/** The endpoints whose writes are de-duplicated (the first column of the key). */
type IdempotentEndpoint = '$process-message' | 'Task' | 'Task/$release';

/**
 * The answers table, keyed by the tuple; rows of the older string-joined table are moved over. The
 * old keys were "Task <id>", "Task/$release <id>" or the bare ID: GLOB, not LIKE, so the prefix
 * match is case-sensitive as they were. (A bare $process-message ID that began "Task " is the very
 * collision the new key removes; such a row cannot be told apart and goes to Task.)
 */
export function migrateRequestIds(db: SandboxDb): void {
  migratePrescriptions(db);
  migrateSandbox(
    db,
    'eps-request-ids-2',
    `CREATE TABLE eps_idempotency (endpoint TEXT NOT NULL, user_id TEXT NOT NULL, request_id TEXT NOT NULL,
      status INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (endpoint, user_id, request_id));
    INSERT OR IGNORE INTO eps_idempotency (endpoint, user_id, request_id, status, body)
      SELECT CASE WHEN request_id GLOB 'Task/$release *' THEN 'Task/$release' WHEN request_id GLOB 'Task *' THEN 'Task' ELSE '$process-message' END,
        user_id, CASE WHEN request_id GLOB 'Task/$release *' THEN substr(request_id, 15) WHEN request_id GLOB 'Task *' THEN substr(request_id, 6) ELSE request_id END, status, body
      FROM eps_request_ids;
    DROP TABLE eps_request_ids;`,
  );
}

export function idempotency(db: SandboxDb, endpoint: IdempotentEndpoint): Idempotent {
  migrateRequestIds(db);
  const inflight = new Map<string, Promise<SandboxResponse>>();
  const select = db.prepare(
    'SELECT status, body FROM eps_idempotency WHERE endpoint = ? AND user_id = ? AND request_id = ?',
  );
  const insert = db.prepare(
    'INSERT OR IGNORE INTO eps_idempotency (endpoint, user_id, request_id, status, body) VALUES (?, ?, ?, ?, ?)',
  );
  return async (req, userId, run) => {
    const header = req.headers['x-request-id'];
    if (typeof header !== 'string' || header === '') return run();
    const seen = select.get(endpoint, userId, header) as { status: number; body: string } | undefined;
    if (seen) return { status: seen.status, headers: { 'content-type': FHIR }, body: seen.body };
    // The in-flight map is per endpoint already; JSON keeps (user, header) apart whatever they hold.
    const slot = JSON.stringify([userId, header]);
    const pending = inflight.get(slot);
    if (pending) return pending;
    const p = (async () => {
      const answer = await run();
      if (answer.status < 500) insert.run(endpoint, userId, header, answer.status, String(answer.body));
      return answer;
    })();
    inflight.set(slot, p);
    try {
      return await p;
    } finally {
      inflight.delete(slot);
    }
  };
}
