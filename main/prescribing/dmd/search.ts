// Search and look-up over an imported dm+d database. A keystroke is at most two indexed queries:
// names that start with what was typed, then FTS5 word-prefix matches ("amox 500" finds
// "Amoxicillin 500mg capsules"). Rows were inserted in display order (VMPs, then AMPs, by name),
// so results come back in rowid order without sorting the whole match set.
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { ScripError } from '../../errors';
import { normaliseName } from './schema';
import type { Pack } from './medicine-table';

type MedicineKind = 'vmp' | 'amp';
interface Coded {
  code: string;
  description: string;
}
interface Unit {
  code: string;
  name: string;
}

interface MedicineHit {
  kind: MedicineKind;
  code: string;
  /** The VMP this product belongs to (itself for a VMP). */
  vmpCode: string;
  name: string;
  form: string | null;
  route: string | null;
  strength: string | null;
  unit: Unit | null;
  packs: Pack[];
  supplier: string | null;
  controlledDrug: Coded | null;
  prescribingStatus: Coded | null;
}

interface MedicineDetail {
  kind: MedicineKind | 'vmpp' | 'ampp';
  code: string;
  name: string;
  invalid: boolean;
  /** Set when `code` is an old VMP id that dm+d has replaced. */
  replacedBy: string | null;
  product: MedicineHit | null;
  pack: Pack | null;
  unit: Unit | null;
  warnings: string[];
}

interface ReleaseInfo {
  releaseVersion: string;
  importedAt: string;
  counts: Record<string, number>;
  subset: boolean;
}
interface SearchOptions {
  limit?: number;
  kind?: MedicineKind | 'all';
}

interface MedicineRow {
  id: number;
  kind: MedicineKind;
  code: string;
  vmp_code: string;
  name: string;
  form: string | null;
  route: string | null;
  strength: string | null;
  unit_code: string | null;
  unit_name: string | null;
  packs: string;
  supplier: string | null;
  cd_code: string | null;
  cd_desc: string | null;
  pres_code: string | null;
  pres_desc: string | null;
}

/** Query words as FTS5 prefix terms; '.' and '%' stay inside a word as in the index. */
export function queryTerms(query: string): string[] {
  return normaliseName(query)
    .split(/[^\p{L}\p{N}.%]+/u)
    .map((t) => t.replace(/^\.+|\.+$/g, ''))
    .filter(Boolean);
}

const subsetMarker = 'Scrip bundled subset';

export class MedicineIndex {
  readonly db: Database.Database;
  private readonly startsWith: Database.Statement;
  private readonly words: Database.Statement;
  private readonly byId: Database.Statement;

  constructor(pathOrDb: string | Database.Database) {
    if (typeof pathOrDb === 'string') {
      if (!existsSync(pathOrDb))
        throw new ScripError(
          'bad-state',
          'No medicines database has been imported yet.',
          { path: pathOrDb },
          'Import the dm+d release zip from TRUD.',
        );
      this.db = new Database(pathOrDb, { fileMustExist: true });
      this.db.pragma('journal_mode = WAL');
    } else this.db = pathOrDb;
    const hasMedicine = this.db.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'medicine_fts'`).get();
    if (!hasMedicine)
      throw new ScripError(
        'bad-state',
        'No medicines database has been imported yet.',
        undefined,
        'Import the dm+d release zip from TRUD.',
      );
    this.startsWith = this.db.prepare(
      `SELECT * FROM medicine WHERE kind = ? AND norm >= ? AND norm < ? ORDER BY norm LIMIT ?`,
    );
    this.words = this.db.prepare(
      `SELECT m.* FROM medicine_fts f JOIN medicine m ON m.id = f.rowid WHERE medicine_fts MATCH ? AND m.kind = ? ORDER BY f.rowid LIMIT ?`,
    );
    this.byId = this.db.prepare('SELECT * FROM medicine WHERE code = ?');
  }

  close(): void {
    this.db.close();
  }

  /** Products whose name matches every word typed (as a prefix); VMPs first, then AMPs. */
  search(query: string, opts: SearchOptions = {}): MedicineHit[] {
    const limit = Math.max(1, Math.min(opts.limit ?? 20, 200));
    const terms = queryTerms(query);
    if (!terms.length) return [];
    const norm = normaliseName(query);
    const match = terms.map((t) => `"${t.replace(/"/g, '""')}"*`).join(' ');
    const kinds: MedicineKind[] = opts.kind && opts.kind !== 'all' ? [opts.kind] : ['vmp', 'amp'];
    const out: MedicineHit[] = [];
    const seen = new Set<number>();
    for (const kind of kinds) {
      const want = limit - out.length;
      if (want <= 0) break;
      const rows = [
        ...(this.startsWith.all(kind, norm, `${norm}\uffff`, want) as MedicineRow[]),
        ...(this.words.all(match, kind, want) as MedicineRow[]),
      ];
      for (const r of rows) {
        if (seen.has(r.id) || out.length >= limit) continue;
        seen.add(r.id);
        out.push(toHit(r));
      }
    }
    return out;
  }

  /** Looks up any dm+d product or pack id, valid or not, and says what is wrong with it. */
  byCode(code: string): MedicineDetail | null {
    const c = code.trim();
    if (!/^\d{6,18}$/.test(c)) return null;
    const hit = (id: string) => {
      const r = this.byId.get(id) as MedicineRow | undefined;
      return r ? toHit(r) : null;
    };
    const vmp = this.db
      .prepare('SELECT vpid, name, invalid, pres_statcd, non_availcd, unit_dose_uomcd FROM vmp WHERE vpid = ?')
      .get(c) as
      | { vpid: string; name: string; invalid: number; pres_statcd: string | null; non_availcd: string | null }
      | undefined;
    if (vmp) {
      const product = hit(c);
      const warnings = this.productWarnings(vmp.invalid, product);
      if (vmp.non_availcd === '0001') warnings.push('dm+d says no actual products are available for this VMP.');
      return {
        kind: 'vmp',
        code: c,
        name: vmp.name,
        invalid: !!vmp.invalid,
        replacedBy: null,
        product,
        pack: null,
        unit: product?.unit ?? this.vmpUnit(c),
        warnings,
      };
    }
    const amp = this.db.prepare('SELECT apid, vpid, name, invalid, avail_restrictcd FROM amp WHERE apid = ?').get(c) as
      { apid: string; vpid: string; name: string; invalid: number; avail_restrictcd: string | null } | undefined;
    if (amp) {
      const product = hit(c);
      const warnings = this.productWarnings(amp.invalid, product);
      if (amp.avail_restrictcd && amp.avail_restrictcd !== '0001')
        warnings.push(
          `Availability: ${this.lookup('AVAILABILITY_RESTRICTION', amp.avail_restrictcd) ?? amp.avail_restrictcd}.`,
        );
      return {
        kind: 'amp',
        code: c,
        name: amp.name,
        invalid: !!amp.invalid,
        replacedBy: null,
        product,
        pack: null,
        unit: product?.unit ?? this.vmpUnit(amp.vpid),
        warnings,
      };
    }
    const vmpp = this.db
      .prepare('SELECT vppid, vpid, name, invalid, qtyval, qty_uomcd FROM vmpp WHERE vppid = ?')
      .get(c) as
      | { vppid: string; vpid: string; name: string; invalid: number; qtyval: string | null; qty_uomcd: string | null }
      | undefined;
    if (vmpp) {
      const unit = this.unit(vmpp.qty_uomcd);
      const pack: Pack = {
        code: c,
        name: vmpp.name,
        quantity: vmpp.qtyval === null ? null : Number(vmpp.qtyval),
        unitCode: unit?.code ?? null,
        unitName: unit?.name ?? null,
      };
      const warnings = vmpp.invalid ? ['This pack code is marked invalid in dm+d; do not prescribe with it.'] : [];
      warnings.push('This is a pack (VMPP) code; EPS expects the VMP or AMP code of the product.');
      return {
        kind: 'vmpp',
        code: c,
        name: vmpp.name,
        invalid: !!vmpp.invalid,
        replacedBy: null,
        product: hit(vmpp.vpid),
        pack,
        unit,
        warnings,
      };
    }
    const ampp = this.db
      .prepare(
        'SELECT a.appid, a.apid, a.name, a.invalid, a.disccd, v.qtyval, v.qty_uomcd FROM ampp a LEFT JOIN vmpp v ON v.vppid = a.vppid WHERE a.appid = ?',
      )
      .get(c) as
      | {
          apid: string;
          name: string;
          invalid: number;
          disccd: string | null;
          qtyval: string | null;
          qty_uomcd: string | null;
        }
      | undefined;
    if (ampp) {
      const unit = this.unit(ampp.qty_uomcd);
      const pack: Pack = {
        code: c,
        name: ampp.name,
        quantity: ampp.qtyval === null ? null : Number(ampp.qtyval),
        unitCode: unit?.code ?? null,
        unitName: unit?.name ?? null,
      };
      const warnings = ampp.invalid ? ['This pack code is marked invalid in dm+d; do not prescribe with it.'] : [];
      if (ampp.disccd === '0001') warnings.push('This pack is discontinued.');
      warnings.push('This is a pack (AMPP) code; EPS expects the VMP or AMP code of the product.');
      return {
        kind: 'ampp',
        code: c,
        name: ampp.name,
        invalid: !!ampp.invalid,
        replacedBy: null,
        product: hit(ampp.apid),
        pack,
        unit,
        warnings,
      };
    }
    const replaced = this.db.prepare('SELECT vpid, name FROM vmp WHERE vpidprev = ?').get(c) as
      { vpid: string; name: string } | undefined;
    if (replaced) {
      const product = hit(replaced.vpid);
      return {
        kind: 'vmp',
        code: c,
        name: replaced.name,
        invalid: true,
        replacedBy: replaced.vpid,
        product,
        pack: null,
        unit: product?.unit ?? null,
        warnings: [`This code has been retired; dm+d now uses ${replaced.vpid} for ${replaced.name}.`],
      };
    }
    return null;
  }

  releaseInfo(): ReleaseInfo {
    const get = (k: string) =>
      (this.db.prepare('SELECT value FROM meta WHERE key = ?').get(k) as { value: string } | undefined)?.value;
    const releaseVersion = get('release_version') ?? 'none';
    return {
      releaseVersion,
      importedAt: get('imported_at') ?? '',
      counts: JSON.parse(get('counts') ?? '{}') as Record<string, number>,
      subset: releaseVersion.startsWith(subsetMarker),
    };
  }

  private productWarnings(invalid: number, product: MedicineHit | null): string[] {
    const w: string[] = [];
    if (invalid) w.push('This code is marked invalid in dm+d and is not offered in search; do not prescribe with it.');
    const pres = product?.prescribingStatus;
    if (pres && pres.code !== '0001') w.push(`Prescribing status: ${pres.description}.`);
    const cd = product?.controlledDrug;
    if (cd && cd.code !== '0000') w.push(`Controlled drug: ${cd.description}.`);
    return w;
  }

  private lookup(tbl: string, cd: string): string | null {
    return (
      (
        this.db.prepare('SELECT descr FROM lookup WHERE tbl = ? AND cd = ?').get(tbl, cd) as
          { descr: string } | undefined
      )?.descr ?? null
    );
  }

  private unit(cd: string | null): Unit | null {
    if (!cd) return null;
    return { code: cd, name: this.lookup('UNIT_OF_MEASURE', cd) ?? cd };
  }

  private vmpUnit(vpid: string): Unit | null {
    const r = this.db.prepare('SELECT unit_dose_uomcd u FROM vmp WHERE vpid = ?').get(vpid) as
      { u: string | null } | undefined;
    return this.unit(r?.u ?? null);
  }
}

function toHit(r: MedicineRow): MedicineHit {
  return {
    kind: r.kind,
    code: r.code,
    vmpCode: r.vmp_code,
    name: r.name,
    form: r.form,
    route: r.route,
    strength: r.strength,
    unit: r.unit_code ? { code: r.unit_code, name: r.unit_name ?? r.unit_code } : null,
    packs: JSON.parse(r.packs) as Pack[],
    supplier: r.supplier,
    controlledDrug: r.cd_code ? { code: r.cd_code, description: r.cd_desc ?? r.cd_code } : null,
    prescribingStatus: r.pres_code ? { code: r.pres_code, description: r.pres_desc ?? r.pres_code } : null,
  };
}
