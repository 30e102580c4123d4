// SQLite tables for one dm+d release. The same DDL is created with a `stg_` prefix while a release
// is imported, so a failed import never touches the live tables. Codes are TEXT: SNOMED ids reach
// 18 digits, beyond a JS number.
import type Database from 'better-sqlite3';

export const releaseTables = [
  'lookup',
  'ingredient',
  'vtm',
  'vmp',
  'vpi',
  'vmp_form',
  'vmp_route',
  'vmp_cd',
  'amp',
  'vmpp',
  'ampp',
  'medicine',
] as const;

export function createReleaseTables(db: Database.Database, prefix: '' | 'stg_'): void {
  const p = prefix;
  db.exec(`
    CREATE TABLE IF NOT EXISTS ${p}lookup (tbl TEXT NOT NULL, cd TEXT NOT NULL, descr TEXT NOT NULL, PRIMARY KEY (tbl, cd)) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS ${p}ingredient (isid TEXT PRIMARY KEY, name TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS ${p}vtm (vtmid TEXT PRIMARY KEY, name TEXT NOT NULL, invalid INTEGER NOT NULL, vtmidprev TEXT);
    CREATE TABLE IF NOT EXISTS ${p}vmp (vpid TEXT PRIMARY KEY, vtmid TEXT, name TEXT NOT NULL, invalid INTEGER NOT NULL,
      pres_statcd TEXT, non_availcd TEXT, df_indcd TEXT, udfs TEXT, udfs_uomcd TEXT, unit_dose_uomcd TEXT, vpidprev TEXT);
    CREATE TABLE IF NOT EXISTS ${p}vpi (vpid TEXT NOT NULL, isid TEXT, nmrtr_val TEXT, nmrtr_uomcd TEXT, dnmtr_val TEXT, dnmtr_uomcd TEXT);
    CREATE TABLE IF NOT EXISTS ${p}vmp_form (vpid TEXT NOT NULL, formcd TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS ${p}vmp_route (vpid TEXT NOT NULL, routecd TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS ${p}vmp_cd (vpid TEXT NOT NULL, catcd TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS ${p}amp (apid TEXT PRIMARY KEY, vpid TEXT NOT NULL, name TEXT NOT NULL, descr TEXT, invalid INTEGER NOT NULL,
      suppcd TEXT, avail_restrictcd TEXT);
    CREATE TABLE IF NOT EXISTS ${p}vmpp (vppid TEXT PRIMARY KEY, vpid TEXT NOT NULL, name TEXT NOT NULL, invalid INTEGER NOT NULL, qtyval TEXT, qty_uomcd TEXT);
    CREATE TABLE IF NOT EXISTS ${p}ampp (appid TEXT PRIMARY KEY, apid TEXT NOT NULL, vppid TEXT NOT NULL, name TEXT NOT NULL, invalid INTEGER NOT NULL,
      legal_catcd TEXT, disccd TEXT);
    -- One row per searchable product, precomputed so a keystroke is one indexed query. Rows are
    -- inserted VMPs first, then AMPs, each sorted by name: rowid order is display order.
    CREATE TABLE IF NOT EXISTS ${p}medicine (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, code TEXT NOT NULL, vmp_code TEXT NOT NULL,
      name TEXT NOT NULL, norm TEXT NOT NULL, terms TEXT NOT NULL, form TEXT, route TEXT, strength TEXT,
      unit_code TEXT, unit_name TEXT, packs TEXT NOT NULL, supplier TEXT, cd_code TEXT, cd_desc TEXT, pres_code TEXT, pres_desc TEXT);
  `);
}

export function createReleaseIndexes(db: Database.Database, prefix: '' | 'stg_'): void {
  const p = prefix;
  db.exec(`
    CREATE INDEX IF NOT EXISTS ${p}vpi_vpid ON ${p}vpi (vpid);
    CREATE INDEX IF NOT EXISTS ${p}vmp_form_vpid ON ${p}vmp_form (vpid);
    CREATE INDEX IF NOT EXISTS ${p}vmp_route_vpid ON ${p}vmp_route (vpid);
    CREATE INDEX IF NOT EXISTS ${p}vmp_cd_vpid ON ${p}vmp_cd (vpid);
    CREATE INDEX IF NOT EXISTS ${p}vmp_prev ON ${p}vmp (vpidprev);
    CREATE INDEX IF NOT EXISTS ${p}amp_vpid ON ${p}amp (vpid);
    CREATE INDEX IF NOT EXISTS ${p}vmpp_vpid ON ${p}vmpp (vpid);
    CREATE INDEX IF NOT EXISTS ${p}ampp_apid ON ${p}ampp (apid);
    CREATE INDEX IF NOT EXISTS ${p}medicine_norm ON ${p}medicine (kind, norm);
    CREATE INDEX IF NOT EXISTS ${p}medicine_code ON ${p}medicine (code);
  `);
}

/** Live-only objects: release metadata and the full-text index over `medicine.terms`. */
export function createLiveSchema(db: Database.Database): void {
  createReleaseTables(db, '');
  createReleaseIndexes(db, '');
  db.exec(`
    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    -- '.' and '%' are part of a token so "0.5%" and "2.5mg" stay whole; prefix indexes make
    -- "amox" a cheap lookup instead of a scan.
    CREATE VIRTUAL TABLE IF NOT EXISTS medicine_fts USING fts5(terms, content='medicine', content_rowid='id',
      tokenize="unicode61 remove_diacritics 2 tokenchars '.%'", prefix='1 2 3 4');
  `);
}

/** Lower case, no diacritics, single spaces: the form names are compared in. */
export function normaliseName(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}
