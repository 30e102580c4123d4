// Where the sandbox keeps each prescription's lifecycle (protocols/eps/lifecycle.ts): the
// prescription status and dispenser, every line item's status, and the history of every change
// (who, in which role and organisation, when, what). SQLite under --data, so a restart loses nothing.
import type { Statement } from 'better-sqlite3';
import { migrateSandbox, type SandboxDb } from '../store/db';
import type { Clock } from '../clock';
import { newPrescription, type DispenseRecord, type PrescriptionState } from '../../protocols/eps/lifecycle';
import {
  isLineItemStatus,
  isPrescriptionStatus,
  type CancelReasonCode,
  type LineItemStatusCode,
  type PrescriptionStatusCode,
} from '../../protocols/eps/status-codes';
import { LINE_ITEM_NUMBER } from '../../protocols/eps/tracker';
import { migratePrescriptions } from './tables';
import { arr, obj, type Json } from '../../protocols/fhir/json';

/** Who made a change. */
interface Actor {
  userId: string;
  roleId: string | null;
  ods: string | null;
}

export interface PrescriptionRecord {
  shortFormId: string;
  longFormId: string;
  nhsNumber: string;
  nominatedOds: string | null;
  authorUserId: string;
  authorRoleId: string;
  createdAt: string;
  updatedAt: string;
  /** The prescription-order Bundle exactly as accepted, Provenance (signature) included. */
  bundle: Json;
  state: PrescriptionState;
}

interface HistoryEntry {
  at: string;
  userId: string;
  roleId: string | null;
  ods: string | null;
  event: string;
  lineItemId: string | null;
  from: string | null;
  to: string;
  detail: string | null;
}

const SLUG: Record<PrescriptionStatusCode, string> = {
  '0001': 'to-be-dispensed',
  '0002': 'with-dispenser',
  '0003': 'with-dispenser-active',
  '0004': 'expired',
  '0005': 'cancelled',
  '0006': 'dispensed',
  '0007': 'not-dispensed',
};

/** Line item UUIDs of a prescription-order Bundle, in order. */
export function lineItemIds(bundle: Json): string[] {
  return arr(bundle.entry)
    .map((e) => obj(e.resource))
    .filter((r) => r.resourceType === 'MedicationRequest')
    .map((r) => arr(r.identifier).find((i) => i.system === LINE_ITEM_NUMBER)?.value)
    .filter((v): v is string => typeof v === 'string');
}

/** What must not have changed between reading a state and writing its successor. */
const fingerprint = (s: PrescriptionState): string =>
  JSON.stringify([
    s.status,
    s.dispenser,
    s.items.map((i) => [i.id, i.status, i.pendingCancellation ?? null]),
    s.dispenses.map((d) => d.id),
  ]);

interface Row {
  short_form_id: string;
  long_form_id: string;
  nhs_number: string;
  nominated_ods: string | null;
  author_user_id: string;
  author_role_id: string;
  bundle: string;
  created_at: string;
  status: string | null;
  dispenser_ods: string | null;
  dispenses: string | null;
  updated_at: string | null;
}

export class LifecycleStore {
  readonly #db: SandboxDb;
  readonly #clock: Clock;
  // Compiled statements by SQL text: compiling costs more than running these small ones.
  readonly #statements = new Map<string, Statement>();

  constructor(db: SandboxDb, clock: Clock) {
    this.#db = db;
    this.#clock = clock;
    migratePrescriptions(db);
    migrateSandbox(
      db,
      'eps-lifecycle-1',
      `
      CREATE TABLE eps_prescription_status (short_form_id TEXT PRIMARY KEY, status TEXT NOT NULL, dispenser_ods TEXT, dispenses TEXT NOT NULL DEFAULT '[]', updated_at TEXT NOT NULL);
      CREATE TABLE eps_line_items (short_form_id TEXT NOT NULL, line_item_id TEXT NOT NULL, position INTEGER NOT NULL, status TEXT NOT NULL, pending_cancellation TEXT, updated_at TEXT NOT NULL, PRIMARY KEY (short_form_id, line_item_id));
      CREATE TABLE eps_status_history (id INTEGER PRIMARY KEY AUTOINCREMENT, short_form_id TEXT NOT NULL, line_item_id TEXT, at TEXT NOT NULL, user_id TEXT NOT NULL, role_id TEXT, ods TEXT, event TEXT NOT NULL, from_status TEXT, to_status TEXT NOT NULL, detail TEXT);
      CREATE INDEX eps_status_history_by_rx ON eps_status_history (short_form_id, id);
      CREATE INDEX eps_prescriptions_by_nhs ON eps_prescriptions (nhs_number);
      CREATE INDEX eps_prescriptions_by_nominated ON eps_prescriptions (nominated_ods, created_at);`,
    );
  }

  #sql(sql: string): Statement {
    let st = this.#statements.get(sql);
    if (!st) {
      st = this.#db.prepare(sql);
      this.#statements.set(sql, st);
    }
    return st;
  }

  #now(): string {
    return this.#clock.now().toISOString();
  }

  #select(where: string): string {
    return `SELECT p.short_form_id, p.long_form_id, p.nhs_number, p.nominated_ods, p.author_user_id, p.author_role_id, p.bundle, p.created_at, s.status, s.dispenser_ods, s.dispenses, s.updated_at
      FROM eps_prescriptions p LEFT JOIN eps_prescription_status s ON s.short_form_id = p.short_form_id WHERE ${where}`;
  }

  #record(row: Row): PrescriptionRecord {
    const bundle = JSON.parse(row.bundle) as Json;
    let state: PrescriptionState;
    if (row.status === null || !isPrescriptionStatus(row.status)) {
      // Accepted before the lifecycle existed (or by another path): it starts as sent.
      state = newPrescription(lineItemIds(bundle));
    } else {
      const items = this.#sql(
        'SELECT line_item_id, status, pending_cancellation FROM eps_line_items WHERE short_form_id = ? ORDER BY position',
      ).all(row.short_form_id) as Array<{ line_item_id: string; status: string; pending_cancellation: string | null }>;
      state = {
        status: row.status,
        dispenser: row.dispenser_ods,
        items: items.map((i) => ({
          id: i.line_item_id,
          status: (isLineItemStatus(i.status) ? i.status : '0007') as LineItemStatusCode,
          ...(i.pending_cancellation ? { pendingCancellation: i.pending_cancellation as CancelReasonCode } : {}),
        })),
        dispenses: JSON.parse(row.dispenses ?? '[]') as DispenseRecord[],
      };
    }
    return {
      shortFormId: row.short_form_id,
      longFormId: row.long_form_id,
      nhsNumber: row.nhs_number,
      nominatedOds: row.nominated_ods,
      authorUserId: row.author_user_id,
      authorRoleId: row.author_role_id,
      createdAt: row.created_at,
      updatedAt: row.updated_at ?? row.created_at,
      bundle,
      state,
    };
  }

  /** One prescription by short-form ID (case-insensitive, as EPS treats them). */
  get(shortFormId: string): PrescriptionRecord | null {
    const row = this.#sql(this.#select('p.short_form_id = ? COLLATE NOCASE')).get(shortFormId) as Row | undefined;
    return row ? this.#record(row) : null;
  }

  /** A patient's prescriptions, newest first, optionally only those with one status. */
  byNhsNumber(nhsNumber: string, status?: PrescriptionStatusCode): PrescriptionRecord[] {
    const rows = this.#sql(this.#select('p.nhs_number = ? ORDER BY p.created_at DESC, p.short_form_id')).all(
      nhsNumber,
    ) as Row[];
    return rows.map((r) => this.#record(r)).filter((r) => !status || r.state.status === status);
  }

  /** Up to `limit` prescriptions nominated to a pharmacy and waiting to be dispensed, oldest first. */
  awaitingNominated(ods: string, limit: number): PrescriptionRecord[] {
    const rows = this.#sql(
      this.#select(
        "p.nominated_ods = ? AND COALESCE(s.status, '0001') = '0001' ORDER BY p.created_at, p.short_form_id LIMIT ?",
      ),
    ).all(ods, limit) as Row[];
    return rows.map((r) => this.#record(r));
  }

  /** Writes a new state and its history in one transaction; false when the state moved meanwhile. */
  save(
    shortFormId: string,
    before: PrescriptionState,
    after: PrescriptionState,
    who: Actor,
    event: string,
    detail: string | null = null,
  ): boolean {
    return this.#db.transaction(() => {
      const current = this.get(shortFormId);
      if (!current || fingerprint(current.state) !== fingerprint(before)) return false;
      const at = this.#now();
      this.#sql(
        'INSERT INTO eps_prescription_status (short_form_id, status, dispenser_ods, dispenses, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (short_form_id) DO UPDATE SET status = excluded.status, dispenser_ods = excluded.dispenser_ods, dispenses = excluded.dispenses, updated_at = excluded.updated_at',
      ).run(current.shortFormId, after.status, after.dispenser, JSON.stringify(after.dispenses), at);
      this.#sql('UPDATE eps_prescriptions SET status = ? WHERE short_form_id = ?').run(
        SLUG[after.status],
        current.shortFormId,
      );
      const upsert = this.#sql(
        'INSERT INTO eps_line_items (short_form_id, line_item_id, position, status, pending_cancellation, updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (short_form_id, line_item_id) DO UPDATE SET status = excluded.status, pending_cancellation = excluded.pending_cancellation, updated_at = excluded.updated_at',
      );
      const history = this.#sql(
        'INSERT INTO eps_status_history (short_form_id, line_item_id, at, user_id, role_id, ods, event, from_status, to_status, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      );
      after.items.forEach((item, n) => {
        upsert.run(current.shortFormId, item.id, n, item.status, item.pendingCancellation ?? null, at);
        const old = before.items.find((i) => i.id === item.id);
        if (old?.status !== item.status || (old?.pendingCancellation ?? null) !== (item.pendingCancellation ?? null)) {
          history.run(
            current.shortFormId,
            item.id,
            at,
            who.userId,
            who.roleId,
            who.ods,
            event,
            old?.status ?? null,
            item.status,
            item.pendingCancellation ? `pending cancellation ${item.pendingCancellation}` : detail,
          );
        }
      });
      history.run(
        current.shortFormId,
        null,
        at,
        who.userId,
        who.roleId,
        who.ods,
        event,
        before.status,
        after.status,
        detail,
      );
      return true;
    })();
  }

  /** Records the state of a prescription just accepted (called inside $process-message). */
  created(shortFormId: string, bundle: Json, who: Actor): void {
    const after = newPrescription(lineItemIds(bundle));
    const at = this.#now();
    this.#sql(
      'INSERT OR IGNORE INTO eps_prescription_status (short_form_id, status, dispenser_ods, dispenses, updated_at) VALUES (?, ?, NULL, ?, ?)',
    ).run(shortFormId, after.status, '[]', at);
    const item = this.#sql(
      'INSERT OR IGNORE INTO eps_line_items (short_form_id, line_item_id, position, status, pending_cancellation, updated_at) VALUES (?, ?, ?, ?, NULL, ?)',
    );
    after.items.forEach((i, n) => item.run(shortFormId, i.id, n, i.status, at));
    this.#sql(
      'INSERT INTO eps_status_history (short_form_id, line_item_id, at, user_id, role_id, ods, event, from_status, to_status, detail) VALUES (?, NULL, ?, ?, ?, ?, ?, NULL, ?, NULL)',
    ).run(shortFormId, at, who.userId, who.roleId, who.ods, 'prescription-order', after.status);
  }

  history(shortFormId: string): HistoryEntry[] {
    return (
      this.#sql(
        'SELECT at, user_id, role_id, ods, event, line_item_id, from_status, to_status, detail FROM eps_status_history WHERE short_form_id = ? COLLATE NOCASE ORDER BY id',
      ).all(shortFormId) as Array<Record<string, string | null>>
    ).map((r) => ({
      at: r.at!,
      userId: r.user_id!,
      roleId: r.role_id ?? null,
      ods: r.ods ?? null,
      event: r.event!,
      lineItemId: r.line_item_id ?? null,
      from: r.from_status ?? null,
      to: r.to_status!,
      detail: r.detail ?? null,
    }));
  }
}
