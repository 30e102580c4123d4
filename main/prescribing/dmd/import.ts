// Imports an official dm+d XML release (the zip from TRUD) into SQLite. Each file is streamed into
// `stg_` tables in its own transaction; only when every file has loaded does one last transaction
// swap the staging rows into the live tables. A bad zip or XML therefore leaves the previous
// release exactly as it was, and importing the same release twice gives the same database.
import Database from 'better-sqlite3';
import { ScripError } from '../../errors';
import { createLiveSchema, createReleaseIndexes, createReleaseTables, releaseTables } from './schema';
import { locateRelease, type DmdFile, type DmdFileKind } from './release-files';
import { readXmlRecords, DmdXmlError, type XmlRecord } from './xml-records';
import { buildMedicineTable } from './medicine-table';

interface ImportProgress {
  phase: 'file' | 'index' | 'done';
  file?: string;
  records: number;
}
interface ImportOptions {
  onProgress?: (p: ImportProgress) => void;
}
export interface ImportSummary {
  releaseVersion: string;
  importedAt: string;
  counts: Record<string, number>;
  ms: number;
}

const expectedRoot: Record<DmdFileKind, string> = {
  lookup: 'LOOKUP',
  ingredient: 'INGREDIENT_SUBSTANCES',
  vtm: 'VIRTUAL_THERAPEUTIC_MOIETIES',
  vmp: 'VIRTUAL_MED_PRODUCTS',
  amp: 'ACTUAL_MEDICINAL_PRODUCTS',
  vmpp: 'VIRTUAL_MED_PRODUCT_PACK',
  ampp: 'ACTUAL_MEDICINAL_PROD_PACKS',
};

/** dm+d flags are present only when true, as "1" or sometimes "0001". */
const flag = (v: string | undefined): number => (v !== undefined && Number(v) === 1 ? 1 : 0);
const opt = (v: string | undefined): string | null => (v === undefined || v === '' ? null : v);

function need(r: XmlRecord, file: string, ...names: string[]): void {
  for (const n of names) {
    if (!r.fields[n]) throw new DmdXmlError(`${file}: a <${r.tag}> record has no <${n}>`);
  }
}

type Writer = (r: XmlRecord, file: string) => void;

function writers(db: Database.Database): Record<DmdFileKind, Writer> {
  const s = (sql: string) => db.prepare(sql);
  const lookup = s('INSERT OR REPLACE INTO stg_lookup VALUES (?, ?, ?)');
  const ing = s('INSERT OR REPLACE INTO stg_ingredient VALUES (?, ?)');
  const vtm = s('INSERT OR REPLACE INTO stg_vtm VALUES (?, ?, ?, ?)');
  const vmp = s('INSERT OR REPLACE INTO stg_vmp VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const vpi = s('INSERT INTO stg_vpi VALUES (?, ?, ?, ?, ?, ?)');
  const form = s('INSERT INTO stg_vmp_form VALUES (?, ?)');
  const route = s('INSERT INTO stg_vmp_route VALUES (?, ?)');
  const cd = s('INSERT INTO stg_vmp_cd VALUES (?, ?)');
  const amp = s('INSERT OR REPLACE INTO stg_amp VALUES (?, ?, ?, ?, ?, ?, ?)');
  const vmpp = s('INSERT OR REPLACE INTO stg_vmpp VALUES (?, ?, ?, ?, ?, ?)');
  const ampp = s('INSERT OR REPLACE INTO stg_ampp VALUES (?, ?, ?, ?, ?, ?, ?)');
  return {
    lookup: (r, f) => {
      if (r.tag === 'INFO') {
        need(r, f, 'CD');
        lookup.run(r.section, r.fields.CD, r.fields.DESC ?? '');
      }
    },
    ingredient: (r, f) => {
      if (r.tag === 'ING') {
        need(r, f, 'ISID', 'NM');
        ing.run(r.fields.ISID, r.fields.NM);
      }
    },
    vtm: (r, f) => {
      if (r.tag === 'VTM') {
        need(r, f, 'VTMID', 'NM');
        vtm.run(r.fields.VTMID, r.fields.NM, flag(r.fields.INVALID), opt(r.fields.VTMIDPREV));
      }
    },
    vmp: (r, f) => {
      const x = r.fields;
      switch (r.tag) {
        case 'VMP':
          need(r, f, 'VPID', 'NM');
          vmp.run(
            x.VPID,
            opt(x.VTMID),
            x.NM,
            flag(x.INVALID),
            opt(x.PRES_STATCD),
            opt(x.NON_AVAILCD),
            opt(x.DF_INDCD),
            opt(x.UDFS),
            opt(x.UDFS_UOMCD),
            opt(x.UNIT_DOSE_UOMCD),
            opt(x.VPIDPREV),
          );
          break;
        case 'VPI':
          need(r, f, 'VPID');
          vpi.run(
            x.VPID,
            opt(x.ISID),
            opt(x.STRNT_NMRTR_VAL),
            opt(x.STRNT_NMRTR_UOMCD),
            opt(x.STRNT_DNMTR_VAL),
            opt(x.STRNT_DNMTR_UOMCD),
          );
          break;
        case 'DFORM':
          need(r, f, 'VPID', 'FORMCD');
          form.run(x.VPID, x.FORMCD);
          break;
        case 'DROUTE':
          need(r, f, 'VPID', 'ROUTECD');
          route.run(x.VPID, x.ROUTECD);
          break;
        case 'CONTROL_INFO':
          need(r, f, 'VPID', 'CATCD');
          cd.run(x.VPID, x.CATCD);
          break;
        default:
          break; // ONT and others are not needed to prescribe
      }
    },
    amp: (r, f) => {
      if (r.tag !== 'AMP') return;
      need(r, f, 'APID', 'VPID', 'NM');
      const x = r.fields;
      amp.run(x.APID, x.VPID, x.NM, opt(x.DESC), flag(x.INVALID), opt(x.SUPPCD), opt(x.AVAIL_RESTRICTCD));
    },
    vmpp: (r, f) => {
      if (r.tag !== 'VMPP') return;
      need(r, f, 'VPPID', 'VPID', 'NM');
      const x = r.fields;
      vmpp.run(x.VPPID, x.VPID, x.NM, flag(x.INVALID), opt(x.QTYVAL), opt(x.QTY_UOMCD));
    },
    ampp: (r, f) => {
      if (r.tag !== 'AMPP') return;
      need(r, f, 'APPID', 'APID', 'VPPID', 'NM');
      const x = r.fields;
      ampp.run(x.APPID, x.APID, x.VPPID, x.NM, flag(x.INVALID), opt(x.LEGAL_CATCD), opt(x.DISCCD));
    },
  };
}

const batchSize = 5000;

async function loadFile(
  db: Database.Database,
  file: DmdFile,
  write: Writer,
  onProgress?: (p: ImportProgress) => void,
): Promise<number> {
  let count = 0;
  let rootChecked = false;
  let batch: XmlRecord[] = [];
  const flush = () => {
    for (const r of batch) write(r, file.name);
    count += batch.length;
    batch = [];
    onProgress?.({ phase: 'file', file: file.name, records: count });
  };
  // One transaction per file; the awaits inside are reads of the zip stream, and this connection
  // is private to the import, so nothing else can write in between.
  db.exec('BEGIN');
  try {
    const stream = file.open();
    try {
      for await (const r of readXmlRecords(stream, file.name)) {
        if (!rootChecked) {
          rootChecked = true;
          if (r.tag !== expectedRoot[file.kind])
            throw new DmdXmlError(`${file.name}: root element is <${r.tag}>, expected <${expectedRoot[file.kind]}>`);
          continue;
        }
        batch.push(r);
        if (batch.length >= batchSize) flush();
      }
    } finally {
      stream.destroy();
    }
    flush();
    db.exec('COMMIT');
  } catch (e) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw e;
  }
  return count;
}

function dropStaging(db: Database.Database): void {
  for (const t of releaseTables) db.exec(`DROP TABLE IF EXISTS stg_${t}`);
}

/** Opens (creating if needed) a dm+d database in WAL mode with the live schema. */
export function openDmdDatabase(path: string): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  createLiveSchema(db);
  return db;
}

/** Imports already-located dm+d files; used for release zips and for the bundled subset. */
export async function importDmdFiles(
  db: Database.Database,
  files: DmdFile[],
  releaseVersion: string,
  opts: ImportOptions = {},
): Promise<ImportSummary> {
  const t0 = performance.now();
  createLiveSchema(db);
  dropStaging(db);
  createReleaseTables(db, 'stg_');
  const counts: Record<string, number> = {};
  try {
    const w = writers(db);
    for (const f of files) await loadFile(db, f, w[f.kind], opts.onProgress);
    for (const t of ['vtm', 'vmp', 'amp', 'vmpp', 'ampp', 'lookup'] as const) {
      counts[t] = (db.prepare(`SELECT count(*) n FROM stg_${t}`).get() as { n: number }).n;
    }
    opts.onProgress?.({ phase: 'index', records: 0 });
    createReleaseIndexes(db, 'stg_');
    const importedAt = new Date().toISOString();
    db.transaction(() => {
      counts.medicine = buildMedicineTable(db);
      for (const t of releaseTables) {
        db.exec(`DELETE FROM ${t}`);
        db.exec(`INSERT INTO ${t} SELECT * FROM stg_${t}`);
      }
      db.exec(`INSERT INTO medicine_fts(medicine_fts) VALUES ('rebuild')`);
      const meta = db.prepare('INSERT OR REPLACE INTO meta VALUES (?, ?)');
      meta.run('release_version', releaseVersion);
      meta.run('imported_at', importedAt);
      meta.run('counts', JSON.stringify(counts));
    })();
    dropStaging(db);
    // Staging pages would otherwise double the file; best effort, as a reader elsewhere can hold it.
    try {
      db.exec('VACUUM');
    } catch {
      /* reclaimed by the next import instead */
    }
    opts.onProgress?.({ phase: 'done', records: counts.medicine ?? 0 });
    return { releaseVersion, importedAt, counts, ms: performance.now() - t0 };
  } catch (e) {
    dropStaging(db);
    if (e instanceof DmdXmlError) {
      throw new ScripError(
        'invalid-input',
        `The dm+d release could not be read: ${e.message}. The previous release is still in use.`,
        undefined,
        'Download the dm+d release zip again from TRUD and import that file.',
      );
    }
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('Z_')) {
      throw new ScripError(
        'invalid-input',
        `The dm+d release zip is damaged (${(e as Error).message}). The previous release is still in use.`,
        undefined,
        'Download the dm+d release zip again from TRUD and import that file.',
      );
    }
    throw e;
  }
}

/** Imports the release zip at `zipPath` into the database at `dbPath` (replacing any previous release). */
export async function importDmdRelease(
  dbPath: string,
  zipPath: string,
  opts: ImportOptions = {},
): Promise<ImportSummary> {
  const located = await locateRelease(zipPath);
  const db = openDmdDatabase(dbPath);
  try {
    return await importDmdFiles(db, located.files, located.releaseVersion, opts);
  } finally {
    db.close();
    located.cleanup();
  }
}
