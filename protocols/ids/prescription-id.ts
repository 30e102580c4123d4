// Prescription IDs (eps.md §3.1–3.2). Short form: 6 hex (random) - 6-char ODS code (zero-padded on
// the left) - 5 hex (per-practice sequence, wraps) + 1 check character: ISO/IEC 7064 MOD 37-2 with
// '+' in place of '*' (EPS's variant). Long form: a UUID. Pure; randomness is passed in.

const CHARS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ+';

/** The check character for the 17 characters before it (hyphens ignored); null if a character is not 0-9A-Z. */
export function prescriptionCheckCharacter(first17: string): string | null {
  const body = first17.replace(/-/g, '').toUpperCase();
  if (!/^[0-9A-Z]{17}$/.test(body)) return null;
  let total = 0;
  for (const ch of body) total = ((total + parseInt(ch, 36)) * 2) % 37;
  return CHARS[(38 - total) % 37]!;
}

const SHORT_FORM = /^[0-9A-F]{6}-[0-9A-Z]{6}-[0-9A-F]{5}[0-9A-Z+]$/;

/** Whether a short-form ID has the right shape (upper case, hyphens) and check character. */
export function isValidShortFormId(id: string): boolean {
  if (!SHORT_FORM.test(id)) return false;
  return prescriptionCheckCharacter(id.slice(0, -1)) === id.slice(-1);
}

class PrescriptionIdError extends Error {}

/**
 * A short-form ID for a practice: `random` supplies the first block (any 24-bit number), `sequence`
 * the practice's counter (wraps at 0xFFFFF).
 */
export function shortFormId(odsCode: string, sequence: number, random: number): string {
  const ods = odsCode.toUpperCase();
  if (!/^[0-9A-Z]{1,6}$/.test(ods)) throw new PrescriptionIdError(`"${odsCode}" is not an ODS code.`);
  if (!Number.isInteger(sequence) || sequence < 0)
    throw new PrescriptionIdError('The sequence must be a whole number from 0.');
  const hex = (n: number, width: number) => n.toString(16).toUpperCase().padStart(width, '0');
  const body = `${hex(Math.abs(Math.trunc(random)) % 0x1000000, 6)}-${ods.padStart(6, '0')}-${hex(sequence % 0x100000, 5)}`;
  return body + prescriptionCheckCharacter(body)!;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isLongFormId(id: string): boolean {
  return UUID.test(id);
}

/** A version-4 UUID from 16 random bytes (the caller supplies them: crypto.getRandomValues). */
export function longFormId(random16: Uint8Array): string {
  if (random16.length !== 16) throw new PrescriptionIdError('A UUID needs 16 random bytes.');
  const b = Uint8Array.from(random16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
