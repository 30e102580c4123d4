// SSO sessions: OpenAM-style tokens, idle and absolute timeouts by the sandbox clock, the selected
// role, and how each ended. Kept in SQLite so a restarted sandbox still knows them.
import { randomBytes, createHash } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import type { SandboxDb } from '../store/db';
import { migrateSandbox } from '../store/db';
import type { Clock } from '../clock';

/** Defaults: 15 minutes idle, 12 hours at most (production values are not public; see spine-identity.md §11). */
export const DEFAULT_IDLE_SECONDS = 15 * 60;
export const DEFAULT_MAX_SECONDS = 12 * 3600;

export interface SsoSession {
  token: string;
  userId: string;
  createdAt: number;
  lastActivity: number;
  selectedRole: string | null;
  endedAt: number | null;
  endReason: string | null;
  /** Serial of the authentication certificate the card logged in with (null: a scripted session). */
  authSerial: string | null;
}

type EndReason = 'logged-out' | 'idle-timeout' | 'expired' | 'revoked';
type SessionCheck = { ok: true; session: SsoSession } | { ok: false; reason: 'unknown' | EndReason };

export class SessionStore {
  constructor(
    private readonly db: SandboxDb,
    private readonly clock: Clock,
    readonly idleSeconds: number,
    readonly maxSeconds: number,
  ) {
    migrateSandbox(
      db,
      'sessions-1',
      `CREATE TABLE sso_sessions (token_hash TEXT PRIMARY KEY, token TEXT NOT NULL, user_id TEXT NOT NULL, created_at INTEGER NOT NULL,
      last_activity INTEGER NOT NULL, selected_role TEXT, ended_at INTEGER, end_reason TEXT);
      CREATE TABLE used_challenges (hash TEXT PRIMARY KEY, used_at INTEGER NOT NULL);`,
    );
    migrateSandbox(
      db,
      'sessions-2',
      'ALTER TABLE sso_sessions ADD COLUMN auth_serial TEXT; CREATE INDEX sso_sessions_user ON sso_sessions (user_id) WHERE ended_at IS NULL;',
    );
    // Only the hash is kept: a copy of the database is no set of live tokens. secure_delete zeroes
    // the pages the dropped column leaves behind.
    if (!db.prepare('SELECT 1 FROM migrations WHERE id = ?').get('sessions-3')) {
      const was = db.pragma('secure_delete', { simple: true }) as number;
      db.pragma('secure_delete = ON');
      try {
        migrateSandbox(db, 'sessions-3', 'ALTER TABLE sso_sessions DROP COLUMN token');
      } finally {
        db.pragma(`secure_delete = ${was ? 'ON' : 'OFF'}`);
      }
    }
  }

  static hash(token: string): string {
    return createHash('sha256').update(token).digest('hex');
  }

  // Every service request checks its token: compile each statement once, not per call.
  readonly #statements = new Map<string, Statement<unknown[]>>();
  #sql(sql: string): Statement<unknown[]> {
    let st = this.#statements.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.#statements.set(sql, st);
    }
    return st;
  }

  /** Records a challenge as used; false if it was used before (a replay). */
  useChallenge(challenge: string): boolean {
    const now = this.clock.now().getTime();
    this.#sql('DELETE FROM used_challenges WHERE used_at < ?').run(now - 24 * 3600_000);
    const res = this.#sql('INSERT OR IGNORE INTO used_challenges (hash, used_at) VALUES (?, ?)').run(
      SessionStore.hash(challenge),
      now,
    );
    return res.changes === 1;
  }

  create(userId: string, authSerial: string | null = null): SsoSession {
    const token = `AQIC5wM2LY4S${randomBytes(24).toString('base64')}@AAJTSQACMDE=#`;
    const now = this.clock.now().getTime();
    this.#sql(
      'INSERT INTO sso_sessions (token_hash, user_id, created_at, last_activity, auth_serial) VALUES (?, ?, ?, ?, ?)',
    ).run(SessionStore.hash(token), userId, now, now, authSerial);
    return {
      token,
      userId,
      createdAt: now,
      lastActivity: now,
      selectedRole: null,
      endedAt: null,
      endReason: null,
      authSerial,
    };
  }

  #row(token: string): SsoSession | null {
    const r = this.#sql('SELECT * FROM sso_sessions WHERE token_hash = ?').get(SessionStore.hash(token)) as
      Record<string, unknown> | undefined;
    if (!r) return null;
    return {
      token,
      userId: String(r.user_id),
      createdAt: Number(r.created_at),
      lastActivity: Number(r.last_activity),
      selectedRole: (r.selected_role as string | null) ?? null,
      endedAt: (r.ended_at as number | null) ?? null,
      endReason: (r.end_reason as string | null) ?? null,
      authSerial: (r.auth_serial as string | null) ?? null,
    };
  }

  /** Checks a token; a live one has its idle timer refreshed unless `touch` is false. */
  check(token: string, touch = true): SessionCheck {
    const s = this.#row(token);
    if (!s) return { ok: false, reason: 'unknown' };
    if (s.endedAt !== null)
      return {
        ok: false,
        reason:
          s.endReason === 'idle-timeout' || s.endReason === 'expired' || s.endReason === 'revoked'
            ? s.endReason
            : 'logged-out',
      };
    const now = this.clock.now().getTime();
    const reason =
      now - s.createdAt >= this.maxSeconds * 1000
        ? 'expired'
        : now - s.lastActivity >= this.idleSeconds * 1000
          ? 'idle-timeout'
          : null;
    if (reason) {
      this.end(token, reason);
      return { ok: false, reason };
    }
    // Idle time is counted in seconds, so a busy client does not write on every request.
    const touched = touch && now - s.lastActivity >= 1000;
    if (touched)
      this.#sql('UPDATE sso_sessions SET last_activity = ? WHERE token_hash = ?').run(now, SessionStore.hash(token));
    return { ok: true, session: { ...s, lastActivity: touched ? now : s.lastActivity } };
  }

  selectRole(token: string, roleId: string): void {
    this.#sql('UPDATE sso_sessions SET selected_role = ? WHERE token_hash = ?').run(roleId, SessionStore.hash(token));
  }

  end(token: string, reason: EndReason): boolean {
    return (
      this.#sql('UPDATE sso_sessions SET ended_at = ?, end_reason = ? WHERE token_hash = ? AND ended_at IS NULL').run(
        this.clock.now().getTime(),
        reason,
        SessionStore.hash(token),
      ).changes > 0
    );
  }

  /**
   * Ends every live session of a user (their card was revoked): the number ended. Another process
   * (the CLI) may call this on the same database; the server reads sessions per request, so it
   * refuses the tokens from the next request on.
   */
  endAllOf(userId: string, reason: EndReason): number {
    return this.#sql('UPDATE sso_sessions SET ended_at = ?, end_reason = ? WHERE user_id = ? AND ended_at IS NULL').run(
      this.clock.now().getTime(),
      reason,
      userId,
    ).changes;
  }

  /** What the sandbox knows of a token, for tests and evidence (never the token itself). */
  describe(token: string): {
    known: boolean;
    active: boolean;
    endedAt: string | null;
    endReason: string | null;
    userId: string | null;
    selectedRole: string | null;
  } {
    const c = this.check(token, false);
    const s = this.#row(token);
    return {
      known: !!s,
      active: c.ok,
      endedAt: s?.endedAt ? new Date(s.endedAt).toISOString() : null,
      endReason: s?.endReason ?? null,
      userId: s?.userId ?? null,
      selectedRole: s?.selectedRole ?? null,
    };
  }
}
