// Paths into results (`results[0].ok`, `items[*].statusCode`), captured values (`${rx1.id}`) and
// matchers: how a scenario says what it expects, compared so that a difference can be said in words.
import type { Matcher } from './scenario';

type Segment = string | number | '*';

function segments(path: string): Segment[] {
  const out: Segment[] = [];
  for (const part of path.split('.')) {
    const m = /^([^[\]]*)((?:\[(?:\d+|\*)\])*)$/.exec(part);
    if (!m) throw new Error(`"${path}" is not a path (write a.b[0].c or a[*].c)`);
    if (m[1]) out.push(m[1]);
    for (const idx of m[2]!.matchAll(/\[(\d+|\*)\]/g)) out.push(idx[1] === '*' ? '*' : Number(idx[1]));
  }
  return out;
}

/** Every value at a path (several where it has [*]); `undefined` where a step of it is missing. */
export function valuesAt(root: unknown, path: string): unknown[] {
  let current: unknown[] = [root];
  for (const seg of segments(path)) {
    const next: unknown[] = [];
    for (const v of current) {
      if (seg === '*') {
        if (Array.isArray(v)) next.push(...v);
        else next.push(undefined);
        continue;
      }
      if (v === null || typeof v !== 'object') {
        next.push(undefined);
        continue;
      }
      next.push((v as Record<string | number, unknown>)[seg]);
    }
    current = next;
  }
  return current;
}

const show = (v: unknown): string => (v === undefined ? '(nothing)' : JSON.stringify(v));

/** Null when the value matches; else what differs, in words. */
function mismatch(actual: unknown, m: Matcher): string | null {
  if (m === null || typeof m !== 'object')
    return Object.is(actual, m) || actual === m ? null : `expected ${show(m)}, got ${show(actual)}`;
  if (m.exists !== undefined && (actual !== undefined && actual !== null) !== m.exists)
    return m.exists ? 'expected a value, got nothing' : `expected nothing, got ${show(actual)}`;
  if ('equals' in m && m.equals !== undefined && JSON.stringify(actual) !== JSON.stringify(m.equals))
    return `expected ${show(m.equals)}, got ${show(actual)}`;
  if (
    m.matches !== undefined &&
    !new RegExp(m.matches).test(typeof actual === 'string' ? actual : (JSON.stringify(actual) ?? ''))
  )
    return `expected text matching /${m.matches}/, got ${show(actual)}`;
  if (m.notMatches !== undefined && new RegExp(m.notMatches).test(JSON.stringify(actual) ?? ''))
    return `expected nothing matching /${m.notMatches}/, but it is there`;
  if (m.oneOf && !m.oneOf.some((o) => JSON.stringify(o) === JSON.stringify(actual)))
    return `expected one of ${show(m.oneOf)}, got ${show(actual)}`;
  if (m.length !== undefined && (!Array.isArray(actual) || actual.length !== m.length))
    return `expected ${m.length} entries, got ${Array.isArray(actual) ? actual.length : show(actual)}`;
  if (m.atMost !== undefined && !(typeof actual === 'number' && actual <= m.atMost))
    return `expected at most ${m.atMost}, got ${show(actual)}`;
  if (m.atLeast !== undefined && !(typeof actual === 'number' && actual >= m.atLeast))
    return `expected at least ${m.atLeast}, got ${show(actual)}`;
  return null;
}

/** Each field of `expected` checked against the result; the differences, one per field. */
export function resultDifferences(result: unknown, expected: Record<string, Matcher>): string[] {
  const out: string[] = [];
  for (const [path, m] of Object.entries(expected)) {
    const values = valuesAt(result, path);
    if (path.includes('[*]') && values.length === 0) {
      out.push(`${path}: expected entries, got none`);
      continue;
    }
    values.forEach((v, i) => {
      const d = mismatch(v, m);
      if (d) out.push(`${path}${values.length > 1 ? ` (entry ${i})` : ''}: ${d}`);
    });
  }
  return out;
}

/**
 * Replaces `${name.path}` with captured values. A string that is exactly one `${…}` keeps the
 * value's type (an array, a number); otherwise the value is written into the text.
 */
export function interpolate(value: unknown, scope: Record<string, unknown>): unknown {
  if (typeof value === 'string') {
    const whole = /^\$\{([^}]+)\}$/.exec(value);
    if (whole) return lookup(whole[1]!, scope);
    return value.replace(/\$\{([^}]+)\}/g, (_m, ref: string) => {
      const v = lookup(ref, scope);
      return typeof v === 'string' ? v : JSON.stringify(v);
    });
  }
  if (Array.isArray(value)) return value.map((v) => interpolate(v, scope));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, scope)]));
  return value;
}

function lookup(ref: string, scope: Record<string, unknown>): unknown {
  const dot = ref.search(/[.[]/);
  const name = dot < 0 ? ref : ref.slice(0, dot);
  if (!(name in scope))
    throw new Error(
      `\${${ref}}: nothing was captured as "${name}" (captured so far: ${Object.keys(scope).join(', ') || 'none'})`,
    );
  if (dot < 0) return scope[name];
  const rest = ref.slice(dot).replace(/^\./, '');
  const [v] = valuesAt(scope[name], rest);
  if (v === undefined) throw new Error(`\${${ref}}: "${name}" has nothing at ${rest}`);
  return v;
}

/** Input with secrets (PINs, PUKs, tokens, keys) replaced, for the report and the log. */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        /^(pin|puk|newPin|oldPin|token|key|secret|apiKey|pdfBase64)$/i.test(k) ? '[redacted]' : redactSecrets(v),
      ]),
    );
  }
  if (typeof value === 'string')
    return value
      .replace(/(Bearer\s+)\S+/gi, '$1[redacted]')
      .replace(/scrip_[0-9a-f]{16}_[A-Za-z0-9_-]{43}/g, '[redacted API key]');
  return value;
}
