// A small XML element model and its Exclusive XML Canonicalization (xml-exc-c14n, no comments).
// Scrip builds the signed HL7 fragments as these elements and writes them canonically itself, so
// the bytes it hashes are the bytes it shows — no trust in a server's encoding. Pure.

export interface XmlElement { name: string; attrs?: Record<string, string>; children?: XmlNode[] }
export type XmlNode = XmlElement | string;

export function el(name: string, attrs: Record<string, string | undefined> = {}, ...children: Array<XmlNode | XmlNode[] | null | undefined | false>): XmlElement {
  const a: Record<string, string> = {};
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) a[k] = v;
  return { name, attrs: a, children: children.flat().filter((c): c is XmlNode => c !== null && c !== undefined && c !== false) };
}

/** c14n text escaping: &, <, > and CR. */
export function c14nText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#xD;');
}

/** c14n attribute escaping: &, <, ", TAB, LF, CR. */
export function c14nAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;').replace(/\t/g, '&#x9;').replace(/\n/g, '&#xA;').replace(/\r/g, '&#xD;');
}

/**
 * Canonical form: start and end tags for every element (no <x/>), namespace declarations first,
 * then attributes in code-point order of their names (no prefixed attributes are used here).
 */
export function canonicalize(node: XmlNode): string {
  if (typeof node === 'string') return c14nText(node);
  const attrs = Object.entries(node.attrs ?? {});
  const ns = attrs.filter(([k]) => k === 'xmlns' || k.startsWith('xmlns:')).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const plain = attrs.filter(([k]) => !(k === 'xmlns' || k.startsWith('xmlns:'))).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const open = [...ns, ...plain].map(([k, v]) => ` ${k}="${c14nAttr(v)}"`).join('');
  return `<${node.name}${open}>${(node.children ?? []).map(canonicalize).join('')}</${node.name}>`;
}
