// Redaction for the message log, done on the request as the sandbox's services read it, not on its
// text: a query string is split and its names percent-decoded as URLSearchParams does (so
// `?%74oken=` is the `token` the broker accepts), a gpOBJECT is parsed with the broker's own parser
// (entities and either quote decoded), JSON with JSON.parse (\u escapes decoded). Whatever has a
// secret's name is replaced, and the structure is written out again. Text that does not parse in
// its format was not accepted as a request either; it still goes through the textual patterns,
// which also catch anything shaped like a sandbox token or admin secret.
import { encodeGpObject, parseGpObject } from '../../protocols/spine/gpobject';

const REDACTED = '[redacted]';

/** Names whose value is a secret in a query string or a JSON object (compared case-insensitively). */
const SECRET_FIELDS = new Set([
  'token',
  'sso_ticket',
  'access_token',
  'refresh_token',
  'id_token',
  'client_secret',
  'password',
  'secret',
]);
/** gpPARAMs whose value is the session or proves it (the CMS response, the broker's MAC over the challenge). */
const SECRET_GP_PARAMS = new Set(['sso_ticket', 'token', 'response', 'signature']);

/** OAuth fields that carry a secret, in JSON and in forms alike. */
const OAUTH_FIELDS = ['code_verifier', 'client_assertion', 'subject_token', 'id_token_hint'];
const SECRET_JSON_FIELDS = new Set([...SECRET_FIELDS, ...OAUTH_FIELDS]);
/** In a query string or form `code` is the authorization code; not in JSON, where FHIR's `code` is everywhere. */
const SECRET_FORM_FIELDS = new Set([...SECRET_JSON_FIELDS, 'code']);

const isSecretField = (name: string): boolean => SECRET_JSON_FIELDS.has(name.trim().toLowerCase());
const isSecretFormField = (name: string): boolean => SECRET_FORM_FIELDS.has(name.trim().toLowerCase());

// Each pattern with a cheap marker that must be present for it to run (most bodies have none).
const TEXT_PATTERNS: Array<[marker: RegExp, pattern: RegExp, replacement: string]> = [
  [/bearer/i, /(Bearer\s+)[^\s"',]+/gi, `$1${REDACTED}`],
  [
    /<gpPARAM/i,
    /(<gpPARAM\b[^>]*\bname\s*=\s*["']\s*(?:sso_ticket|token|response|signature)\s*["'][^>]*>)[^<]*/gi,
    `$1${REDACTED}`,
  ],
  [
    /token|ticket|secret|password/i,
    /("(?:token|sso_ticket|access_token|refresh_token|id_token|client_secret|password|secret)"\s*:\s*")(?:[^"\\]|\\.)*/gi,
    `$1${REDACTED}`,
  ],
  [/token=|ticket=|token_hint=/i, /((?:token|sso_ticket|access_token|id_token_hint)=)[^&\s"'<]+/gi, `$1${REDACTED}`],
  [/<saml:SubjectConfirmationData>/, /(<saml:SubjectConfirmationData>)[^<]*/g, `$1${REDACTED}`],
  [/_sessions\//, /(\/_sessions\/)[^\s"?]+/g, `$1${REDACTED}`],
  // OAuth: the authorization code, its PKCE verifier and the client assertion (…_token= is covered above).
  [
    /code=|code_verifier=|client_assertion=/i,
    /((?:^|[?&\s])(?:code|code_verifier|client_assertion)=)[^&\s"'<]+/gi,
    `$1${REDACTED}`,
  ],
  [/_apim\/tokens\//, /(\/_apim\/tokens\/)[^\s"?]+/g, `$1${REDACTED}`],
  // The shapes of the secrets the sandbox itself issues (sessions/sessions.ts, admin-secret.ts).
  [/AQIC/, /AQIC5wM2LY4S[^\s"'<&]*/g, REDACTED],
  [/scrip-sandbox-admin_/, /scrip-sandbox-admin_[A-Za-z0-9_-]*/g, REDACTED],
];

// One scan for all the markers above: most bodies (FHIR Bundles of 20 kB) match none and are done.
const ANY_MARKER =
  /bearer|gpPARAM|token|ticket|secret|password|saml:SubjectConfirmationData|_sessions\/|AQIC|sandbox-admin_|code=|code_verifier|client_assertion/i;

/** The textual patterns alone: for text in no format the sandbox parses. */
export function redact(text: string): string {
  if (!ANY_MARKER.test(text)) return text;
  let out = text;
  for (const [marker, re, replacement] of TEXT_PATTERNS) if (marker.test(out)) out = out.replace(re, replacement);
  return out;
}

const decodeSegment = (s: string): string => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

/**
 * A request target (path and query) with secrets replaced: query parameters whose decoded name is a
 * secret's, and the segment after `/_sessions/`. Other parts are kept as sent.
 */
export function redactPath(target: string): string {
  const q = target.indexOf('?');
  const pathname = q < 0 ? target : target.slice(0, q);
  const segments = pathname.split('/');
  for (let i = 1; i < segments.length; i++)
    if (decodeSegment(segments[i - 1]!).toLowerCase() === '_sessions') segments[i] = REDACTED;
  let out = segments.join('/');
  if (q >= 0) {
    // Split as URLSearchParams does (on '&' only; '+' is a space), deciding by the decoded name.
    out +=
      '?' +
      target
        .slice(q + 1)
        .split('&')
        .map((pair) => {
          const eq = pair.indexOf('=');
          const rawName = eq < 0 ? pair : pair.slice(0, eq);
          const name = [...new URLSearchParams(`${rawName}=`).keys()][0] ?? '';
          return isSecretFormField(name) ? `${rawName}=${REDACTED}` : pair;
        })
        .join('&');
  }
  return redact(out);
}

function redactJson(v: unknown): { value: unknown; changed: boolean } {
  if (Array.isArray(v)) {
    let changed = false;
    const value = v.map((x) => {
      const r = redactJson(x);
      changed ||= r.changed;
      return r.value;
    });
    return { value, changed };
  }
  if (v && typeof v === 'object') {
    let changed = false;
    const value: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (isSecretField(k) && x !== null && typeof x !== 'object') {
        value[k] = REDACTED;
        changed = true;
        continue;
      }
      const r = redactJson(x);
      changed ||= r.changed;
      value[k] = r.value;
    }
    return { value, changed };
  }
  return { value: v, changed: false };
}

// JSON can name a secret only with its letters or with \u escapes; without either, nothing to parse.
const JSON_MARKER = /\\u|token|ticket|secret|password|assertion|verifier/i;

/** A request or response body with secrets replaced (gpOBJECT and JSON parsed; anything else by pattern). */
export function redactBody(text: string): string {
  // Nothing that could name or be a secret, written plainly or escaped: nothing to parse.
  if (!ANY_MARKER.test(text) && !text.includes('\\u') && !text.includes('&#')) return text;
  const start = /^\s*(.)/.exec(text.slice(0, 64))?.[1];
  if (start === '<' && /gpOBJECT/i.test(text)) {
    try {
      const params = parseGpObject(text);
      if (!params.some((p) => SECRET_GP_PARAMS.has(p.name.trim().toLowerCase()))) return redact(text);
      return encodeGpObject(
        params.map((p) => (SECRET_GP_PARAMS.has(p.name.trim().toLowerCase()) ? { ...p, value: REDACTED } : p)),
      );
    } catch {
      /* not a gpOBJECT the broker would read: by pattern */
    }
  } else if (start !== '<' && start !== '{' && start !== '[' && /^[\w.%+-]+=/.test(text.trimStart())) {
    // A form body (OAuth token requests): fields read by their decoded names, as the query string.
    return redactPath(`?${text.trim()}`).slice(1);
  } else if ((start === '{' || start === '[') && JSON_MARKER.test(text)) {
    try {
      const r = redactJson(JSON.parse(text));
      return r.changed ? redact(JSON.stringify(r.value)) : redact(text);
    } catch {
      /* not JSON: by pattern */
    }
  }
  // Character references could hide a name or a token from the patterns: look at the text decoded.
  if (text.includes('&#')) {
    const decoded = text.replace(/&#(x[0-9a-f]{1,6}|\d{1,7});/gi, (m, n: string) => {
      const code = n[0] === 'x' || n[0] === 'X' ? parseInt(n.slice(1), 16) : parseInt(n, 10);
      return code <= 0x10ffff ? String.fromCodePoint(code) : m;
    });
    const out = redact(decoded);
    if (out !== decoded) return out;
  }
  return redact(text);
}
