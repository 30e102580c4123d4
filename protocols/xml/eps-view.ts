// XML as EPS's coordinator sees it. EPS reads every message with xml-js in "compact" mode
// (xml2js {compact: true}) and writes it back with js2xml before canonicalising; that round trip,
// not the document's own bytes, is what its signature checks hash. What it changes (decision 0004):
//  - text that is only whitespace is dropped (indentation, line breaks between elements);
//  - comments and processing instructions are dropped;
//  - an element's children are grouped by name, in the order each name first appears
//    (<a/><b/><a/> becomes <a/><a/><b/>), and its texts are joined with "\n" in the first text's place;
//  - TAB and line breaks in attribute values become spaces.
// Pure: works on the DOM of parseXmlSafely and the element model of canonical.ts.
import { canonicalize, type XmlElement, type XmlNode } from './canonical';
import { excC14n, type DomNode } from './exc-c14n';
import { parseXmlSafely } from './parse';

const ELEMENT = 1,
  TEXT = 3,
  CDATA = 4;

interface EpsViewOptions {
  /** Element names without their prefix (EPS's readXmlStripNamespace, used for what Spine sends). */
  localNames?: boolean;
}

/** The element as EPS's compact model holds it, ready to write back (see the module comment). */
export function epsView(node: DomNode, opts: EpsViewOptions = {}): XmlElement {
  const attrs: Record<string, string> = {};
  for (let i = 0; i < (node.attributes?.length ?? 0); i++) {
    const a = node.attributes!.item(i)!;
    attrs[a.name] = a.value.replace(/[\t\f]+/g, ' ').replace(/\r?\n/g, ' ');
  }
  const groups = new Map<string, XmlNode[]>();
  const add = (key: string, n: XmlNode): void => {
    const g = groups.get(key);
    if (g) g.push(n);
    else groups.set(key, [n]);
  };
  for (let i = 0; i < node.childNodes.length; i++) {
    const c = node.childNodes.item(i)!;
    if (c.nodeType === ELEMENT) {
      const v = epsView(c, opts);
      add(`<${v.name}`, v);
    } else if (c.nodeType === TEXT || c.nodeType === CDATA) {
      const text = c.data ?? c.nodeValue ?? '';
      if (c.nodeType === TEXT && !text.trim()) continue;
      const key = c.nodeType === TEXT ? '#text' : '#cdata';
      const g = groups.get(key);
      if (g) g[0] = `${String(g[0])}\n${text}`;
      else groups.set(key, [text]);
    }
  }
  const children: XmlNode[] = [];
  for (const g of groups.values()) children.push(...g);
  return { name: opts.localNames ? localName(node) : node.nodeName, attrs, children };
}

export function localName(node: DomNode): string {
  return node.localName ?? node.nodeName.slice(node.nodeName.indexOf(':') + 1);
}

/** Child elements of a view element with this name. */
export function viewChildren(node: XmlElement, name: string): XmlElement[] {
  return (node.children ?? []).filter((c): c is XmlElement => typeof c !== 'string' && c.name === name);
}

/** The text of a view element (its own texts, not its descendants'). */
export function viewText(node: XmlElement | undefined): string {
  return (node?.children ?? []).filter((c): c is string => typeof c === 'string').join('');
}

/**
 * Whether canonical.ts alone writes this element's exclusive canonical form: no prefixes anywhere,
 * and every xmlns changes the default namespace it inherits (exc-c14n drops a redundant one).
 */
function plain(node: XmlElement, inherited: string): boolean {
  if (node.name.includes(':')) return false;
  let ns = inherited;
  for (const k of Object.keys(node.attrs ?? {})) {
    if (k.includes(':')) return false;
    if (k === 'xmlns') {
      if (node.attrs![k] === inherited) return false;
      ns = node.attrs![k]!;
    }
  }
  return (node.children ?? []).every((c) => typeof c === 'string' || plain(c, ns));
}

/**
 * The exclusive canonical form of a view element, as EPS makes it: written as XML, parsed again,
 * and canonicalised (so unused namespace declarations go, as exc-c14n says). Where no prefix or
 * redundant declaration is involved — SignedInfo, the HL7 fragments — writing it canonically is
 * the same text at half the cost (test/protocols/xml/eps-view.test.ts holds the two equal).
 */
export function epsCanonical(node: XmlElement): string {
  return plain(node, '') ? canonicalize(node) : epsCanonicalByParsing(node);
}

export function epsCanonicalByParsing(node: XmlElement): string {
  const doc = parseXmlSafely(canonicalize(node));
  return excC14n(doc.documentElement!);
}
