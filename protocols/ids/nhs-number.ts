// NHS numbers: 10 digits, the last a modulus 11 check digit (weights 10 … 2; 11 → 0; 10 → invalid).
export function nhsNumberCheckDigit(first9: string): number | null {
  if (!/^\d{9}$/.test(first9)) return null;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(first9[i]) * (10 - i);
  const check = 11 - (sum % 11);
  if (check === 11) return 0;
  if (check === 10) return null;
  return check;
}

export function isValidNhsNumber(s: string): boolean {
  const digits = s.replace(/\s+/g, '');
  if (!/^\d{10}$/.test(digits)) return false;
  return nhsNumberCheckDigit(digits.slice(0, 9)) === Number(digits[9]);
}

/** Why a partly typed NHS number is not valid yet, in words a person understands (null: valid). */
export function explainNhsNumber(s: string): string | null {
  const digits = s.replace(/\s+/g, '');
  if (!digits) return 'Enter an NHS number.';
  if (!/^\d+$/.test(digits)) return 'An NHS number has only digits.';
  if (digits.length !== 10) return `An NHS number has 10 digits; this has ${digits.length}.`;
  return isValidNhsNumber(digits)
    ? null
    : 'This is not a valid NHS number: check the digits (the last one is a check digit).';
}

/**
 * A valid NHS number from nine digits (for test data): the check digit appended, or null when these
 * nine digits have no valid check digit (modulus 11 gives 10).
 */
export function nhsNumberFrom(first9: string): string | null {
  const check = nhsNumberCheckDigit(first9);
  return check === null ? null : first9 + String(check);
}

/** A valid test NHS number (999 range, never issued to a real person) from a seed number. */
export function testNhsNumber(seed: number): string {
  for (let n = Math.abs(Math.trunc(seed)) % 1_000_000; ; n = (n + 1) % 1_000_000) {
    const made = nhsNumberFrom(`999${String(n).padStart(6, '0')}`);
    if (made) return made;
  }
}
