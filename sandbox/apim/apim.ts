// An APIM-style OAuth 2.0 gateway (spine-identity.md §6.6): the CIS2 ID token is exchanged for an
// access token (RFC 8693 token exchange) by an application that proves itself with a
// private_key_jwt client assertion; refresh and revocation (RFC 7009). EPS routes accept its
// access tokens, with NHSD-Session-URID naming one of the user's roles.
import { createHash, randomBytes } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import type { SandboxContext } from '../http/context';
import { HttpError, json, type Route, type SandboxRequest, type SandboxResponse } from '../http/router';
import { migrateSandbox } from '../store/db';
import { oauthError, type Cis2Provider } from '../cis2/provider';

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ID_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:id_token';
const ACCESS_SECONDS = 599,
  REFRESH_SECONDS = 43_199;

const hash = (s: string) => createHash('sha256').update(s).digest('hex');

interface TokenRow {
  hash: string;
  kind: 'access' | 'refresh';
  family: string;
  app: string;
  user_id: string;
  role_id: string | null;
  expires: number;
  revoked: number;
  cis2_sid: string | null;
}

type ApimBearer = { userId: string; selectedRoleId: string | null } | 'unknown' | 'expired' | 'revoked';

export class ApimGateway {
  constructor(
    private readonly ctx: SandboxContext,
    private readonly op: Cis2Provider,
  ) {
    migrateSandbox(
      ctx.db,
      'apim-1',
      `CREATE TABLE apim_tokens (hash TEXT PRIMARY KEY, kind TEXT NOT NULL, family TEXT NOT NULL, app TEXT NOT NULL,
      user_id TEXT NOT NULL, role_id TEXT, expires INTEGER NOT NULL, revoked INTEGER NOT NULL DEFAULT 0)`,
    );
    // The CIS2 session the exchanged ID token came from (its sid), so tests and evidence can see what became of it.
    migrateSandbox(ctx.db, 'apim-2-cis2-sid', 'ALTER TABLE apim_tokens ADD COLUMN cis2_sid TEXT');
  }

  tokenUrl(): string {
    return `${this.ctx.baseUrl()}/oauth2/token`;
  }
  #now(): number {
    return Math.floor(this.ctx.clock.now().getTime() / 1000);
  }
  #select: Statement | null = null;
  // Compiled once: every EPS request with a bearer asks here first (serviceAuth 'both').
  #row(token: string): TokenRow | undefined {
    this.#select ??= this.ctx.db.prepare('SELECT * FROM apim_tokens WHERE hash = ?');
    return this.#select.get(hash(token)) as TokenRow | undefined;
  }

  #form(req: SandboxRequest): URLSearchParams {
    if (!String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded'))
      throw new HttpError(
        400,
        JSON.stringify({
          error: 'invalid_request',
          error_description: 'The body must be application/x-www-form-urlencoded',
        }),
        'application/json',
      );
    return new URLSearchParams(req.body.toString('utf8'));
  }

  #issue(
    app: string,
    userId: string,
    roleId: string | null,
    cis2Sid: string | null,
    family = randomBytes(16).toString('hex'),
  ): SandboxResponse {
    const access = randomBytes(24).toString('base64url'),
      refresh = randomBytes(24).toString('base64url');
    const now = this.#now();
    const insert = this.ctx.db.prepare(
      'INSERT INTO apim_tokens (hash, kind, family, app, user_id, role_id, expires, cis2_sid) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    insert.run(hash(access), 'access', family, app, userId, roleId, now + ACCESS_SECONDS, cis2Sid);
    insert.run(hash(refresh), 'refresh', family, app, userId, roleId, now + REFRESH_SECONDS, cis2Sid);
    return json(200, {
      access_token: access,
      expires_in: String(ACCESS_SECONDS),
      token_type: 'Bearer',
      issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      refresh_token: refresh,
      refresh_token_expires_in: String(REFRESH_SECONDS),
      refresh_count: '0',
    });
  }

  async token(req: SandboxRequest): Promise<SandboxResponse> {
    const f = this.#form(req);
    const grant = f.get('grant_type');
    if (grant !== TOKEN_EXCHANGE && grant !== 'refresh_token')
      return oauthError(400, 'unsupported_grant_type', `grant_type must be '${TOKEN_EXCHANGE}' or 'refresh_token'`);
    const client = await this.op.assertions.check(f, {
      audiences: [this.tokenUrl()],
      now: this.ctx.clock.now(),
      find: (id) => this.op.apps.byApimClient(id),
    });
    if (!client.ok) return oauthError(client.error === 'invalid_client' ? 401 : 400, client.error, client.description);
    const app = client.app;
    if (grant === 'refresh_token') {
      const row = this.#row(f.get('refresh_token') ?? '');
      if (!row || row.kind !== 'refresh' || row.app !== app.apimClientId)
        return oauthError(400, 'invalid_grant', 'refresh_token is invalid');
      if (row.revoked) return oauthError(400, 'invalid_grant', 'refresh_token has been revoked');
      if (row.expires < this.#now()) return oauthError(400, 'invalid_grant', 'refresh_token has expired');
      // Rotation: the old pair dies as the new one is issued, in the same family.
      this.ctx.db.prepare('UPDATE apim_tokens SET revoked = 1 WHERE family = ?').run(row.family);
      return this.#issue(app.apimClientId, row.user_id, row.role_id, row.cis2_sid, row.family);
    }
    if (f.get('subject_token_type') !== ID_TOKEN_TYPE)
      return oauthError(400, 'invalid_request', `Missing or invalid subject_token_type - must be '${ID_TOKEN_TYPE}'`);
    const subject = f.get('subject_token');
    if (!subject) return oauthError(400, 'invalid_request', 'Missing subject_token');
    const v = await this.op.verifyIdToken(subject);
    if (!v.ok) return oauthError(400, 'invalid_request', v.description);
    const c = v.claims;
    const aud = Array.isArray(c.aud) ? c.aud : [c.aud];
    if (!aud.includes(app.cis2ClientId))
      return oauthError(
        400,
        'invalid_request',
        "Invalid 'aud' claim in subject_token - it was not issued to this application's CIS2 client",
      );
    if (typeof c.acr !== 'string' || !/^AAL3_/.test(c.acr))
      return oauthError(401, 'invalid_request', `Invalid 'acr' claim in subject_token - ${String(c.acr)} is not AAL3`);
    const user = this.ctx.directory.user(String(c.sub));
    if (!user) return oauthError(400, 'invalid_request', "Invalid 'sub' claim in subject_token - unknown user");
    const roleId = typeof c.selected_roleid === 'string' ? c.selected_roleid : null;
    if (roleId && !user.roles.some((r) => r.id === roleId))
      return oauthError(401, 'invalid_request', 'selected_roleid is misconfigured/invalid');
    return this.#issue(app.apimClientId, user.id, roleId, typeof c.sid === 'string' ? c.sid : null);
  }

  async revoke(req: SandboxRequest): Promise<SandboxResponse> {
    const f = this.#form(req);
    const client = await this.op.assertions.check(f, {
      audiences: [this.tokenUrl(), `${this.ctx.baseUrl()}/oauth2/revoke`],
      now: this.ctx.clock.now(),
      find: (id) => this.op.apps.byApimClient(id),
    });
    if (!client.ok) return oauthError(client.error === 'invalid_client' ? 401 : 400, client.error, client.description);
    const row = this.#row(f.get('token') ?? '');
    // RFC 7009: revoking either token of a pair ends both; an unknown token is not an error.
    if (row && row.app === client.app.apimClientId)
      this.ctx.db.prepare('UPDATE apim_tokens SET revoked = 1 WHERE family = ?').run(row.family);
    return { status: 200, body: '' };
  }

  /** For the EPS routes: whose access token this is, or why it is not accepted. */
  bearer(token: string): ApimBearer {
    const row = this.#row(token);
    if (!row || row.kind !== 'access') return 'unknown';
    if (row.revoked) return 'revoked';
    if (row.expires < this.#now()) return 'expired';
    return { userId: row.user_id, selectedRoleId: row.role_id };
  }

  routes(): Route[] {
    return [
      { method: 'POST', path: '/oauth2/token', handle: (r) => this.token(r) },
      { method: 'POST', path: '/oauth2/revoke', handle: (r) => this.revoke(r) },
      // For tests and evidence, like /_sessions/{token}: what became of an access token, and of the
      // CIS2 session its ID token came from (ended by RP-initiated logout; its provider tokens still honoured).
      {
        method: 'GET',
        path: '/_apim/tokens/{token}',
        handle: (r) => {
          const token = r.params.token ?? '';
          const b = this.bearer(token);
          const sid = this.#row(token)?.cis2_sid ?? null;
          return json(b === 'unknown' ? 404 : 200, {
            known: b !== 'unknown',
            live: typeof b === 'object',
            state: typeof b === 'object' ? 'live' : b,
            cis2Session: sid ? { state: this.op.sessionState(sid), liveTokens: this.op.liveTokens(sid) } : null,
          });
        },
      },
    ];
  }
}
