// Streaming reader for the flat dm+d XML files. A record is any element whose children are text-only
// elements (its fields): <VMPS><VMP><VPID>…</VPID>…</VMP></VMPS> in most files, but VTM and ING
// sit straight under the root, so depth alone does not say what a record is. Reads chunk by
// chunk, so a 200 MB file never sits in memory.
import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';

export class DmdXmlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DmdXmlError';
  }
}

export interface XmlRecord {
  section: string;
  tag: string;
  fields: Record<string, string>;
}

/** Marks an element that holds records (a section or the root) rather than fields. */
const sectionMark: Record<string, string> = Object.freeze({}) as Record<string, string>;

const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
function decodeText(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (m, e: string) => {
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(parseInt(e.slice(1), 10));
    return entities[e] ?? m;
  });
}

/** Yields the root element name first (as { section: '', tag: root }) then each record. */
export async function* readXmlRecords(stream: Readable, fileName: string): AsyncGenerator<XmlRecord> {
  const decoder = new StringDecoder('utf8');
  interface Frame {
    name: string;
    fields: Record<string, string> | null;
  }
  const stack: Frame[] = [];
  let buf = '';
  let text = '';
  let rootSeen = false;
  const fail = (why: string): never => {
    throw new DmdXmlError(`${fileName}: malformed XML (${why})`);
  };
  const out: XmlRecord[] = [];
  /** A leaf becomes a field of its parent; an element whose children were all leaves is a record. */
  const closeElement = (f: Frame, value: string) => {
    const parent = stack[stack.length - 1];
    if (!parent) return;
    if (!f.fields) {
      if (parent.fields && parent.fields !== sectionMark) parent.fields[f.name] = value;
      return;
    }
    if (f.fields !== sectionMark) out.push({ section: parent.name, tag: f.name, fields: f.fields });
    parent.fields = sectionMark;
  };
  const handle = (final: boolean) => {
    let i = 0;
    for (;;) {
      const lt = buf.indexOf('<', i);
      if (lt < 0) {
        text += buf.slice(i);
        i = buf.length;
        break;
      }
      if (lt > i) text += buf.slice(i, lt);
      let end: number;
      if (buf.startsWith('<!--', lt)) {
        end = buf.indexOf('-->', lt + 4);
        if (end < 0) {
          i = lt;
          break;
        }
        i = end + 3;
        continue;
      }
      if (buf.startsWith('<![CDATA[', lt)) {
        end = buf.indexOf(']]>', lt + 9);
        if (end < 0) {
          i = lt;
          break;
        }
        text += buf
          .slice(lt + 9, end)
          .replace(/&/g, '&amp;')
          .replace(/</g, '&lt;');
        i = end + 3;
        continue;
      }
      end = buf.indexOf('>', lt + 1);
      if (end < 0) {
        i = lt;
        break;
      }
      const tag = buf.slice(lt + 1, end);
      i = end + 1;
      const c = tag.charCodeAt(0);
      if (c === 63 /* ? */ || c === 33 /* ! */) {
        text = '';
        continue;
      }
      if (c === 47 /* / */) {
        const name = tag.slice(1).trim();
        const open = stack.pop();
        if (open?.name !== name) fail(`</${name}> closes <${open?.name ?? 'nothing'}>`);
        closeElement(open!, decodeText(text.trim()));
        text = '';
        continue;
      }
      const selfClosing = tag.endsWith('/');
      const sp = tag.search(/[\s/]/);
      const name = sp < 0 ? tag : tag.slice(0, sp);
      if (!name) fail('empty tag');
      if (!rootSeen) {
        rootSeen = true;
        out.push({ section: '', tag: name, fields: {} });
      } else if (stack.length === 0) fail(`second root element <${name}>`);
      text = '';
      const parent = stack[stack.length - 1];
      // The parent has an element child, so it is not a field; it stays a record candidate.
      if (parent && !parent.fields) parent.fields = {};
      if (selfClosing) {
        closeElement({ name, fields: null }, '');
        continue;
      }
      stack.push({ name, fields: null });
    }
    buf = buf.slice(i);
    if (text.length > 1_000_000) fail('text too long');
    if (final) {
      if (buf.trim()) fail('unterminated markup at end of file');
      if (!rootSeen) fail('no root element');
      if (stack.length) fail(`end of file inside <${stack[stack.length - 1]!.name}>`);
    }
  };
  for await (const chunk of stream) {
    buf += typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer);
    handle(false);
    for (const r of out) yield r;
    out.length = 0;
  }
  buf += decoder.end();
  handle(true);
  for (const r of out) yield r;
}
