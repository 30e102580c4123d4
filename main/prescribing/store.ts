// Prescriptions on this machine: drafts (saved on every change), the durable outbox of signed
// prescriptions waiting to be sent, and what the service answered. A signed prescription is
// committed here (synchronous=FULL) before any send is attempted, with the X-Request-ID it will
// be sent with, so a crash or a restart resends the same request and never a second prescription.
// Cancellations waiting for EPS's answer are in `pendingWrites` (main/net/idempotent-write.ts).
import { randomUUID } from 'node:crypto';
import { migrate, type Db } from '../store/database';
import { PendingWriteTable } from '../net/idempotent-write';
import { draftContent, type DraftContent } from './model';
import type { PrescriptionIds } from './bundle';

const prescriptionStatuses = [
  'draft',
  'signed',
  'sending',
  'accepted',
  'rejected',
  'cancelled',
  'partly-cancelled',
] as const;
type PrescriptionStatus = (typeof prescriptionStatuses)[number];

export interface PrescriptionRecord {
  id: string;
  status: PrescriptionStatus;
  draft: DraftContent;
  ownerUserId: string | null;
  createdAt: string;
  updatedAt: string;
  shortFormId: string | null;
  longFormId: string | null;
  /** The exact Bundle that was prepared and signed (JSON text), once signed. */
  bundle: string | null;
  signedAt: string | null;
  requestId: string | null;
  sendAttempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  serviceStatus: string | null;
  serviceResponse: string | null;
  /** What the tracker last said about the whole prescription (null: never tracked). */
  tracking: TrackingSnapshot | null;
}

/** IDs fixed for a draft before signing; `odsCode` is the organisation its short-form ID names. */
interface ReservedIds {
  odsCode: string;
  ids: PrescriptionIds;
}

/** The tracker's view of a prescription, kept so the pad shows it without asking again. */
interface TrackingSnapshot {
  statusCode: string;
  status: string;
  owner: { ods: string; name?: string } | null;
  checkedAt: string;
}

/** One line item as the service knows it. */
export interface ItemState {
  lineId: string;
  /** medicationdispense-type code (0001 … 0008) from the tracker or a cancellation; null: not known yet. */
  statusCode: string | null;
  status: string | null;
  dispensedAt: string | null;
  cancelReason: string | null;
  cancelAnswerCode: string | null;
  cancelAnswer: string | null;
  updatedAt: string;
}

export class PrescriptionStore {
  readonly #db: Db;
  /**
   * Cancellations EPS has not answered yet, each with its X-Request-ID and exact body. (The
   * cancel_request_id column of prescription_items, which kept only the ID, is no longer read.)
   */
  readonly pendingWrites: PendingWriteTable;
  constructor(db: Db) {
    this.#db = db;
    migrate(db, [
      {
        id: 'prescriptions-1',
        sql: `CREATE TABLE prescriptions (
              id TEXT PRIMARY KEY, status TEXT NOT NULL, draft TEXT NOT NULL, owner_user_id TEXT,
              created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
              short_form_id TEXT UNIQUE, long_form_id TEXT UNIQUE, bundle TEXT, signed_at TEXT,
              request_id TEXT, send_attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at TEXT, last_error TEXT,
              service_status TEXT, service_response TEXT);
            CREATE INDEX prescriptions_status ON prescriptions(status);
            CREATE TABLE prescription_sequence (ods_code TEXT PRIMARY KEY, next INTEGER NOT NULL);`,
      },
      {
        // Line items as the service knows them (tracker, cancellations) and the last tracker answer.
        // A cancellation keeps its X-Request-ID until the service has answered it, so trying again
        // after a failure is the same request, never a second one.
        id: 'prescriptions-2',
        sql: `ALTER TABLE prescriptions ADD COLUMN tracking TEXT;
            CREATE TABLE prescription_items (
              prescription_id TEXT NOT NULL REFERENCES prescriptions(id), line_id TEXT NOT NULL,
              status_code TEXT, status TEXT, dispensed_at TEXT,
              cancel_reason TEXT, cancel_request_id TEXT, cancel_answer_code TEXT, cancel_answer TEXT,
              updated_at TEXT NOT NULL, PRIMARY KEY (prescription_id, line_id));`,
      },
      {
        // The IDs a draft will be signed with, fixed when first needed (review), so the review shows them.
        id: 'prescriptions-3',
        sql: 'ALTER TABLE prescriptions ADD COLUMN reserved_ids TEXT;',
      },
    ]);
    this.pendingWrites = new PendingWriteTable(db, 'prescription_pending');
  }

  /** Runs `f` in one transaction (an answer and what it changes are kept together). */
  transaction<T>(f: () => T): T {
    return this.#db.transaction(f)();
  }

  /**
   * accepted → partly-cancelled → cancelled as the service reports line items cancelled (0005);
   * a prescription in any other state keeps it. Returns the status afterwards.
   */
  statusFromItems(id: string, lineIds: string[]): PrescriptionStatus {
    const rec = this.get(id);
    if (!rec) throw new Error(`prescription ${id} does not exist`);
    if (!['accepted', 'partly-cancelled', 'cancelled'].includes(rec.status)) return rec.status;
    const states = new Map(this.items(id).map((i) => [i.lineId.toLowerCase(), i.statusCode]));
    const cancelled = lineIds.filter((l) => states.get(l.toLowerCase()) === '0005').length;
    const next: PrescriptionStatus =
      cancelled === 0 ? 'accepted' : cancelled === lineIds.length ? 'cancelled' : 'partly-cancelled';
    if (next !== rec.status) this.setStatus(id, next);
    return next;
  }

  /** The IDs kept for a draft (with the organisation its short-form ID names), if any. */
  reservedIds(id: string): ReservedIds | null {
    const v = this.#db.prepare('SELECT reserved_ids FROM prescriptions WHERE id = ?').pluck().get(id) as
      string | null | undefined;
    return v ? (JSON.parse(v) as ReservedIds) : null;
  }

  reserveIds(id: string, value: ReservedIds): void {
    this.#db
      .prepare("UPDATE prescriptions SET reserved_ids = ? WHERE id = ? AND status = 'draft'")
      .run(JSON.stringify(value), id);
  }

  createDraft(content: DraftContent, ownerUserId: string | null): PrescriptionRecord {
    const now = new Date().toISOString();
    const id = randomUUID();
    this.#db
      .prepare(
        'INSERT INTO prescriptions (id, status, draft, owner_user_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(id, 'draft', JSON.stringify(content), ownerUserId, now, now);
    return this.get(id)!;
  }

  /** Saves a draft's content; only drafts can change. Returns null if it is no longer a draft. */
  saveDraft(id: string, content: DraftContent): PrescriptionRecord | null {
    const res = this.#db
      .prepare("UPDATE prescriptions SET draft = ?, updated_at = ? WHERE id = ? AND status = 'draft'")
      .run(JSON.stringify(content), new Date().toISOString(), id);
    return res.changes ? this.get(id) : null;
  }

  deleteDraft(id: string): boolean {
    return this.#db.prepare("DELETE FROM prescriptions WHERE id = ? AND status = 'draft'").run(id).changes > 0;
  }

  get(id: string): PrescriptionRecord | null {
    const row = this.#db.prepare('SELECT * FROM prescriptions WHERE id = ?').get(id) as
      Record<string, unknown> | undefined;
    return row ? toRecord(row) : null;
  }

  byShortFormId(shortFormId: string): PrescriptionRecord | null {
    const row = this.#db.prepare('SELECT * FROM prescriptions WHERE short_form_id = ?').get(shortFormId) as
      Record<string, unknown> | undefined;
    return row ? toRecord(row) : null;
  }

  list(
    opts: { status?: PrescriptionStatus[]; limit?: number; ownerUserId?: string; nhsNumber?: string } = {},
  ): PrescriptionRecord[] {
    const statuses = opts.status ?? [...prescriptionStatuses];
    const owner = opts.ownerUserId === undefined ? '' : ' AND owner_user_id = ?';
    const patient = opts.nhsNumber === undefined ? '' : " AND json_extract(draft, '$.patient.nhsNumber') = ?";
    const rows = this.#db
      .prepare(
        `SELECT * FROM prescriptions WHERE status IN (${statuses.map(() => '?').join(',')})${owner}${patient} ORDER BY updated_at DESC LIMIT ?`,
      )
      .all(
        ...statuses,
        ...(opts.ownerUserId === undefined ? [] : [opts.ownerUserId]),
        ...(opts.nhsNumber === undefined ? [] : [opts.nhsNumber]),
        opts.limit ?? 200,
      ) as Array<Record<string, unknown>>;
    return rows.map(toRecord);
  }

  /** The next 5-hex-digit sequence number for an organisation (wraps after FFFFF, as EPS allows). */
  nextSequence(odsCode: string): number {
    return this.#db.transaction(() => {
      const cur = this.#db.prepare('SELECT next FROM prescription_sequence WHERE ods_code = ?').pluck().get(odsCode) as
        number | undefined;
      const value = cur ?? 0;
      this.#db
        .prepare(
          'INSERT INTO prescription_sequence (ods_code, next) VALUES (?, ?) ON CONFLICT(ods_code) DO UPDATE SET next = excluded.next',
        )
        .run(odsCode, (value + 1) % 0x100000);
      return value;
    })();
  }

  /**
   * Moves a draft into the outbox with its signed Bundle, in one transaction. After this returns,
   * the prescription will be sent (with `requestId`) even if Scrip is killed the next instant.
   */
  commitSigned(
    id: string,
    signed: { bundle: string; shortFormId: string; longFormId: string; requestId?: string },
  ): PrescriptionRecord {
    const now = new Date().toISOString();
    const res = this.#db
      .prepare(
        `UPDATE prescriptions SET status = 'signed', bundle = ?, short_form_id = ?, long_form_id = ?, signed_at = ?,
        request_id = ?, next_attempt_at = ?, updated_at = ? WHERE id = ? AND status = 'draft'`,
      )
      .run(signed.bundle, signed.shortFormId, signed.longFormId, now, signed.requestId ?? randomUUID(), now, now, id);
    if (!res.changes) throw new Error(`prescription ${id} is not a draft`);
    return this.get(id)!;
  }

  /** Signed prescriptions whose next attempt is due, oldest first. */
  due(now = new Date()): PrescriptionRecord[] {
    const rows = this.#db
      .prepare(
        "SELECT * FROM prescriptions WHERE status IN ('signed', 'sending') AND (next_attempt_at IS NULL OR next_attempt_at <= ?) ORDER BY signed_at",
      )
      .all(now.toISOString()) as Array<Record<string, unknown>>;
    return rows.map(toRecord);
  }

  markAttempt(id: string, error: string | null, nextAttemptAt: Date | null): void {
    this.#db
      .prepare(
        "UPDATE prescriptions SET status = 'sending', send_attempts = send_attempts + 1, last_error = ?, next_attempt_at = ?, updated_at = ? WHERE id = ?",
      )
      .run(error, nextAttemptAt?.toISOString() ?? null, new Date().toISOString(), id);
  }

  markAnswered(id: string, status: 'accepted' | 'rejected', serviceStatus: string, response: string): void {
    this.#db
      .prepare(
        'UPDATE prescriptions SET status = ?, service_status = ?, service_response = ?, next_attempt_at = NULL, last_error = NULL, updated_at = ? WHERE id = ?',
      )
      .run(status, serviceStatus, response, new Date().toISOString(), id);
  }

  items(id: string): ItemState[] {
    const rows = this.#db
      .prepare('SELECT * FROM prescription_items WHERE prescription_id = ? ORDER BY rowid')
      .all(id) as Array<Record<string, unknown>>;
    return rows.map(toItem);
  }

  /** Merges what is known about a line item (only the fields given change). */
  saveItem(id: string, lineId: string, patch: Partial<Omit<ItemState, 'lineId' | 'updatedAt'>>): ItemState {
    const now = new Date().toISOString();
    const cols = {
      statusCode: 'status_code',
      status: 'status',
      dispensedAt: 'dispensed_at',
      cancelReason: 'cancel_reason',
      cancelAnswerCode: 'cancel_answer_code',
      cancelAnswer: 'cancel_answer',
    } as const;
    const keys = (Object.keys(patch) as Array<keyof typeof cols>).filter((k) => k in cols);
    this.#db.transaction(() => {
      this.#db
        .prepare(
          'INSERT INTO prescription_items (prescription_id, line_id, updated_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
        )
        .run(id, lineId, now);
      if (keys.length) {
        this.#db
          .prepare(
            `UPDATE prescription_items SET ${keys.map((k) => `${cols[k]} = ?`).join(', ')}, updated_at = ? WHERE prescription_id = ? AND line_id = ?`,
          )
          .run(...keys.map((k) => patch[k] ?? null), now, id, lineId);
      }
    })();
    return toItem(
      this.#db
        .prepare('SELECT * FROM prescription_items WHERE prescription_id = ? AND line_id = ?')
        .get(id, lineId) as Record<string, unknown>,
    );
  }

  saveTracking(id: string, t: TrackingSnapshot): void {
    // Not updated_at: a routine status check must not reorder the list.
    this.#db.prepare('UPDATE prescriptions SET tracking = ? WHERE id = ?').run(JSON.stringify(t), id);
  }

  setStatus(id: string, status: PrescriptionStatus, serviceStatus?: string): void {
    this.#db
      .prepare(
        'UPDATE prescriptions SET status = ?, service_status = COALESCE(?, service_status), updated_at = ? WHERE id = ?',
      )
      .run(status, serviceStatus ?? null, new Date().toISOString(), id);
  }
}

/** A stored draft; one saved under older, looser rules is shown as it is rather than breaking the list. */
function readDraft(text: string): DraftContent {
  const raw = JSON.parse(text) as unknown;
  const r = draftContent.safeParse(raw);
  return r.success ? r.data : (raw as DraftContent);
}

function toRecord(r: Record<string, unknown>): PrescriptionRecord {
  const str = (k: string) => (r[k] === null || r[k] === undefined ? null : String(r[k]));
  return {
    id: String(r.id),
    status: String(r.status) as PrescriptionStatus,
    draft: readDraft(String(r.draft)),
    ownerUserId: str('owner_user_id'),
    createdAt: String(r.created_at),
    updatedAt: String(r.updated_at),
    shortFormId: str('short_form_id'),
    longFormId: str('long_form_id'),
    bundle: str('bundle'),
    signedAt: str('signed_at'),
    requestId: str('request_id'),
    sendAttempts: Number(r.send_attempts),
    nextAttemptAt: str('next_attempt_at'),
    lastError: str('last_error'),
    serviceStatus: str('service_status'),
    serviceResponse: str('service_response'),
    tracking: r.tracking ? (JSON.parse(String(r.tracking)) as TrackingSnapshot) : null,
  };
}

function toItem(r: Record<string, unknown>): ItemState {
  const str = (k: string) => (r[k] === null || r[k] === undefined ? null : String(r[k]));
  return {
    lineId: String(r.line_id),
    statusCode: str('status_code'),
    status: str('status'),
    dispensedAt: str('dispensed_at'),
    cancelReason: str('cancel_reason'),
    cancelAnswerCode: str('cancel_answer_code'),
    cancelAnswer: str('cancel_answer'),
    updatedAt: String(r.updated_at),
  };
}
