// The pharmacy's durable record of what it released from EPS: the whole signed Bundle, the
// signature verdict, each line item's status and every dispense notification sent. Written in the
// same transaction as the answer is read, so nothing released is lost if Scrip stops next. Also the
// writes waiting for an answer (`pendingWrites`, main/net/idempotent-write.ts), so a retry is the same request.
import { randomUUID } from 'node:crypto';
import { migrate, type Db } from '../store/database';
import type { SignatureCheck } from './verify';
import { PendingWriteTable } from '../net/idempotent-write';

type Json = Record<string, unknown>;

export const dispensingStatuses = [
  'with-pharmacy',
  'partly-dispensed',
  'dispensed',
  'not-dispensed',
  'returned',
  'signature-invalid',
] as const;
export type DispensingStatus = (typeof dispensingStatuses)[number];

interface SignatureVerdict {
  /** Both checks passed: only then may it be dispensed. */
  ok: boolean;
  scrip: SignatureCheck;
  /** What EPS said on release (failedPrescriptions), ok when it released it. */
  service: { ok: boolean; errors: string[] };
  checkedAt: string;
}

export interface ItemRecord {
  lineId: string;
  statusCode: string;
  quantity: number | null;
}

interface NotificationRecord {
  id: string;
  at: string;
  lines: Array<{ lineId: string; statusCode: string; quantity: number | null }>;
  /** The state before it, restored when it is withdrawn. */
  before: { prescriptionStatus: string; status: DispensingStatus; items: ItemRecord[] };
}

export interface ReleasedRecord {
  id: string;
  environment: string;
  shortFormId: string;
  ods: string;
  releasedBy: string;
  roleProfileId: string;
  releasedAt: string;
  releaseResponseId: string | null;
  bundle: Json;
  status: DispensingStatus;
  /** The prescription's EPS status as Scrip last knows it (EPS-task-business-status). */
  prescriptionStatus: string;
  items: ItemRecord[];
  signature: SignatureVerdict;
  notifications: NotificationRecord[];
  returnReason: string | null;
  updatedAt: string;
}

const migrations = [
  {
    id: 'dispensing-1',
    sql: `
    CREATE TABLE dispensing_prescriptions (
      id TEXT PRIMARY KEY,
      environment TEXT NOT NULL,
      short_form_id TEXT NOT NULL,
      ods TEXT NOT NULL,
      released_by TEXT NOT NULL,
      role_profile_id TEXT NOT NULL,
      released_at TEXT NOT NULL,
      release_response_id TEXT,
      bundle TEXT NOT NULL,
      status TEXT NOT NULL,
      prescription_status TEXT NOT NULL,
      items TEXT NOT NULL,
      signature TEXT NOT NULL,
      notifications TEXT NOT NULL DEFAULT '[]',
      return_reason TEXT,
      updated_at TEXT NOT NULL,
      UNIQUE (environment, short_form_id)
    );
    CREATE INDEX dispensing_prescriptions_updated ON dispensing_prescriptions (updated_at);
    CREATE TABLE dispensing_pending (
      key TEXT PRIMARY KEY,
      request_id TEXT NOT NULL,
      fingerprint TEXT NOT NULL,
      body TEXT NOT NULL,
      created_at TEXT NOT NULL
    );`,
  },
];

interface Row {
  id: string;
  environment: string;
  short_form_id: string;
  ods: string;
  released_by: string;
  role_profile_id: string;
  released_at: string;
  release_response_id: string | null;
  bundle: string;
  status: DispensingStatus;
  prescription_status: string;
  items: string;
  signature: string;
  notifications: string;
  return_reason: string | null;
  updated_at: string;
}

const fromRow = (r: Row): ReleasedRecord => ({
  id: r.id,
  environment: r.environment,
  shortFormId: r.short_form_id,
  ods: r.ods,
  releasedBy: r.released_by,
  roleProfileId: r.role_profile_id,
  releasedAt: r.released_at,
  releaseResponseId: r.release_response_id,
  bundle: JSON.parse(r.bundle) as Json,
  status: r.status,
  prescriptionStatus: r.prescription_status,
  items: JSON.parse(r.items) as ItemRecord[],
  signature: JSON.parse(r.signature) as SignatureVerdict,
  notifications: JSON.parse(r.notifications) as NotificationRecord[],
  returnReason: r.return_reason,
  updatedAt: r.updated_at,
});

export type NewRelease = Omit<ReleasedRecord, 'id' | 'notifications' | 'returnReason' | 'updatedAt'>;

export class DispensingStore {
  /** Release, dispense, return and withdraw writes EPS has not answered yet. */
  readonly pendingWrites: PendingWriteTable;
  constructor(private readonly db: Db) {
    migrate(db, migrations);
    this.pendingWrites = new PendingWriteTable(db, 'dispensing_pending');
  }

  /**
   * Keeps a released prescription. Released again (after a return) it replaces what was kept,
   * under the same local ID; its earlier notifications no longer apply.
   */
  saveRelease(r: NewRelease): ReleasedRecord {
    const now = new Date().toISOString();
    const had = this.byShortFormId(r.environment, r.shortFormId);
    const id = had?.id ?? randomUUID();
    this.db
      .prepare(
        `INSERT INTO dispensing_prescriptions (id, environment, short_form_id, ods, released_by, role_profile_id, released_at, release_response_id, bundle, status, prescription_status, items, signature, notifications, return_reason, updated_at)
      VALUES (@id, @environment, @shortFormId, @ods, @releasedBy, @roleProfileId, @releasedAt, @releaseResponseId, @bundle, @status, @prescriptionStatus, @items, @signature, '[]', NULL, @now)
      ON CONFLICT (environment, short_form_id) DO UPDATE SET ods = excluded.ods, released_by = excluded.released_by, role_profile_id = excluded.role_profile_id,
        released_at = excluded.released_at, release_response_id = excluded.release_response_id, bundle = excluded.bundle, status = excluded.status,
        prescription_status = excluded.prescription_status, items = excluded.items, signature = excluded.signature, notifications = '[]', return_reason = NULL, updated_at = excluded.updated_at`,
      )
      .run({
        ...r,
        id,
        bundle: JSON.stringify(r.bundle),
        items: JSON.stringify(r.items),
        signature: JSON.stringify(r.signature),
        now,
      });
    return this.get(id)!;
  }

  get(id: string): ReleasedRecord | null {
    const r = this.db.prepare('SELECT * FROM dispensing_prescriptions WHERE id = ?').get(id) as Row | undefined;
    return r ? fromRow(r) : null;
  }

  byShortFormId(environment: string, shortFormId: string): ReleasedRecord | null {
    const r = this.db
      .prepare('SELECT * FROM dispensing_prescriptions WHERE environment = ? AND short_form_id = ? COLLATE NOCASE')
      .get(environment, shortFormId) as Row | undefined;
    return r ? fromRow(r) : null;
  }

  /** Newest first; `ods` limits it to one pharmacy's. */
  list(q: { environment?: string; ods?: string; limit?: number } = {}): ReleasedRecord[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (q.environment) {
      where.push('environment = ?');
      args.push(q.environment);
    }
    if (q.ods) {
      where.push('ods = ?');
      args.push(q.ods);
    }
    const sql = `SELECT * FROM dispensing_prescriptions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY updated_at DESC, released_at DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...args, q.limit ?? 500) as Row[]).map(fromRow);
  }

  /** Records what EPS accepted: new status, items and notifications. */
  update(
    id: string,
    patch: Partial<Pick<ReleasedRecord, 'status' | 'prescriptionStatus' | 'items' | 'notifications' | 'returnReason'>>,
  ): ReleasedRecord {
    const cur = this.get(id);
    if (!cur) throw new Error(`no released prescription ${id}`);
    const next = { ...cur, ...patch };
    this.db
      .prepare(
        'UPDATE dispensing_prescriptions SET status = ?, prescription_status = ?, items = ?, notifications = ?, return_reason = ?, updated_at = ? WHERE id = ?',
      )
      .run(
        next.status,
        next.prescriptionStatus,
        JSON.stringify(next.items),
        JSON.stringify(next.notifications),
        next.returnReason,
        new Date().toISOString(),
        id,
      );
    return this.get(id)!;
  }

  /** Runs `f` in one transaction (an answer and what it changes are kept together). */
  transaction<T>(f: () => T): T {
    return this.db.transaction(f)();
  }
}
