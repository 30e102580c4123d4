// Prescription identifiers as EPS defines them: the short-form ID (6 hex random, the 6-character
// ODS code zero-padded, a 5-hex sequence per organisation, and an ISO 7064 MOD 37-2 check
// character with '+' for '*'), the long-form UUID, and line item UUIDs.
import { randomBytes, randomUUID } from 'node:crypto';

const CHARS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ+';

/** The MOD 37-2 check character for the first 17 characters (hyphens ignored). */
export function checkCharacter(body: string): string {
  let total = 0;
  for (const ch of body.replace(/-/g, '').toUpperCase()) {
    const v = parseInt(ch, 36);
    if (Number.isNaN(v)) throw new Error(`"${ch}" cannot be in a prescription ID`);
    total = ((total + v) * 2) % 37;
  }
  return CHARS[(38 - total) % 37]!;
}

export function isValidShortFormId(id: string): boolean {
  const m = /^([0-9A-F]{6})-([0-9A-Z]{6})-([0-9A-F]{5})([0-9A-Z+])$/.exec(id);
  if (!m) return false;
  return checkCharacter(`${m[1]}${m[2]}${m[3]}`) === m[4];
}

export function shortFormId(odsCode: string, sequence: number): string {
  const random = randomBytes(3).toString('hex').toUpperCase();
  const ods = odsCode.toUpperCase().padStart(6, '0').slice(-6);
  const seq = (sequence % 0x100000).toString(16).toUpperCase().padStart(5, '0');
  const body = `${random}-${ods}-${seq}`;
  return body + checkCharacter(body);
}

export function newLongFormId(): string {
  return randomUUID();
}
