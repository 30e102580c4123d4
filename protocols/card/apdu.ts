// ISO/IEC 7816-4 command and response APDUs: encoding (short and extended forms), parsing on the
// card side (all four cases, both forms), command chaining (CLA bit 0x10) and response parsing.

export class ApduError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ApduError';
  }
}

export interface CommandApdu {
  cla: number;
  ins: number;
  p1: number;
  p2: number;
  /** Command data (Lc is its length); absent or empty means no data field. */
  data?: Uint8Array;
  /** Expected response length: 0 = as much as possible (256 short / 65536 extended); undefined = no Le. */
  le?: number;
}

export interface ResponseApdu {
  data: Uint8Array;
  sw1: number;
  sw2: number;
  /** SW1 << 8 | SW2 */
  sw: number;
}

const byte = (n: number, what: string): number => {
  if (!Number.isInteger(n) || n < 0 || n > 0xff) throw new ApduError(`${what} must be a byte`);
  return n;
};

/** Encodes a command APDU, choosing the extended form only when the data or Le needs it. */
export function encodeCommand(c: CommandApdu, opts: { extended?: boolean } = {}): Uint8Array {
  const head = [byte(c.cla, 'CLA'), byte(c.ins, 'INS'), byte(c.p1, 'P1'), byte(c.p2, 'P2')];
  const data = c.data ?? new Uint8Array(0);
  const le = c.le;
  if (data.length > 65535) throw new ApduError('command data longer than 65535 bytes');
  if (le !== undefined && (!Number.isInteger(le) || le < 0 || le > 65536)) throw new ApduError('Le out of range');
  const extended = opts.extended || data.length > 255 || (le !== undefined && le > 256);
  const out: number[] = [...head];
  if (!extended) {
    if (data.length) out.push(data.length, ...data);
    if (le !== undefined) out.push(le === 256 ? 0 : le);
    return Uint8Array.from(out);
  }
  if (data.length) {
    out.push(0, data.length >>> 8, data.length & 0xff, ...data);
    if (le !== undefined) out.push((le === 65536 ? 0 : le) >>> 8, le & 0xff);
  } else if (le !== undefined) {
    out.push(0, (le === 65536 ? 0 : le) >>> 8, le & 0xff);
  }
  return Uint8Array.from(out);
}

/** Card side: parses a command APDU of any ISO case, rejecting inconsistent lengths. */
export function parseCommand(b: Uint8Array): CommandApdu & { data: Uint8Array; extended: boolean } {
  if (b.length < 4) throw new ApduError('command shorter than 4 bytes');
  const [cla, ins, p1, p2] = [b[0]!, b[1]!, b[2]!, b[3]!];
  const empty = new Uint8Array(0);
  const rest = b.subarray(4);
  if (rest.length === 0) return { cla, ins, p1, p2, data: empty, extended: false }; // case 1
  if (rest.length === 1) return { cla, ins, p1, p2, data: empty, le: rest[0] || 256, extended: false }; // case 2S
  if (rest[0] !== 0) {
    const lc = rest[0]!;
    if (rest.length === 1 + lc) return { cla, ins, p1, p2, data: rest.subarray(1), extended: false }; // case 3S
    if (rest.length === 2 + lc)
      return { cla, ins, p1, p2, data: rest.subarray(1, 1 + lc), le: rest[1 + lc] || 256, extended: false }; // case 4S
    throw new ApduError('Lc does not match the command length');
  }
  // extended forms start with 00
  if (rest.length === 3)
    return { cla, ins, p1, p2, data: empty, le: (rest[1]! << 8) | rest[2]! || 65536, extended: true }; // case 2E
  if (rest.length < 3) throw new ApduError('truncated extended length');
  const lc = (rest[1]! << 8) | rest[2]!;
  if (lc === 0) throw new ApduError('extended Lc of zero');
  if (rest.length === 3 + lc) return { cla, ins, p1, p2, data: rest.subarray(3), extended: true }; // case 3E
  if (rest.length === 5 + lc)
    return {
      cla,
      ins,
      p1,
      p2,
      data: rest.subarray(3, 3 + lc),
      le: (rest[3 + lc]! << 8) | rest[4 + lc]! || 65536,
      extended: true,
    }; // case 4E
  throw new ApduError('extended Lc does not match the command length');
}

export function parseResponse(b: Uint8Array): ResponseApdu {
  if (b.length < 2) throw new ApduError('response shorter than the status word');
  const sw1 = b[b.length - 2]!,
    sw2 = b[b.length - 1]!;
  return { data: b.subarray(0, b.length - 2), sw1, sw2, sw: (sw1 << 8) | sw2 };
}

export function encodeResponse(data: Uint8Array, sw: number): Uint8Array {
  const out = new Uint8Array(data.length + 2);
  out.set(data);
  out[data.length] = sw >>> 8;
  out[data.length + 1] = sw & 0xff;
  return out;
}

/**
 * Splits a command whose data is longer than `chunk` into a chain: every part but the last has
 * CLA bit 0x10 set; only the last carries Le. Short commands come back as a single element.
 */
export function chainCommand(c: CommandApdu, chunk = 255): CommandApdu[] {
  const data = c.data ?? new Uint8Array(0);
  if (data.length <= chunk) return [c];
  const parts: CommandApdu[] = [];
  for (let at = 0; at < data.length; at += chunk) {
    const last = at + chunk >= data.length;
    const part: CommandApdu = {
      cla: last ? c.cla : c.cla | 0x10,
      ins: c.ins,
      p1: c.p1,
      p2: c.p2,
      data: data.subarray(at, at + chunk),
    };
    if (last && c.le !== undefined) part.le = c.le;
    parts.push(part);
  }
  return parts;
}

export const hex = (b: Uint8Array): string =>
  Array.from(b, (x) => x.toString(16).padStart(2, '0'))
    .join('')
    .toUpperCase();
export function fromHex(s: string): Uint8Array {
  const clean = s.replace(/\s+/g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(clean)) throw new ApduError('not hex');
  return Uint8Array.from(clean.match(/../g) ?? [], (h) => parseInt(h, 16));
}
