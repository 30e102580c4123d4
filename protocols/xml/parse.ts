// Parsing untrusted XML (e.g. a Provenance Signature) safely: no DTD, so no entity expansion and
// no external entities; bounded size; any well-formedness error is fatal. Pure JS (@xmldom/xmldom).
import { DOMParser } from '@xmldom/xmldom';
import type { DomNode } from './exc-c14n';

export class XmlParseError extends Error {}

const MAX_XML_BYTES = 1_000_000;

export function parseXmlSafely(text: string, maxBytes = MAX_XML_BYTES): DomNode {
  if (text.length > maxBytes) throw new XmlParseError(`The XML is larger than ${maxBytes} characters.`);
  // Refuse any DTD outright: DOCTYPE/ENTITY are how entity-expansion and XXE attacks start.
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw new XmlParseError('The XML has a DOCTYPE, which is not allowed.');
  const parser = new DOMParser({
    onError: (level, message) => {
      if (level !== 'warning') throw new XmlParseError(`The XML is not well formed: ${message}`);
    },
  });
  try {
    const doc = parser.parseFromString(text, 'text/xml') as unknown as DomNode;
    if (!doc.documentElement) throw new XmlParseError('The XML has no root element.');
    return doc;
  } catch (e) {
    if (e instanceof XmlParseError) throw e;
    throw new XmlParseError(`The XML is not well formed: ${(e as Error).message}`);
  }
}

/** Child elements of `node` with this local name (any namespace). */
export function childElements(node: DomNode, localName?: string): DomNode[] {
  const out: DomNode[] = [];
  for (let i = 0; i < node.childNodes.length; i++) {
    const c = node.childNodes.item(i);
    if (c && c.nodeType === 1 && (localName === undefined || (c.localName ?? c.nodeName) === localName)) out.push(c);
  }
  return out;
}
