// Strict BER-TLV (ISO/IEC 7816-4 §5.2, as used by PIV): parses untrusted bytes from a card or a
// host and rejects anything malformed with a TlvError; it never reads past the input or recurses
// without bound. Indefinite lengths, lengths over 4 bytes and tags over 3 bytes are refused.

export class TlvError extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(`${message} at offset ${offset}`);
    this.name = 'TlvError';
    this.offset = offset;
  }
}

interface Tlv {
  /** The tag bytes as a big-endian number, e.g. 0x5FC105, 0x7C, 0x53. */
  tag: number;
  constructed: boolean;
  value: Uint8Array;
  /** Parsed children when `constructed` and parsed with `nested`; else empty. */
  children: Tlv[];
}

interface ParseOptions {
  /** Maximum nesting (default 16). */
  maxDepth?: number;
  /**
   * Parse constructed values into children (default false). PIV's simple-TLV style tags such as
   * 0x71 CertInfo carry the constructed bit over plain bytes, so callers descend on purpose.
   */
  nested?: boolean;
}

interface Head {
  tag: number;
  constructed: boolean;
  length: number;
  headerLength: number;
}

function readHead(b: Uint8Array, at: number): Head {
  let i = at;
  const first = b[i++];
  if (first === undefined) throw new TlvError('missing tag', at);
  if (first === 0x00 || first === 0xff) throw new TlvError('padding byte where a tag was expected', at);
  let tag = first;
  if ((first & 0x1f) === 0x1f) {
    // subsequent tag bytes: bit 8 set means another follows; at most 2 more
    for (let n = 0; ; n++) {
      const next = b[i++];
      if (next === undefined) throw new TlvError('truncated tag', at);
      if (n === 0 && next === 0x80) throw new TlvError('non-minimal tag', at);
      tag = tag * 256 + next;
      if ((next & 0x80) === 0) break;
      if (n >= 1) throw new TlvError('tag longer than 3 bytes', at);
    }
  }
  const l0 = b[i++];
  if (l0 === undefined) throw new TlvError('missing length', at);
  let length: number;
  if (l0 < 0x80) length = l0;
  else if (l0 === 0x80) throw new TlvError('indefinite length', at);
  else {
    const n = l0 & 0x7f;
    if (n > 4) throw new TlvError('length field longer than 4 bytes', at);
    length = 0;
    for (let k = 0; k < n; k++) {
      const v = b[i++];
      if (v === undefined) throw new TlvError('truncated length', at);
      length = length * 256 + v;
    }
  }
  if (length > b.length - i) throw new TlvError(`length ${length} runs past the end`, at);
  return { tag, constructed: (first & 0x20) !== 0, length, headerLength: i - at };
}

function parseRange(b: Uint8Array, depth: number, opts: Required<ParseOptions>): Tlv[] {
  if (depth > opts.maxDepth) throw new TlvError('nesting too deep', 0);
  const out: Tlv[] = [];
  let at = 0;
  while (at < b.length) {
    const h = readHead(b, at);
    const start = at + h.headerLength;
    const value = b.subarray(start, start + h.length);
    let children: Tlv[] = [];
    if (h.constructed && opts.nested) {
      try {
        children = parseRange(value, depth + 1, opts);
      } catch (e) {
        if (e instanceof TlvError) throw new TlvError(e.message.replace(/ at offset \d+$/, ''), start + e.offset);
        throw e;
      }
    }
    out.push({ tag: h.tag, constructed: h.constructed, value, children });
    at = start + h.length;
  }
  return out;
}

/** Parses a sequence of TLV objects that must fill `bytes` exactly. */
export function parseTlvs(bytes: Uint8Array, opts: ParseOptions = {}): Tlv[] {
  return parseRange(bytes, 0, { maxDepth: opts.maxDepth ?? 16, nested: opts.nested ?? false });
}

/** Parses exactly one TLV object filling `bytes`. */
export function parseTlv(bytes: Uint8Array, opts: ParseOptions = {}): Tlv {
  const all = parseTlvs(bytes, opts);
  if (all.length !== 1) throw new TlvError(all.length === 0 ? 'empty input' : 'trailing data after the object', 0);
  return all[0]!;
}

/** Parses one TLV at the start of `bytes` and returns it with the number of bytes it used. */
export function parseFirstTlv(bytes: Uint8Array, opts: ParseOptions = {}): { tlv: Tlv; used: number } {
  const h = readHead(bytes, 0);
  const used = h.headerLength + h.length;
  return { tlv: parseTlv(bytes.subarray(0, used), opts), used };
}

/** The first child (or top-level object) with `tag`, if any. */
export function findTag(list: Tlv[], tag: number): Tlv | undefined {
  return list.find((t) => t.tag === tag);
}

export function tagBytes(tag: number): Uint8Array {
  if (!Number.isInteger(tag) || tag <= 0 || tag > 0xffffff) throw new RangeError(`bad tag ${tag}`);
  if (tag > 0xffff) return Uint8Array.of(tag >>> 16, (tag >>> 8) & 0xff, tag & 0xff);
  if (tag > 0xff) return Uint8Array.of(tag >>> 8, tag & 0xff);
  return Uint8Array.of(tag);
}

/** DER-style minimal length encoding. */
export function lengthBytes(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`bad length ${n}`);
  if (n < 0x80) return Uint8Array.of(n);
  if (n <= 0xff) return Uint8Array.of(0x81, n);
  if (n <= 0xffff) return Uint8Array.of(0x82, n >>> 8, n & 0xff);
  if (n <= 0xffffff) return Uint8Array.of(0x83, n >>> 16, (n >>> 8) & 0xff, n & 0xff);
  return Uint8Array.of(0x84, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Encodes one TLV; `value` may be bytes or already-encoded children to concatenate. */
export function tlv(tag: number, ...value: Uint8Array[]): Uint8Array {
  const v = value.length === 1 ? value[0]! : concat(...value);
  return concat(tagBytes(tag), lengthBytes(v.length), v);
}
