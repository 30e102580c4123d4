// The medicines a prescriber reaches for first, offered before anything is typed: their favourites
// (per user, kept in this computer's preferences), the medicines of their own recent prescriptions,
// and the practice formulary — a file the organisation manages, `<data dir>/formulary.json`:
//   { "name": "Hallgarth Surgery formulary", "medicines": [{ "code": "322237000", "note": "first line" }] }
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { Preferences } from '../store/preferences';
import type { PrescriptionRecord } from './store';

const CODE = /^\d{6,18}$/;
const favouritesKey = (userId: string) => `medicines.favourites:${userId}`;

export function favouriteCodes(prefs: Preferences, userId: string): string[] {
  try {
    const v = JSON.parse(prefs.get(favouritesKey(userId)) ?? '[]') as unknown;
    return Array.isArray(v) ? v.filter((c): c is string => typeof c === 'string' && CODE.test(c)) : [];
  } catch {
    return [];
  }
}

/** Adds (first) or removes a favourite; at most 50 are kept. */
export function setFavourite(prefs: Preferences, userId: string, code: string, on: boolean): string[] {
  const rest = favouriteCodes(prefs, userId).filter((c) => c !== code);
  const next = (on ? [code, ...rest] : rest).slice(0, 50);
  prefs.set(favouritesKey(userId), JSON.stringify(next));
  return next;
}

/** The medicines of these prescriptions (newest first), each once. */
export function recentCodes(records: PrescriptionRecord[], limit = 8): string[] {
  const seen = new Set<string>();
  for (const r of records)
    for (const it of r.draft.items) {
      if (seen.size < limit) seen.add(it.medication.code);
    }
  return [...seen];
}

const formularyFile = z.object({
  name: z.string().min(1).max(200).default('Practice formulary'),
  medicines: z
    .array(
      z.object({ code: z.string().regex(CODE, 'a dm+d code is 6 to 18 digits'), note: z.string().max(200).optional() }),
    )
    .max(2000),
});
type Formulary = z.infer<typeof formularyFile>;

const formularyPath = (dataDir: string): string => join(dataDir, 'formulary.json');

/** The formulary, none when there is no file, or what is wrong with it (naming the entry and field). */
export function readFormulary(dataDir: string): { formulary: Formulary | null; problem: string | null } {
  const path = formularyPath(dataDir);
  if (!existsSync(path)) return { formulary: null, problem: null };
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    return {
      formulary: null,
      problem: `${path} is not JSON (${e instanceof Error ? e.message : String(e)}). Fix the file; the formulary is not offered until then.`,
    };
  }
  const r = formularyFile.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0]!;
    return {
      formulary: null,
      problem: `${path}: ${i.path.map((p) => (typeof p === 'number' ? `entry ${p + 1}` : String(p))).join(' ')}: ${i.message}. Fix the file; the formulary is not offered until then.`,
    };
  }
  return { formulary: r.data, problem: null };
}
