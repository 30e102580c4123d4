// `private_key_jwt` client authentication (RFC 7523) as NHS England's API platform checks it: an
// RS512 JWT with iss = sub = the client ID, aud = the token endpoint, a jti used once and an exp at
// most five minutes ahead, signed by a key the application registered (found by kid). Each refusal
// says which of these failed, in the gateway's own words where they are known.
import { createHash } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, errors, importJWK, jwtVerify, type JWTPayload } from 'jose';
import type { SandboxDb } from '../store/db';
import { migrateSandbox } from '../store/db';
import type { Application } from '../cis2/applications';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

type AssertionResult =
  { ok: true; app: Application } | { ok: false; error: 'invalid_request' | 'invalid_client'; description: string };

export class ClientAssertions {
  readonly #db: SandboxDb;
  constructor(db: SandboxDb) {
    this.#db = db;
    migrateSandbox(
      db,
      'client-assertion-1',
      'CREATE TABLE client_assertion_jti (key TEXT PRIMARY KEY, exp INTEGER NOT NULL)',
    );
  }

  async check(
    form: URLSearchParams,
    opts: { audiences: string[]; now: Date; find: (clientId: string) => Application | null },
  ): Promise<AssertionResult> {
    const bad = (
      description: string,
      error: 'invalid_request' | 'invalid_client' = 'invalid_request',
    ): AssertionResult => ({ ok: false, error, description });
    if (form.get('client_assertion_type') !== JWT_BEARER)
      return bad(`Missing or invalid client_assertion_type - must be '${JWT_BEARER}'`);
    const jwt = form.get('client_assertion');
    if (!jwt) return bad('Missing client_assertion');
    let header, claims: JWTPayload;
    try {
      header = decodeProtectedHeader(jwt);
      claims = decodeJwt(jwt);
    } catch {
      return bad('Malformed JWT in client_assertion');
    }
    if (!header.kid) return bad("Missing 'kid' header in client_assertion JWT");
    if (header.alg !== 'RS512')
      return bad("Invalid 'alg' header in client_assertion JWT - unsupported JWT algorithm - must be 'RS512'");
    if (!claims.iss || claims.iss !== claims.sub)
      return bad("Missing or non-matching 'iss'/'sub' claims in client_assertion JWT");
    const app = opts.find(claims.iss);
    if (!app)
      return bad(
        `Invalid 'iss' claim in client_assertion JWT - no application is registered as ${claims.iss}`,
        'invalid_client',
      );
    const given = form.get('client_id');
    if (given && given !== claims.iss) return bad("client_id does not match the 'iss' claim of client_assertion JWT");
    const jwk = app.keys.find((k) => k.kid === header.kid);
    if (!jwk)
      return bad(
        `Invalid 'kid' header in client_assertion JWT - no public key ${header.kid} is registered for this application`,
        'invalid_client',
      );
    if (typeof claims.jti !== 'string' || !claims.jti) return bad("Missing 'jti' claim in client_assertion JWT");
    if (typeof claims.exp !== 'number') return bad("Missing 'exp' claim in client_assertion JWT");
    const now = Math.floor(opts.now.getTime() / 1000);
    if (claims.exp > now + 300)
      return bad("Invalid 'exp' claim in client_assertion JWT - more than 5 minutes in future");
    try {
      await jwtVerify(jwt, await importJWK(jwk, 'RS512'), {
        algorithms: ['RS512'],
        audience: opts.audiences,
        currentDate: opts.now,
        clockTolerance: 5,
      });
    } catch (e) {
      if (e instanceof errors.JWSSignatureVerificationFailed)
        return bad(
          'The client_assertion JWT signature does not verify with the key registered for this application',
          'invalid_client',
        );
      if (e instanceof errors.JWTExpired)
        return bad("Invalid 'exp' claim in client_assertion JWT - the assertion has expired");
      if (e instanceof errors.JWTClaimValidationFailed && e.claim === 'aud')
        return bad(
          `Invalid 'aud' claim in client_assertion JWT - must be ${opts.audiences[opts.audiences.length - 1]}`,
        );
      return bad(`Invalid client_assertion JWT: ${e instanceof Error ? e.message : String(e)}`);
    }
    // Single use, remembered until the assertion could no longer be accepted anyway.
    const key = createHash('sha256').update(`${claims.iss}\n${claims.jti}`).digest('hex');
    this.#db.prepare('DELETE FROM client_assertion_jti WHERE exp < ?').run(now - 60);
    if (
      this.#db.prepare('INSERT OR IGNORE INTO client_assertion_jti (key, exp) VALUES (?, ?)').run(key, claims.exp)
        .changes !== 1
    ) {
      return bad("Non-unique 'jti' claim in client_assertion JWT");
    }
    return { ok: true, app };
  }
}
