// ISO/IEC 7816-4 status words used by PIV (SP 800-73-4 Part 2 Table 6).
export const SW = {
  OK: 0x9000,
  /** 61xx: more data, fetch with GET RESPONSE (SW2 bytes, 00 = 256 or more). */
  MORE_DATA: 0x6100,
  WRONG_LE: 0x6c00,
  /** 63Cx: verification failed, x tries left. */
  RETRIES: 0x63c0,
  MEMORY_FAILURE: 0x6581,
  WRONG_LENGTH: 0x6700,
  CHAINING_NOT_SUPPORTED: 0x6884,
  LAST_COMMAND_EXPECTED: 0x6883,
  SECURITY_NOT_SATISFIED: 0x6982,
  AUTH_BLOCKED: 0x6983,
  CONDITIONS_NOT_SATISFIED: 0x6985,
  WRONG_DATA: 0x6a80,
  FUNCTION_NOT_SUPPORTED: 0x6a81,
  NOT_FOUND: 0x6a82,
  INCORRECT_P1P2: 0x6a86,
  REF_DATA_NOT_FOUND: 0x6a88,
  INS_NOT_SUPPORTED: 0x6d00,
  CLA_NOT_SUPPORTED: 0x6e00,
  UNKNOWN: 0x6f00,
} as const;

/** Tries left from a 63Cx status, or null when `sw` is not one. */
export function retriesFrom(sw: number): number | null {
  return (sw & 0xfff0) === SW.RETRIES ? sw & 0x0f : null;
}
