// A small XML element model and its Exclusive XML Canonicalization (xml-exc-c14n, no comments).
// Scrip builds the signed HL7 fragments as these elements and writes them canonically itself, so
// the bytes it hashes are the bytes it shows — no trust in a server's encoding. Pure.

export interface XmlElement {
  name: string;
  attrs?: Record<string, string>;
  children?: XmlNode[];
}
export type XmlNode = XmlElement | string;

export function el(
  name: string,
  attrs: Record<string, string | undefined> = {},
  ...children: Array<XmlNode | XmlNode[] | null | undefined | false>
): XmlElement {
  // Plain loops: a prescription's fragments are a few hundred elements, built on every $prepare.
  const a: Record<string, string> = {};
  for (const k of Object.keys(attrs)) {
    const v = attrs[k];
    if (v !== undefined) a[k] = v;
  }
  const kids: XmlNode[] = [];
  for (const c of children) {
    if (Array.isArray(c)) {
      for (const x of c) if (x !== null && x !== undefined && (x as unknown) !== false) kids.push(x);
    } else if (c !== null && c !== undefined && c !== false) kids.push(c);
  }
  return { name, attrs: a, children: kids };
}

// Most texts and attribute values need no escaping: one test, then the replacements only if needed.
const TEXT_SPECIAL = /[&<>\r]/;
const ATTR_SPECIAL = /[&<"\t\n\r]/;

/** c14n text escaping: &, <, > and CR. */
function c14nText(s: string): string {
  if (!TEXT_SPECIAL.test(s)) return s;
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#xD;');
}

/** c14n attribute escaping: &, <, ", TAB, LF, CR. */
function c14nAttr(s: string): string {
  if (!ATTR_SPECIAL.test(s)) return s;
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/"/g, '&quot;')
    .replace(/\t/g, '&#x9;')
    .replace(/\n/g, '&#xA;')
    .replace(/\r/g, '&#xD;');
}

const isNamespace = (k: string): boolean => k === 'xmlns' || k.startsWith('xmlns:');
/** Namespace declarations first, then the rest, each in code-point order of their names. */
const attrOrder = (a: string, b: string): number => {
  const na = isNamespace(a),
    nb = isNamespace(b);
  if (na !== nb) return na ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
};

/**
 * Canonical form: start and end tags for every element (no <x/>), namespace declarations first,
 * then attributes in code-point order of their names (no prefixed attributes are used here).
 */
export function canonicalize(node: XmlNode): string {
  if (typeof node === 'string') return c14nText(node);
  let out = `<${node.name}`;
  const attrs = node.attrs;
  if (attrs) {
    const keys = Object.keys(attrs);
    if (keys.length > 1) keys.sort(attrOrder);
    for (const k of keys) out += ` ${k}="${c14nAttr(attrs[k]!)}"`;
  }
  out += '>';
  if (node.children) for (const c of node.children) out += canonicalize(c);
  return `${out}</${node.name}>`;
}
