// The table of accepted prescriptions and the X-Request-ID answers, shared by $process-message,
// release, dispensing and the tracker. Whichever route module starts first creates them. (The
// answers' first table, eps_request_ids, is moved to eps_idempotency by idempotency.ts.)
import { migrateSandbox, type SandboxDb } from '../store/db';

export function migratePrescriptions(db: SandboxDb): void {
  migrateSandbox(
    db,
    'eps-prescriptions-1',
    `CREATE TABLE eps_prescriptions (short_form_id TEXT PRIMARY KEY, long_form_id TEXT NOT NULL, nhs_number TEXT NOT NULL,
    nominated_ods TEXT, author_user_id TEXT NOT NULL, author_role_id TEXT NOT NULL, status TEXT NOT NULL, bundle TEXT NOT NULL, created_at TEXT NOT NULL);
    CREATE TABLE eps_request_ids (request_id TEXT NOT NULL, user_id TEXT NOT NULL, status INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (request_id, user_id))`,
  );
}
