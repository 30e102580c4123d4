// Exclusive XML Canonicalization 1.0 without comments (http://www.w3.org/2001/10/xml-exc-c14n#)
// over the standard DOM Node interface, so the same code canonicalises documents built with
// xmlbuilder2 and documents parsed with @xmldom/xmldom. Pure: only the DOM shape below is used
// (the project's tsconfig has no DOM lib, so the shape is declared here structurally).

interface DomAttr {
  name: string;
  value: string;
  prefix?: string | null;
  localName?: string | null;
  namespaceURI?: string | null;
}
interface DomNamedNodeMap {
  readonly length: number;
  item(i: number): DomAttr | null;
}
interface DomNodeList {
  readonly length: number;
  item(i: number): DomNode | null;
}
export interface DomNode {
  nodeType: number;
  nodeName: string;
  nodeValue?: string | null;
  data?: string;
  prefix?: string | null;
  localName?: string | null;
  namespaceURI?: string | null;
  attributes?: DomNamedNodeMap | null;
  childNodes: DomNodeList;
  documentElement?: DomNode | null;
}

const ELEMENT = 1,
  TEXT = 3,
  CDATA = 4,
  PI = 7,
  COMMENT = 8,
  DOCUMENT = 9,
  FRAGMENT = 11;
const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';
const XML_NS = 'http://www.w3.org/XML/1998/namespace';

class C14nError extends Error {}

/** c14n text escaping: &, <, > and CR. */
function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#xD;');
}

/** c14n attribute escaping: &, <, ", TAB, LF, CR. */
function escapeAttr(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/"/g, '&quot;')
    .replace(/\t/g, '&#x9;')
    .replace(/\n/g, '&#xA;')
    .replace(/\r/g, '&#xD;');
}

// Code-point order (c14n sorts by UCS code point, not by locale).
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

interface ExcC14nOptions {
  /** InclusiveNamespaces PrefixList: prefixes rendered as in inclusive c14n ('#default' for the default namespace). */
  inclusivePrefixes?: readonly string[];
}

function attrsOf(node: DomNode): DomAttr[] {
  const out: DomAttr[] = [];
  const list = node.attributes;
  if (!list) return out;
  for (let i = 0; i < list.length; i++) {
    const a = list.item(i);
    if (a) out.push(a);
  }
  return out;
}

function childrenOf(node: DomNode): DomNode[] {
  const out: DomNode[] = [];
  for (let i = 0; i < node.childNodes.length; i++) {
    const c = node.childNodes.item(i);
    if (c) out.push(c);
  }
  return out;
}

const isNsDecl = (a: DomAttr): boolean =>
  a.namespaceURI === XMLNS_NS || a.name === 'xmlns' || a.name.startsWith('xmlns:');
const declPrefix = (a: DomAttr): string => (a.name === 'xmlns' ? '' : a.name.slice(6));
const prefixOf = (n: { prefix?: string | null; name?: string; nodeName?: string }): string => {
  if (n.prefix) return n.prefix;
  const qn = n.name ?? n.nodeName ?? '';
  const i = qn.indexOf(':');
  return i > 0 ? qn.slice(0, i) : '';
};

/** In-scope namespace declarations of an element, from its own and its ancestors' xmlns attributes. */
type Scope = ReadonlyMap<string, string>;

function extendScope(scope: Scope, el: DomNode): Map<string, string> {
  const next = new Map(scope);
  for (const a of attrsOf(el)) if (isNsDecl(a)) next.set(declPrefix(a), a.value);
  // A DOM built by API (xmlbuilder2) may carry the namespace on the node without an xmlns attribute.
  const p = prefixOf(el);
  // The node's own namespace is the truth for its prefix (an unprefixed node's is the default).
  if (!p) next.set('', el.namespaceURI ?? '');
  else if (el.namespaceURI) next.set(p, el.namespaceURI);
  return next;
}

function renderElement(
  el: DomNode,
  scope: Scope,
  rendered: ReadonlyMap<string, string>,
  opts: ExcC14nOptions,
  out: string[],
): void {
  const inScope = extendScope(scope, el);
  const attrs = attrsOf(el).filter((a) => !isNsDecl(a));
  // Visibly utilised prefixes: the element's own and those of its attributes (xml: never needs declaring).
  const used = new Set<string>([prefixOf(el)]);
  for (const a of attrs) {
    const p = prefixOf(a);
    if (p && p !== 'xml') used.add(p);
  }
  for (const p of opts.inclusivePrefixes ?? []) {
    const key = p === '#default' ? '' : p;
    if (inScope.has(key)) used.add(key);
  }
  const nextRendered = new Map(rendered);
  const decls: Array<[string, string]> = [];
  for (const p of used) {
    const uri = inScope.get(p) ?? (p === '' ? '' : undefined);
    if (uri === undefined) throw new C14nError(`The prefix "${p}" is not declared.`);
    const already = rendered.get(p) ?? (p === '' ? '' : undefined);
    if (already === uri) continue;
    decls.push([p, uri]);
    nextRendered.set(p, uri);
  }
  decls.sort(([a], [b]) => cmp(a, b));
  const nsOf = (a: DomAttr): string => {
    const p = prefixOf(a);
    return !p ? '' : p === 'xml' ? XML_NS : (a.namespaceURI ?? inScope.get(p) ?? '');
  };
  const local = (a: DomAttr): string =>
    a.localName ?? (a.name.includes(':') ? a.name.slice(a.name.indexOf(':') + 1) : a.name);
  attrs.sort((a, b) => cmp(nsOf(a), nsOf(b)) || cmp(local(a), local(b)));
  out.push('<', el.nodeName);
  for (const [p, uri] of decls) out.push(p ? ` xmlns:${p}="` : ' xmlns="', escapeAttr(uri), '"');
  for (const a of attrs) out.push(' ', a.name, '="', escapeAttr(a.value), '"');
  out.push('>');
  for (const c of childrenOf(el)) renderNode(c, inScope, nextRendered, opts, out);
  out.push('</', el.nodeName, '>');
}

function renderNode(
  node: DomNode,
  scope: Scope,
  rendered: ReadonlyMap<string, string>,
  opts: ExcC14nOptions,
  out: string[],
): void {
  switch (node.nodeType) {
    case ELEMENT:
      renderElement(node, scope, rendered, opts, out);
      break;
    case TEXT:
    case CDATA:
      out.push(escapeText(node.data ?? node.nodeValue ?? ''));
      break;
    case PI:
      out.push('<?', node.nodeName, node.data ? ` ${node.data}` : '', '?>');
      break;
    case COMMENT:
      break;
    case FRAGMENT:
      for (const c of childrenOf(node)) renderNode(c, scope, rendered, opts, out);
      break;
    default:
      break; // doctype and others are not part of the canonical form
  }
}

/** Ancestors' namespace declarations: an apex element keeps the namespaces it inherits. */
function inheritedScope(node: DomNode): Map<string, string> {
  const chain: DomNode[] = [];
  for (
    let p = (node as { parentNode?: DomNode | null }).parentNode;
    p && p.nodeType === ELEMENT;
    p = (p as { parentNode?: DomNode | null }).parentNode
  )
    chain.unshift(p);
  const scope = new Map<string, string>();
  for (const a of chain) {
    for (const at of attrsOf(a)) if (isNsDecl(at)) scope.set(declPrefix(at), at.value);
  }
  return scope;
}

/**
 * The exclusive canonical form (UTF-8 string) of a document, element (as the apex of a document
 * subset, with its ancestors' namespaces in scope) or fragment.
 */
export function excC14n(node: DomNode, opts: ExcC14nOptions = {}): string {
  const out: string[] = [];
  if (node.nodeType === DOCUMENT) {
    const kids = childrenOf(node).filter((c) => c.nodeType === ELEMENT || c.nodeType === PI);
    const rootIndex = kids.findIndex((c) => c.nodeType === ELEMENT);
    kids.forEach((c, i) => {
      if (c.nodeType === PI && i > rootIndex && rootIndex >= 0) out.push('\n');
      renderNode(c, new Map(), new Map(), opts, out);
      if (c.nodeType === PI && i < rootIndex) out.push('\n');
    });
    return out.join('');
  }
  renderNode(node, inheritedScope(node), new Map(), opts, out);
  return out.join('');
}
