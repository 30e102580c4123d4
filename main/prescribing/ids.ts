// Prescription identifiers for this computer: the rules (short form with its MOD 37-2 check
// character, long form UUID) are protocols/ids/prescription-id.ts; this adds Node's randomness.
import { randomInt, randomUUID } from 'node:crypto';
import { shortFormId as shortFormIdFrom, prescriptionCheckCharacter } from '../../protocols/ids/prescription-id';

export { isValidShortFormId } from '../../protocols/ids/prescription-id';

export function checkCharacter(first17: string): string {
  const c = prescriptionCheckCharacter(first17);
  if (c === null) throw new Error(`"${first17}" cannot be the start of a prescription ID`);
  return c;
}

export function shortFormId(odsCode: string, sequence: number): string {
  return shortFormIdFrom(odsCode, sequence, randomInt(0, 0x1000000));
}

export function newLongFormId(): string {
  return randomUUID();
}
