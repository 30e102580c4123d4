// Builds `stg_medicine`: one row per valid VMP and AMP with everything a result line shows (form,
// route, strength, unit, packs, CD schedule, prescribing status), so search needs no joins.
import type Database from 'better-sqlite3';
import { normaliseName } from './schema';

export interface Pack {
  code: string;
  name: string;
  quantity: number | null;
  unitCode: string | null;
  unitName: string | null;
}

/** "500.000" → "500", "0.50" → "0.5": dm+d values are decimals written in text. */
function trimNumber(v: string): string {
  return v.includes('.') ? v.replace(/0+$/, '').replace(/\.$/, '') : v;
}

export function buildMedicineTable(db: Database.Database): number {
  const lookups = new Map<string, string>();
  for (const r of db.prepare('SELECT tbl, cd, descr FROM stg_lookup').iterate() as Iterable<{
    tbl: string;
    cd: string;
    descr: string;
  }>)
    lookups.set(`${r.tbl}:${r.cd}`, r.descr);
  const uom = (cd: string | null) => (cd ? (lookups.get(`UNIT_OF_MEASURE:${cd}`) ?? null) : null);
  const group = (sql: string) => {
    const m = new Map<string, string[]>();
    for (const r of db.prepare(sql).iterate() as Iterable<{ k: string; v: string }>) {
      const a = m.get(r.k);
      if (a) {
        if (!a.includes(r.v)) a.push(r.v);
      } else m.set(r.k, [r.v]);
    }
    return m;
  };
  const forms = group(
    `SELECT f.vpid k, coalesce(l.descr, f.formcd) v FROM stg_vmp_form f LEFT JOIN stg_lookup l ON l.tbl = 'FORM' AND l.cd = f.formcd`,
  );
  const routes = group(
    `SELECT r.vpid k, coalesce(l.descr, r.routecd) v FROM stg_vmp_route r LEFT JOIN stg_lookup l ON l.tbl = 'ROUTE' AND l.cd = r.routecd`,
  );
  const strengths = new Map<string, string[]>();
  for (const r of db.prepare('SELECT * FROM stg_vpi').iterate() as Iterable<{
    vpid: string;
    nmrtr_val: string | null;
    nmrtr_uomcd: string | null;
    dnmtr_val: string | null;
    dnmtr_uomcd: string | null;
  }>) {
    if (!r.nmrtr_val) continue;
    let s = `${trimNumber(r.nmrtr_val)}${uom(r.nmrtr_uomcd) ?? ''}`;
    if (r.dnmtr_val)
      s += `/${trimNumber(r.dnmtr_val) === '1' ? '' : trimNumber(r.dnmtr_val)}${uom(r.dnmtr_uomcd) ?? ''}`;
    const a = strengths.get(r.vpid);
    if (a) a.push(s);
    else strengths.set(r.vpid, [s]);
  }
  const cds = new Map<string, string>();
  for (const r of db.prepare('SELECT vpid, catcd FROM stg_vmp_cd').iterate() as Iterable<{
    vpid: string;
    catcd: string;
  }>)
    cds.set(r.vpid, r.catcd);
  const vmpPacks = new Map<string, Pack[]>();
  const vmppById = new Map<string, { qty: number | null; uom: string | null }>();
  for (const r of db
    .prepare(
      'SELECT vppid, vpid, name, qtyval, qty_uomcd FROM stg_vmpp WHERE invalid = 0 ORDER BY vpid, CAST(qtyval AS REAL)',
    )
    .iterate() as Iterable<{
    vppid: string;
    vpid: string;
    name: string;
    qtyval: string | null;
    qty_uomcd: string | null;
  }>) {
    const qty = r.qtyval === null ? null : Number(r.qtyval);
    vmppById.set(r.vppid, { qty, uom: r.qty_uomcd });
    const p: Pack = { code: r.vppid, name: r.name, quantity: qty, unitCode: r.qty_uomcd, unitName: uom(r.qty_uomcd) };
    const a = vmpPacks.get(r.vpid);
    if (a) a.push(p);
    else vmpPacks.set(r.vpid, [p]);
  }
  const ampPacks = new Map<string, Pack[]>();
  for (const r of db.prepare('SELECT appid, apid, vppid, name FROM stg_ampp WHERE invalid = 0').iterate() as Iterable<{
    appid: string;
    apid: string;
    vppid: string;
    name: string;
  }>) {
    const v = vmppById.get(r.vppid);
    const p: Pack = {
      code: r.appid,
      name: r.name,
      quantity: v?.qty ?? null,
      unitCode: v?.uom ?? null,
      unitName: uom(v?.uom ?? null),
    };
    const a = ampPacks.get(r.apid);
    if (a) a.push(p);
    else ampPacks.set(r.apid, [p]);
  }
  for (const a of ampPacks.values()) a.sort((x, y) => (x.quantity ?? 0) - (y.quantity ?? 0));

  interface VmpInfo {
    form: string | null;
    route: string | null;
    strength: string | null;
    unitCode: string | null;
    unitName: string | null;
    cd: string | null;
    pres: string | null;
  }
  const vmpInfo = new Map<string, VmpInfo>();
  const vmps = db
    .prepare('SELECT vpid, name, invalid, pres_statcd, unit_dose_uomcd FROM stg_vmp ORDER BY name COLLATE NOCASE, vpid')
    .all() as Array<{
    vpid: string;
    name: string;
    invalid: number;
    pres_statcd: string | null;
    unit_dose_uomcd: string | null;
  }>;
  const insert =
    db.prepare(`INSERT INTO stg_medicine (kind, code, vmp_code, name, norm, terms, form, route, strength, unit_code, unit_name, packs, supplier, cd_code, cd_desc, pres_code, pres_desc)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  let n = 0;
  for (const v of vmps) {
    // The unit a quantity is written in: the unit dose for discrete forms (tablet, vial), otherwise
    // the unit the packs are counted in (ml, gram).
    const packs = vmpPacks.get(v.vpid) ?? [];
    const unitCode = v.unit_dose_uomcd ?? packs.find((p) => p.unitCode)?.unitCode ?? null;
    const cd = cds.get(v.vpid) ?? null;
    const info: VmpInfo = {
      form: forms.get(v.vpid)?.join(', ') ?? null,
      route: routes.get(v.vpid)?.join(', ') ?? null,
      strength: strengths.get(v.vpid)?.join(' + ') ?? null,
      unitCode,
      unitName: uom(unitCode),
      cd,
      pres: v.pres_statcd,
    };
    vmpInfo.set(v.vpid, info);
    if (v.invalid) continue;
    insert.run(
      'vmp',
      v.vpid,
      v.vpid,
      v.name,
      normaliseName(v.name),
      v.name,
      info.form,
      info.route,
      info.strength,
      info.unitCode,
      info.unitName,
      JSON.stringify(packs),
      null,
      cd,
      cd ? (lookups.get(`CONTROL_DRUG_CATEGORY:${cd}`) ?? null) : null,
      v.pres_statcd,
      v.pres_statcd ? (lookups.get(`VIRTUAL_PRODUCT_PRES_STATUS:${v.pres_statcd}`) ?? null) : null,
    );
    n++;
  }
  const amps = db
    .prepare('SELECT apid, vpid, name, suppcd FROM stg_amp WHERE invalid = 0 ORDER BY name COLLATE NOCASE, apid')
    .all() as Array<{ apid: string; vpid: string; name: string; suppcd: string | null }>;
  for (const a of amps) {
    const info = vmpInfo.get(a.vpid);
    const supplier = a.suppcd ? (lookups.get(`SUPPLIER:${a.suppcd}`) ?? null) : null;
    const cd = info?.cd ?? null;
    insert.run(
      'amp',
      a.apid,
      a.vpid,
      a.name,
      normaliseName(a.name),
      supplier ? `${a.name} ${supplier}` : a.name,
      info?.form ?? null,
      info?.route ?? null,
      info?.strength ?? null,
      info?.unitCode ?? null,
      info?.unitName ?? null,
      JSON.stringify(ampPacks.get(a.apid) ?? []),
      supplier,
      cd,
      cd ? (lookups.get(`CONTROL_DRUG_CATEGORY:${cd}`) ?? null) : null,
      null,
      null,
    );
    n++;
  }
  return n;
}
