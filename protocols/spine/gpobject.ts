// The security broker's gpOBJECT/gpPARAM XML (the Gemplus-era format the NHS Identity Agent and
// the Spine Security Broker exchange; docs/domain/spine-identity.md §2). Pure.
//
// Parsing is deliberately not a general XML parser: the format is flat, and the DOCTYPE it carries
// names an external DTD that must never be fetched or expanded. The DOCTYPE is skipped as text;
// entity declarations, CDATA and processing instructions other than the XML declaration are refused.

export interface GpParam {
  name: string;
  value: string;
  attrs: Record<string, string>;
}

export class GpObjectError extends Error {}

const MAX_BYTES = 256 * 1024;

// XML 1.0's Char production: what a well-formed document may hold, written or referenced. Outside it
// (NUL, ESC and other C0 controls, lone surrogates, U+FFFE/U+FFFF) a value could not be echoed
// without making the answer ill-formed, so the document is refused.
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const isXmlChar = (code: number): boolean =>
  code === 0x9 ||
  code === 0xa ||
  code === 0xd ||
  (code >= 0x20 && code <= 0xd7ff) ||
  (code >= 0xe000 && code <= 0xfffd) ||
  (code >= 0x10000 && code <= 0x10ffff);

export function escapeXml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function unescapeXml(s: string): string {
  if (/&(?!(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);)/.test(s)) throw new GpObjectError('unknown entity');
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (_m, e: string) => {
    if (e === 'amp') return '&';
    if (e === 'lt') return '<';
    if (e === 'gt') return '>';
    if (e === 'quot') return '"';
    if (e === 'apos') return "'";
    const code = e.startsWith('#x') ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    if (!Number.isFinite(code) || !isXmlChar(code))
      throw new GpObjectError(`character reference ${e.slice(0, 10)} is not a character XML allows`);
    return String.fromCodePoint(code);
  });
}

/** Serialises params as a gpOBJECT document with the conventional DOCTYPE line. */
export function encodeGpObject(
  params: ReadonlyArray<{ name: string; value: string; attrs?: Record<string, string> }>,
  doctype = 'gpOBJECT.DTD',
): string {
  const lines = params.map((p) => {
    const attrs = Object.entries(p.attrs ?? {})
      .map(([k, v]) => ` ${k}="${escapeXml(v)}"`)
      .join('');
    return `<gpPARAM name="${escapeXml(p.name)}"${attrs}>${escapeXml(p.value)}</gpPARAM>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE USER SYSTEM "${escapeXml(doctype)}">\n<gpOBJECT>\n${lines.join('\n')}\n</gpOBJECT>\n`;
}

function parseAttrs(s: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  const re = /\s+([A-Za-z_][\w.-]*)\s*=\s*("([^"<]*)"|'([^'<]*)')/y;
  let i = 0;
  while (i < s.length) {
    if (/^\s*$/.test(s.slice(i))) break;
    re.lastIndex = i;
    const m = re.exec(s);
    if (!m) throw new GpObjectError('malformed attributes');
    attrs[m[1]!] = unescapeXml(m[3] ?? m[4] ?? '');
    i = re.lastIndex;
  }
  return attrs;
}

/** Parses a gpOBJECT document into its params, in order. Throws GpObjectError on anything else. */
export function parseGpObject(xml: string): GpParam[] {
  if (xml.length > MAX_BYTES) throw new GpObjectError('document too large');
  if (NOT_XML_CHAR.test(xml))
    throw new GpObjectError(
      'the document holds a character XML does not allow (a control character or a lone surrogate)',
    );
  let s = xml.replace(/^\uFEFF/, '');
  s = s.replace(/^\s*<\?xml[^?]*\?>/, '');
  if (/<!ENTITY|<!\[CDATA\[|<\?/.test(s))
    throw new GpObjectError('entity declarations, CDATA and processing instructions are not allowed');
  // The DOCTYPE names an external DTD: skip it without reading it (no internal subset allowed).
  s = s.replace(
    /^\s*<!DOCTYPE\s+[A-Za-z_][\w.-]*\s+(SYSTEM|PUBLIC)\s+("[^"]*"|'[^']*')(\s+("[^"]*"|'[^']*'))?\s*>/,
    '',
  );
  if (/<!DOCTYPE/.test(s)) throw new GpObjectError('unsupported DOCTYPE');
  const body = /^\s*<gpOBJECT\s*>([\s\S]*)<\/gpOBJECT>\s*$/.exec(s);
  if (!body) throw new GpObjectError('not a gpOBJECT document');
  const params: GpParam[] = [];
  const re = /\s*<gpPARAM((?:\s+[A-Za-z_][\w.-]*\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(?:\/>|>([^<]*)<\/gpPARAM>)/y;
  let i = 0;
  const inner = body[1]!;
  while (i < inner.length) {
    if (/^\s*$/.test(inner.slice(i))) break;
    re.lastIndex = i;
    const m = re.exec(inner);
    if (!m) throw new GpObjectError('malformed gpPARAM');
    const attrs = parseAttrs(m[1] ?? '');
    const name = attrs.name;
    if (!name) throw new GpObjectError('gpPARAM without a name');
    delete attrs.name;
    params.push({ name, value: unescapeXml(m[2] ?? ''), attrs });
    i = re.lastIndex;
    if (params.length > 1000) throw new GpObjectError('too many params');
  }
  return params;
}

/** The first value of a named param, or undefined. */
export function gpValue(params: readonly GpParam[], name: string): string | undefined {
  return params.find((p) => p.name === name)?.value;
}
