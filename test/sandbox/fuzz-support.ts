// Helpers for the sandbox fuzz suite: a seeded random source, input mutators (bytes, JSON types,
// nesting, hostile XML), an HTTPS client that sends what Node's own client allows (duplicated
// headers, any body, fresh connections) and a raw TLS client for what it does not.
import { Agent, request } from 'node:https';
import { connect } from 'node:tls';

/** mulberry32: a small, fast, seeded generator, so every run sends the same requests. */
export function seeded(seed: number) {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  return {
    next,
    int,
    pick: <T>(xs: readonly T[]): T => xs[int(xs.length)]!,
    bytes: (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => int(256))),
  };
}
export type Rng = ReturnType<typeof seeded>;

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTPS request. Header values may be arrays (sent as repeated lines). A response that arrives
 * before the server stops reading (413) counts even if the upload then fails. */
export function send(
  baseUrl: string,
  ca: string,
  path: string,
  init: {
    method?: string;
    headers?: Record<string, string | string[]>;
    body?: Buffer | string;
    agent?: Agent | false;
    chunked?: boolean;
  } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const req = request(
      new URL(path, baseUrl),
      { method: init.method ?? 'GET', ca, headers: init.headers ?? {}, agent: init.agent ?? false },
      (res) => {
        const chunks: Buffer[] = [];
        const done = () => {
          if (!settled) {
            settled = true;
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString('utf8'),
            });
          }
        };
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', done);
        res.on('close', done);
        res.on('error', done);
      },
    );
    req.on('error', (e) => {
      if (!settled) {
        settled = true;
        reject(e);
      }
    });
    if (init.body !== undefined && init.chunked) {
      // Without Content-Length: the server learns the size only by reading.
      const body = Buffer.from(init.body);
      let i = 0;
      const pump = (): void => {
        while (i < body.length) {
          const ok = req.write(body.subarray(i, i + 65536));
          i += 65536;
          if (!ok) {
            req.once('drain', pump);
            return;
          }
        }
        req.end();
      };
      pump();
    } else {
      req.end(init.body);
    }
  });
}

/** Bytes straight onto a TLS connection (for requests Node's client refuses to make); what came back. */
export function sendRaw(host: string, port: number, ca: string, raw: Buffer | string, waitMs = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, ca, servername: 'localhost' }, () => socket.end(raw));
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), waitMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.on('error', (e) => {
      if (!chunks.length) {
        clearTimeout(timer);
        reject(e);
      }
    });
  });
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** A value of a type the field probably does not expect. */
function wrongValue(r: Rng): Json {
  return r.pick<() => Json>([
    () => null,
    () => 0,
    () => -1,
    () => 1e308,
    () => 3.5,
    () => true,
    () => '',
    () => 'x'.repeat(r.pick([10, 5000, 200_000])),
    () => [],
    () => ({}),
    () => [null, 1, 'a'],
    () => ({ resourceType: 'Bundle' }),
    () => '\u0000\uffff\ud800',
    () => '<x>&amp;</x>',
    () => ({ reference: 'urn:uuid:nope' }),
    () => [[[[[]]]]],
    () => ({ __proto__: { polluted: true } }) as unknown as Json,
  ])();
}

/** Replaces, removes or retypes one node somewhere in a JSON document. */
export function mutateJson(doc: Json, r: Rng): Json {
  const copy = JSON.parse(JSON.stringify(doc)) as Json;
  const containers: Array<{ parent: Json[] | { [k: string]: Json }; key: string | number }> = [];
  const walk = (v: Json, depth: number): void => {
    if (depth > 12 || containers.length > 5000 || v === null || typeof v !== 'object') return;
    if (Array.isArray(v))
      v.forEach((x, i) => {
        containers.push({ parent: v, key: i });
        walk(x, depth + 1);
      });
    else
      for (const [k, x] of Object.entries(v)) {
        containers.push({ parent: v, key: k });
        walk(x, depth + 1);
      }
  };
  walk(copy, 0);
  if (!containers.length) return wrongValue(r);
  for (let n = 1 + r.int(3); n > 0; n--) {
    const { parent, key } = r.pick(containers);
    const action = r.int(4);
    if (action === 0 && !Array.isArray(parent)) delete (parent as Record<string, Json>)[key as string];
    else (parent as Record<string | number, Json>)[key] = wrongValue(r);
  }
  return copy;
}

/** Deeply nested JSON of several shapes (closed, so it parses; or left open). */
export function deepJson(r: Rng): string {
  const n = r.pick([500, 5000, 100_000]);
  return r.pick<() => string>([
    () => '['.repeat(n) + ']'.repeat(n),
    () => '{"a":'.repeat(n) + 'null' + '}'.repeat(n),
    () => '{"resourceType":"Bundle","type":"message","entry":' + '['.repeat(n) + ']'.repeat(n) + '}',
    () => '['.repeat(n),
  ])();
}

/** Bytes of `base` with a few changed, inserted or removed. */
export function mutateBytes(base: Buffer, r: Rng): Buffer {
  const out = Array.from(base);
  for (let n = 1 + r.int(8); n > 0 && out.length; n--) {
    const i = r.int(out.length);
    const k = r.int(3);
    if (k === 0) out[i] = r.int(256);
    else if (k === 1) out.splice(i, 0, ...r.bytes(1 + r.int(4)));
    else out.splice(i, 1 + r.int(4));
  }
  return Buffer.from(out);
}

/** Hostile XML: DTDs with internal and external entities (one naming `markerFile`), and broken markup. */
export function hostileXml(r: Rng, markerFile: string): string {
  const fileUrl = `file://${markerFile}`;
  return r.pick([
    `<?xml version="1.0"?><!DOCTYPE gpOBJECT [<!ENTITY xxe SYSTEM "${fileUrl}">]><gpOBJECT><gpPARAM name="service">&xxe;</gpPARAM></gpOBJECT>`,
    `<?xml version="1.0"?><!DOCTYPE gpOBJECT SYSTEM "${fileUrl}"><gpOBJECT><gpPARAM name="service">ACTIVATION</gpPARAM></gpOBJECT>`,
    `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY % p SYSTEM "${fileUrl}"> %p;]><gpOBJECT/>`,
    `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><gpOBJECT><gpPARAM name="service">&c;</gpPARAM></gpOBJECT>`,
    `<gpOBJECT><gpPARAM name="service">ACTIVATION</gpPARAM>`,
    `<gpOBJECT><gpPARAM name="service"><![CDATA[ACTIVATION]]></gpPARAM></gpOBJECT>`,
    `<gpOBJECT><gpPARAM name="service">&#x110000;&bogus;</gpPARAM></gpOBJECT>`,
    `<?xml-stylesheet href="${fileUrl}"?><gpOBJECT></gpOBJECT>`,
    `<gpOBJECT>${'<gpPARAM name="a">'.repeat(20_000)}</gpOBJECT>`,
    `<gpOBJECT><gpPARAM name='x' name="y" >v</gpPARAM><gpPARAM>no name</gpPARAM></gpOBJECT>`,
  ]);
}
