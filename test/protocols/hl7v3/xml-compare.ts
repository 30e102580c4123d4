// Shared by the $convert tests: the public example pairs, and a semantic comparison of two XML
// element trees (names, namespaces, attributes, text; indentation aside; PER_CALL values set aside).
import { readdirSync, existsSync } from 'node:fs';
import { join, dirname, basename } from 'node:path';
import type { DomNode } from '../../../protocols/xml/exc-c14n';
import { epsExamples } from '../../support/fixtures';

export const EXAMPLES = epsExamples;

/** What EPS generates per call: the clock at the moment of the request. Nothing else is ignored. */
export const PER_CALL = [
  '/PORX_IN020101SM31/creationTime/@value',
  '/PORX_IN030101SM32/creationTime/@value',
  '/PORX_IN030101SM32/ControlActEvent/subject/CancellationRequest/effectiveTime/@value',
];

export function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? walk(join(dir, d.name)) : [join(dir, d.name)],
  );
}

/** Each Convert-Response with the request it answers (same folder, same number, Send ↔ Process-Request-Send). */
export function examplePairs(): Array<{ name: string; request: string; response: string }> {
  return walk(EXAMPLES)
    .filter((f) => /-Convert-Response-(Send|Cancel)-200_OK\.xml$/.test(f))
    .sort()
    .flatMap((response) => {
      const [, n, kind] = /^(\d+)-Convert-Response-(Send|Cancel)-/.exec(basename(response))!;
      const request = join(dirname(response), `${n}-Process-Request-${kind}-200_OK.json`);
      return existsSync(request) ? [{ name: response.slice(EXAMPLES.length + 1), request, response }] : [];
    });
}

const local = (n: DomNode) => n.localName ?? n.nodeName;

/** The first difference between two element trees, or null. Whitespace-only text is indentation. */
export function firstDifference(a: DomNode, b: DomNode, path = ''): string | null {
  const here = `${path}/${local(a)}`;
  if (local(a) !== local(b) || (a.namespaceURI ?? null) !== (b.namespaceURI ?? null))
    return `${here}: element {${a.namespaceURI}}${local(a)} ≠ {${b.namespaceURI}}${local(b)}`;
  const attrs = (n: DomNode) => {
    const m = new Map<string, string>();
    for (let i = 0; i < (n.attributes?.length ?? 0); i++) {
      const at = n.attributes!.item(i)!;
      if (at.name === 'xmlns' || at.name.startsWith('xmlns:')) continue; // compared as element namespaces
      m.set(at.name, PER_CALL.includes(`${here}/@${at.name}`) ? '(per call)' : at.value);
    }
    return m;
  };
  const [aa, ba] = [attrs(a), attrs(b)];
  for (const k of new Set([...aa.keys(), ...ba.keys()]))
    if (aa.get(k) !== ba.get(k)) return `${here}/@${k}: ${JSON.stringify(aa.get(k))} ≠ ${JSON.stringify(ba.get(k))}`;
  const kids = (n: DomNode) => {
    const out: Array<DomNode | string> = [];
    for (let i = 0; i < n.childNodes.length; i++) {
      const c = n.childNodes.item(i)!;
      if (c.nodeType === 1) out.push(c);
      else if ((c.nodeType === 3 || c.nodeType === 4) && (c.data ?? '').trim()) out.push(c.data ?? '');
    }
    return out;
  };
  const [ak, bk] = [kids(a), kids(b)];
  for (let i = 0; i < Math.max(ak.length, bk.length); i++) {
    const x = ak[i],
      y = bk[i];
    if (x === undefined || y === undefined)
      return `${here}: child ${i + 1}: ${x === undefined ? 'missing' : typeof x === 'string' ? JSON.stringify(x) : local(x)} ≠ ${y === undefined ? 'missing' : typeof y === 'string' ? JSON.stringify(y) : local(y)}`;
    if (typeof x === 'string' || typeof y === 'string') {
      if (x !== y)
        return `${here}: text ${JSON.stringify(typeof x === 'string' ? x : local(x))} ≠ ${JSON.stringify(typeof y === 'string' ? y : local(y))}`;
      continue;
    }
    const d = firstDifference(x, y, here);
    if (d) return d;
  }
  return null;
}
