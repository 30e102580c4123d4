// PC/SC failures as a small closed set. The `smartcard` binding rejects with plain Errors whose
// message is pcsc-lite's description (GetPCSCErrorString), so classification goes by message.

type PcscFailure =
  'no-service' | 'no-readers' | 'unknown-reader' | 'no-card' | 'card-removed' | 'card-busy' | 'card-error';

export class PcscError extends Error {
  readonly kind: PcscFailure;
  constructor(kind: PcscFailure, message: string) {
    super(message);
    this.name = 'PcscError';
    this.kind = kind;
  }
}

const rules: Array<[RegExp, PcscFailure]> = [
  [/service (not running|stopped)|no_service|Context is not valid|Invalid handle/i, 'no-service'],
  [/No readers available/i, 'no-readers'],
  [/Unknown reader|Reader unavailable/i, 'unknown-reader'],
  [/No smart card present|Card is unpowered/i, 'no-card'],
  [/Card was removed|Card was reset/i, 'card-removed'],
  [/Sharing violation/i, 'card-busy'],
  [
    /Card is unresponsive|Communication error|Card is not supported|Transaction failed|Protocol mismatch|Invalid ATR|Operation timed out|Internal error/i,
    'card-error',
  ],
];

/** Turns whatever the binding threw into a PcscError. */
export function classifyPcscError(e: unknown): PcscError {
  if (e instanceof PcscError) return e;
  const message = e instanceof Error ? e.message : String(e);
  for (const [re, kind] of rules) if (re.test(message)) return new PcscError(kind, message);
  return new PcscError('card-error', message);
}
