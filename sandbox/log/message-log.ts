// Every request to the sandbox and its answer, with tokens redacted, for suppliers' evidence.
import type { Statement } from 'better-sqlite3';
import type { SandboxDb } from '../store/db';
import { migrateSandbox } from '../store/db';

export interface LoggedExchange { seq: number; at: string; method: string; path: string; status: number; requestId: string | null; request: string; response: string; ms: number }

// Each pattern with a plain marker that must be present for it to match: most bodies (FHIR
// Bundles of 10 kB and more, logged on every request) have none, and a substring search is far
// cheaper than running every regular expression over them.
const SECRET_PATTERNS: Array<[marker: RegExp | string, pattern: RegExp]> = [
  [/bearer/i, /(Bearer\s+)[^\s"',]+/gi],
  ['<gpPARAM', /(<gpPARAM name="(?:sso_ticket|response|signature)"[^>]*>)[^<]*/g],
  [/"(?:token|sso_ticket|access_token|id_token|refresh_token)"/, /("(?:token|sso_ticket|access_token|id_token|refresh_token)"\s*:\s*")[^"]*/g],
  // OAuth form fields: the code, its PKCE verifier and the client assertion (…_token= is covered by token=).
  [/(?:code|code_verifier|client_assertion)=/, /((?:^|[?&])(?:code|code_verifier|client_assertion)=)[^&\s"]+/g],
  ['token=', /(token=)[^&\s"]+/g],
  ['<saml:SubjectConfirmationData>', /(<saml:SubjectConfirmationData>)[^<]*/g],
  ['/_sessions/', /(\/_sessions\/)[^\s"?]+/g],
  ['/_apim/tokens/', /(\/_apim\/tokens\/)[^\s"?]+/g],
];

export function redact(text: string): string {
  let out = text;
  for (const [marker, re] of SECRET_PATTERNS) {
    if (typeof marker === 'string' ? out.includes(marker) : marker.test(out)) out = out.replace(re, '$1[redacted]');
  }
  return out;
}

export class MessageLog {
  readonly #db: SandboxDb;
  readonly #insert: Statement<unknown[]>;
  constructor(db: SandboxDb) {
    this.#db = db;
    migrateSandbox(db, 'log-1', `CREATE TABLE message_log (seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, method TEXT NOT NULL, path TEXT NOT NULL,
      status INTEGER NOT NULL, request_id TEXT, request TEXT NOT NULL, response TEXT NOT NULL, ms REAL NOT NULL)`);
    this.#insert = db.prepare('INSERT INTO message_log (at, method, path, status, request_id, request, response, ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  }

  record(e: Omit<LoggedExchange, 'seq'>): void {
    const cap = (s: string) => (s.length > 64 * 1024 ? `${s.slice(0, 64 * 1024)}…[${s.length} bytes]` : s);
    this.#insert.run(e.at, e.method, redact(e.path), e.status, e.requestId, cap(redact(e.request)), cap(redact(e.response)), e.ms);
  }

  since(seq: number, limit = 500): LoggedExchange[] {
    return (this.#db.prepare('SELECT * FROM message_log WHERE seq > ? ORDER BY seq LIMIT ?').all(seq, limit) as Array<Record<string, unknown>>).map((r) => ({
      seq: Number(r.seq), at: String(r.at), method: String(r.method), path: String(r.path), status: Number(r.status),
      requestId: (r.request_id as string | null) ?? null, request: String(r.request), response: String(r.response), ms: Number(r.ms),
    }));
  }
}
