// Finds the dm+d XML files inside a release zip as downloaded from TRUD. The files may sit at the
// top level, in a folder, or inside nested zips; nested zips are unpacked to a temp dir first
// because a zip needs random access.
import { mkdtempSync, rmSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { listZip, openZipEntry, ZipFormatError } from './zip';
import { ScripError } from '../../errors';

const dmdFileKinds = ['lookup', 'ingredient', 'vtm', 'vmp', 'amp', 'vmpp', 'ampp'] as const;
export type DmdFileKind = (typeof dmdFileKinds)[number];
/** Files a prescribing import cannot do without; f_ingredient2 is used when present. */
const requiredKinds: readonly DmdFileKind[] = ['lookup', 'vtm', 'vmp', 'amp', 'vmpp', 'ampp'];

export interface DmdFile {
  kind: DmdFileKind;
  name: string;
  open(): Readable;
}
interface LocatedRelease {
  files: DmdFile[];
  releaseVersion: string;
  cleanup(): void;
}

const fileRe = /(?:^|\/)f_(lookup|ingredient|vtm|vmp|amp|vmpp|ampp)2_\d(\d{2})(\d{2})(\d{2})\.xml$/i;

export async function locateRelease(zipPath: string): Promise<LocatedRelease> {
  const temps: string[] = [];
  const cleanup = () => {
    for (const d of temps) rmSync(d, { recursive: true, force: true });
  };
  try {
    const found = new Map<DmdFileKind, DmdFile>();
    let fileDate = '';
    const scan = async (path: string, depth: number) => {
      let entries;
      try {
        entries = listZip(path);
      } catch (e) {
        if (e instanceof ZipFormatError)
          throw new ScripError(
            'invalid-input',
            `${basename(zipPath)} is not a readable zip file: ${e.message}.`,
            undefined,
            'Download the dm+d release zip again from TRUD and import that file.',
          );
        throw e;
      }
      for (const entry of entries) {
        const m = fileRe.exec(entry.name);
        if (m) {
          const kind = m[1]!.toLowerCase() as DmdFileKind;
          if (!found.has(kind)) {
            found.set(kind, { kind, name: basename(entry.name), open: () => openZipEntry(path, entry) });
            if (kind === 'vmp') fileDate = `20${m[4]}-${m[3]}-${m[2]}`;
          }
        } else if (/\.zip$/i.test(entry.name) && depth < 2 && !/gtin|bnf/i.test(entry.name)) {
          const dir = mkdtempSync(join(tmpdir(), 'scrip-dmd-'));
          temps.push(dir);
          const inner = join(dir, basename(entry.name));
          await pipeline(openZipEntry(path, entry), createWriteStream(inner));
          await scan(inner, depth + 1);
        }
      }
    };
    await scan(zipPath, 0);
    const missing = requiredKinds.filter((k) => !found.has(k));
    if (missing.length) {
      throw new ScripError(
        'invalid-input',
        `${basename(zipPath)} is not a dm+d release: it has no ${missing.map((k) => `f_${k}2_*.xml`).join(', ')}.`,
        { missing: missing.map((k) => `f_${k}2_*.xml`) },
        'Download "NHSBSA dm+d" (TRUD item 24) and import its zip as downloaded; the supplementary zip is not enough on its own.',
      );
    }
    const fromName = /nhsbsa_dmd_(\d+\.\d+\.\d+)_(\d{8})/i.exec(basename(zipPath));
    const releaseVersion = fromName
      ? `dm+d ${fromName[1]} (${fromName[2]!.slice(0, 4)}-${fromName[2]!.slice(4, 6)}-${fromName[2]!.slice(6)})`
      : `dm+d ${fileDate}`;
    return { files: dmdFileKinds.flatMap((k) => (found.has(k) ? [found.get(k)!] : [])), releaseVersion, cleanup };
  } catch (e) {
    cleanup();
    throw e;
  }
}
