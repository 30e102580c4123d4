// A CIS2-style OpenID provider (spine-identity.md §6): discovery, JWKS, the authorization code flow
// with PKCE (S256 only), a login page that asks for the smartcard — the broker's challenge, signed
// by the card's authentication key and checked exactly as authvalidate checks it, so `acr` AAL3 is
// claimed honestly — the token endpoint (private_key_jwt), userinfo with the RBAC claims, and
// RP-initiated logout (end_session_endpoint, OpenID Connect RP-Initiated Logout 1.0): each card login
// is a provider session (`sid` in the ID token) that ends there, taking its access tokens with it.
//
// How the card reaches the page: the page states the challenge and takes the card's CMS answer at
// /authorize/card. Two clients complete it:
// - in the user's browser (decision 0017), the page's script asks the login's own loopback listener
//   (the redirect URI's origin, /card) to have the card sign; Scrip reads the challenge back from
//   GET /authorize/card?transaction= rather than from the page, and the page posts the answer;
// - Scrip's identity agent itself (decision 0011), asking for the page as JSON, signing the
//   challenge after the passcode is typed into Scrip, posting it and following the redirect.
import { createHash, randomBytes } from 'node:crypto';
import { SignJWT, jwtVerify, errors, type JWTPayload } from 'jose';
import type { SandboxContext } from '../http/context';
import { HttpError, json, type Route, type SandboxRequest, type SandboxResponse } from '../http/router';
import { migrateSandbox } from '../store/db';
import { BrokerError, brokerFailureMessages } from '../broker/broker';
import type { DirectoryUser } from '../directory/directory';
import { ApplicationStore, redirectMatches, type Application } from './applications';
import { openProviderKey, type ProviderKey } from './keys';
import { ClientAssertions } from '../apim/client-assertion';

const CIS2_PATH = '/cis2';
const TX_SECONDS = 300,
  CODE_SECONDS = 60,
  ACCESS_SECONDS = 3600;
const SANDBOX_ACR = 'AAL3_ANY';

/** Test-only misbehaviour (POST /_cis2/faults), so clients can prove they refuse bad ID tokens. */
interface ProviderFaults {
  acr?: string;
  audience?: string;
  lifetimeSeconds?: number;
  nonce?: string;
}

const hash = (s: string) => createHash('sha256').update(s).digest('hex');
const random = () => randomBytes(32).toString('base64url');

function form(req: SandboxRequest): URLSearchParams {
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

export const oauthError = (status: number, error: string, description: string): SandboxResponse =>
  json(status, { error, error_description: description });

function page(status: number, title: string, body: string, meta: Record<string, string> = {}): SandboxResponse {
  const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const metas = Object.entries(meta)
    .map(([k, v]) => `<meta name="${esc(k)}" content="${esc(v)}">`)
    .join('');
  return {
    status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': "default-src 'none'",
      'x-frame-options': 'DENY',
    },
    body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>${metas}</head><body><h1>${esc(title)}</h1><p>${esc(body)}</p></body></html>`,
  };
}

interface Cis2Tx {
  id: string;
  client_id: string;
  redirect_uri: string;
  scope: string;
  state: string | null;
  nonce: string;
  code_challenge: string;
  challenge: string;
  challenge_sig: string;
  created: number;
}

interface IdTokenCheck {
  ok: true;
  claims: JWTPayload & Record<string, unknown>;
}

export class Cis2Provider {
  readonly apps: ApplicationStore;
  readonly assertions: ClientAssertions;
  faults: ProviderFaults = {};
  #key: ProviderKey | null = null;
  readonly #keyReady: Promise<ProviderKey>;

  constructor(private readonly ctx: SandboxContext) {
    this.apps = new ApplicationStore(ctx.dataDir);
    this.assertions = new ClientAssertions(ctx.db);
    this.#keyReady = openProviderKey(ctx.dataDir).then((k) => (this.#key = k));
    migrateSandbox(
      ctx.db,
      'cis2-1',
      `
      CREATE TABLE cis2_tx (id TEXT PRIMARY KEY, client_id TEXT NOT NULL, redirect_uri TEXT NOT NULL, scope TEXT NOT NULL, state TEXT, nonce TEXT NOT NULL,
        code_challenge TEXT NOT NULL, challenge TEXT NOT NULL, challenge_sig TEXT NOT NULL, created INTEGER NOT NULL);
      CREATE TABLE cis2_codes (hash TEXT PRIMARY KEY, client_id TEXT NOT NULL, redirect_uri TEXT NOT NULL, scope TEXT NOT NULL, nonce TEXT NOT NULL,
        code_challenge TEXT NOT NULL, user_id TEXT NOT NULL, role_id TEXT, auth_time INTEGER NOT NULL, created INTEGER NOT NULL, used INTEGER NOT NULL DEFAULT 0);
      CREATE TABLE cis2_tokens (hash TEXT PRIMARY KEY, user_id TEXT NOT NULL, role_id TEXT, scope TEXT NOT NULL, expires INTEGER NOT NULL, code_hash TEXT NOT NULL, revoked INTEGER NOT NULL DEFAULT 0);`,
    );
    migrateSandbox(
      ctx.db,
      'cis2-2-sessions',
      `
      CREATE TABLE cis2_sessions (sid TEXT PRIMARY KEY, user_id TEXT NOT NULL, client_id TEXT NOT NULL, created INTEGER NOT NULL, ended INTEGER);
      ALTER TABLE cis2_codes ADD COLUMN sid TEXT;
      ALTER TABLE cis2_tokens ADD COLUMN sid TEXT;`,
    );
  }

  issuer(): string {
    return `${this.ctx.baseUrl()}${CIS2_PATH}`;
  }
  #now(): number {
    return Math.floor(this.ctx.clock.now().getTime() / 1000);
  }
  async key(): Promise<ProviderKey> {
    return this.#key ?? this.#keyReady;
  }

  discovery(): Record<string, unknown> {
    const iss = this.issuer();
    return {
      issuer: iss,
      authorization_endpoint: `${iss}/authorize`,
      token_endpoint: `${iss}/access_token`,
      userinfo_endpoint: `${iss}/userinfo`,
      jwks_uri: `${iss}/connect/jwk_uri`,
      revocation_endpoint: `${iss}/token/revoke`,
      end_session_endpoint: `${iss}/connect/endSession`,
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: ['RS512'],
      scopes_supported: [
        'openid',
        'profile',
        'email',
        'nhsperson',
        'nationalrbacaccess',
        'associatedorgs',
        'selectedrole',
      ],
      acr_values_supported: [SANDBOX_ACR],
      claims_supported: ['sub', 'acr', 'amr', 'selected_roleid', 'nhsid_nrbac_roles', 'nhsid_useruid', 'name'],
    };
  }

  authorize(req: SandboxRequest): SandboxResponse {
    const q = req.query;
    const app = this.apps.byCis2Client(q.get('client_id') ?? '');
    // An unknown client or redirect URI is told to the person, never redirected (RFC 6749 §4.1.2.1).
    if (!app) return page(400, 'Unknown application', 'client_id is not a registered application.');
    const redirect = q.get('redirect_uri') ?? '';
    if (!app.redirectUris.some((r) => redirectMatches(r, redirect)))
      return page(400, 'Wrong redirect address', 'redirect_uri is not registered for this application.');
    const back = (error: string, description: string): SandboxResponse => {
      const u = new URL(redirect);
      u.searchParams.set('error', error);
      u.searchParams.set('error_description', description);
      if (q.get('state')) u.searchParams.set('state', q.get('state')!);
      return { status: 302, headers: { location: u.toString() }, body: '' };
    };
    if (q.get('response_type') !== 'code')
      return back('unsupported_response_type', 'Only the authorization code flow (response_type=code) is supported');
    const scope = q.get('scope') ?? '';
    if (!scope.split(' ').includes('openid')) return back('invalid_scope', 'The openid scope is required');
    if (!q.get('code_challenge') || q.get('code_challenge_method') !== 'S256')
      return back('invalid_request', 'PKCE is required: code_challenge with code_challenge_method=S256');
    if (!q.get('nonce')) return back('invalid_request', 'nonce is required');
    const id = random();
    const ch = this.ctx.broker.issueChallenge();
    this.ctx.db
      .prepare(
        'INSERT INTO cis2_tx (id, client_id, redirect_uri, scope, state, nonce, code_challenge, challenge, challenge_sig, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        id,
        app.cis2ClientId,
        redirect,
        scope,
        q.get('state'),
        q.get('nonce'),
        q.get('code_challenge'),
        ch.challenge,
        ch.signature,
        this.#now(),
      );
    const cardUrl = `${this.issuer()}/authorize/card`;
    if (String(req.headers.accept ?? '').includes('application/json'))
      return json(200, { transaction: id, challenge: ch.challenge, cardUrl, application: app.name });
    return this.#loginPage(app.name, id, cardUrl, redirect);
  }

  /**
   * The login page a browser gets: its script asks the application's loopback listener (the
   * redirect URI's origin) to have the card sign, then posts the answer here; "Cancel" sends the
   * person back with error=access_denied. CSP allows exactly those two destinations.
   */
  #loginPage(appName: string, transaction: string, cardUrl: string, redirect: string): SandboxResponse {
    const esc = (v: string) => v.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
    const appOrigin = new URL(redirect).origin;
    const meta = {
      'cis2-transaction': transaction,
      'cis2-card-url': cardUrl,
      'cis2-app-card-url': `${appOrigin}/card`,
    };
    const metas = Object.entries(meta)
      .map(([k, v]) => `<meta name="${k}" content="${esc(v)}">`)
      .join('');
    const cancel = new URL(`${this.issuer()}/authorize/cancel`);
    cancel.searchParams.set('transaction', transaction);
    return {
      status: 200,
      headers: {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': `default-src 'none'; script-src 'self'; connect-src ${appOrigin}; form-action 'self' ${appOrigin}; frame-ancestors 'none'`,
        'x-frame-options': 'DENY',
        'cache-control': 'no-store',
        'referrer-policy': 'no-referrer',
      },
      body:
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Log in with your smartcard</title>${metas}` +
        `<script src="${this.issuer()}/authorize/login.js" defer></script></head><body><main>` +
        `<h1>Log in with your smartcard</h1><p>${esc(appName)} asks you to log in. Keep your smartcard in the reader: this page asks ${esc(appName)} to sign its challenge with your card, using the passcode you typed there.</p>` +
        `<p id="status" role="status">Waiting for your card…</p>` +
        `<form id="card-form" method="post" action="${esc(cardUrl)}"><input type="hidden" name="transaction" value="${esc(transaction)}"><input type="hidden" name="uid"><input type="hidden" name="response"></form>` +
        `<p><a href="${esc(cancel.toString())}">Cancel the login</a></p></main></body></html>`,
    };
  }

  /** The page's script (static: CSP allows no inline script). */
  static readonly loginScript = `'use strict';
(async () => {
  const meta = (n) => document.querySelector('meta[name="' + n + '"]').content;
  const status = document.getElementById('status');
  try {
    status.textContent = 'Asking the application to sign with your card…';
    const r = await fetch(meta('cis2-app-card-url'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ transaction: meta('cis2-transaction'), cardUrl: meta('cis2-card-url') }),
    });
    const a = await r.json();
    if (!r.ok) throw new Error(a.error || 'HTTP ' + r.status);
    const f = document.getElementById('card-form');
    f.elements.uid.value = a.uid;
    f.elements.response.value = a.response;
    status.textContent = 'Checking your card…';
    f.submit();
  } catch (e) {
    status.textContent = 'The card could not be used: ' + (e && e.message ? e.message : String(e));
  }
})();
`;

  #tx(id: string): Cis2Tx | undefined {
    return this.ctx.db.prepare('SELECT * FROM cis2_tx WHERE id = ?').get(id) as Cis2Tx | undefined;
  }

  /** What a login transaction asks the card to sign, and for whom: the application checks state and redirect URI before its card signs. */
  transactionInfo(req: SandboxRequest): SandboxResponse {
    const tx = this.#tx(req.query.get('transaction') ?? '');
    if (!tx || this.#now() - tx.created > TX_SECONDS)
      return oauthError(404, 'invalid_request', 'The login transaction is not known or has expired');
    return json(200, { challenge: tx.challenge, state: tx.state, redirectUri: tx.redirect_uri });
  }

  /** The person cancelled at the login page: back to the application with error=access_denied. */
  cancel(req: SandboxRequest): SandboxResponse {
    const tx = this.#tx(req.query.get('transaction') ?? '');
    if (!tx) return page(400, 'Login not found', 'This login is not known or was already completed.');
    this.ctx.db.prepare('DELETE FROM cis2_tx WHERE id = ?').run(tx.id);
    const u = new URL(tx.redirect_uri);
    u.searchParams.set('error', 'access_denied');
    u.searchParams.set('error_description', 'The user cancelled the login at the CIS2 login page');
    if (tx.state) u.searchParams.set('state', tx.state);
    return { status: 302, headers: { location: u.toString() }, body: '' };
  }

  /** The card's answer to the login page's challenge; success redirects with a code. */
  authorizeCard(req: SandboxRequest): SandboxResponse {
    const f = form(req);
    const tx = this.#tx(f.get('transaction') ?? '');
    if (!tx)
      return oauthError(
        400,
        'invalid_request',
        'The login transaction is not known or was already completed; start the login again',
      );
    if (this.#now() - tx.created > TX_SECONDS)
      return oauthError(400, 'invalid_request', 'The login transaction has expired; start the login again');
    let user: DirectoryUser;
    try {
      ({ user } = this.ctx.broker.verifyCard({
        challenge: tx.challenge,
        serverSignature: tx.challenge_sig,
        uid: f.get('uid') ?? '',
        response: f.get('response') ?? '',
      }));
    } catch (e) {
      if (e instanceof BrokerError)
        return oauthError(
          401,
          'access_denied',
          `The smartcard login failed (${e.failure}): ${brokerFailureMessages[e.failure]}`,
        );
      throw e;
    }
    // `selectedrole`: one role is chosen for the user; with several, the one named (else none, and the
    // application selects among nhsid_nrbac_roles, sending it as NHSD-Session-URID).
    const asked = f.get('role');
    if (asked && !user.roles.some((r) => r.id === asked))
      return oauthError(403, 'access_denied', `The user does not hold the role ${asked}`);
    const roleId = tx.scope.split(' ').includes('selectedrole')
      ? (asked ?? (user.roles.length === 1 ? user.roles[0]!.id : null))
      : null;
    const code = random(),
      sid = random();
    this.ctx.db.prepare('DELETE FROM cis2_tx WHERE id = ?').run(tx.id);
    this.ctx.db
      .prepare('INSERT INTO cis2_sessions (sid, user_id, client_id, created) VALUES (?, ?, ?, ?)')
      .run(sid, user.id, tx.client_id, this.#now());
    this.ctx.db
      .prepare(
        'INSERT INTO cis2_codes (hash, client_id, redirect_uri, scope, nonce, code_challenge, user_id, role_id, auth_time, created, sid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        hash(code),
        tx.client_id,
        tx.redirect_uri,
        tx.scope,
        tx.nonce,
        tx.code_challenge,
        user.id,
        roleId,
        this.#now(),
        this.#now(),
        sid,
      );
    const u = new URL(tx.redirect_uri);
    u.searchParams.set('code', code);
    if (tx.state) u.searchParams.set('state', tx.state);
    return { status: 302, headers: { location: u.toString() }, body: '' };
  }

  async token(req: SandboxRequest): Promise<SandboxResponse> {
    const f = form(req);
    if (f.get('grant_type') !== 'authorization_code')
      return oauthError(400, 'unsupported_grant_type', 'Only grant_type=authorization_code is supported');
    const iss = this.issuer();
    const client = await this.assertions.check(f, {
      audiences: [iss, `${iss}/access_token`],
      now: this.ctx.clock.now(),
      find: (id) => this.apps.byCis2Client(id),
    });
    if (!client.ok) return oauthError(client.error === 'invalid_client' ? 401 : 400, client.error, client.description);
    const codeHash = hash(f.get('code') ?? '');
    const row = this.ctx.db.prepare('SELECT * FROM cis2_codes WHERE hash = ?').get(codeHash) as
      | {
          client_id: string;
          redirect_uri: string;
          scope: string;
          nonce: string;
          code_challenge: string;
          user_id: string;
          role_id: string | null;
          auth_time: number;
          created: number;
          used: number;
          sid: string | null;
        }
      | undefined;
    if (!row) return oauthError(400, 'invalid_grant', 'The authorization code is not known');
    if (row.used) {
      // A code presented twice may have been stolen: what it bought is withdrawn (RFC 6749 §4.1.2).
      this.ctx.db.prepare('UPDATE cis2_tokens SET revoked = 1 WHERE code_hash = ?').run(codeHash);
      return oauthError(
        400,
        'invalid_grant',
        'The authorization code was already used; the tokens issued for it are revoked',
      );
    }
    if (this.#now() - row.created > CODE_SECONDS)
      return oauthError(400, 'invalid_grant', 'The authorization code has expired');
    if (row.client_id !== client.app.cis2ClientId)
      return oauthError(400, 'invalid_grant', 'The authorization code was issued to another client');
    if ((f.get('redirect_uri') ?? '') !== row.redirect_uri)
      return oauthError(400, 'invalid_grant', 'redirect_uri is not the one the code was issued for');
    const verifier = f.get('code_verifier') ?? '';
    if (!verifier || createHash('sha256').update(verifier).digest('base64url') !== row.code_challenge)
      return oauthError(400, 'invalid_grant', 'code_verifier does not match the code_challenge');
    this.ctx.db.prepare('UPDATE cis2_codes SET used = 1 WHERE hash = ?').run(codeHash);
    const accessToken = random();
    const now = this.#now();
    if (row.sid && this.sessionState(row.sid) !== 'live')
      return oauthError(400, 'invalid_grant', 'The login session this code belongs to has ended');
    this.ctx.db
      .prepare(
        'INSERT INTO cis2_tokens (hash, user_id, role_id, scope, expires, code_hash, sid) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(hash(accessToken), row.user_id, row.role_id, row.scope, now + ACCESS_SECONDS, codeHash, row.sid);
    const idToken = await this.#idToken(client.app, row, now);
    return json(200, {
      access_token: accessToken,
      id_token: idToken,
      token_type: 'Bearer',
      expires_in: ACCESS_SECONDS,
      scope: row.scope,
    });
  }

  async #idToken(
    app: Application,
    row: { user_id: string; role_id: string | null; nonce: string; auth_time: number; sid: string | null },
    now: number,
  ): Promise<string> {
    const k = await this.key();
    const f = this.faults;
    const claims: Record<string, unknown> = {
      amr: ['N3_SMARTCARD'],
      acr: f.acr ?? SANDBOX_ACR,
      id_assurance_level: 3,
      authentication_assurance_level: 3,
      azp: app.cis2ClientId,
      nonce: f.nonce ?? row.nonce,
      auth_time: row.auth_time,
      tokenName: 'id_token',
      tokenType: 'JWTToken',
      realm: '/NHSIdentity/Healthcare',
      ...(row.role_id ? { selected_roleid: row.role_id } : {}),
      ...(row.sid ? { sid: row.sid } : {}),
    };
    const lifetime = f.lifetimeSeconds ?? 600;
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: k.kid, typ: 'JWT' })
      .setIssuer(this.issuer())
      .setSubject(row.user_id)
      .setAudience(f.audience ?? app.cis2ClientId)
      .setIssuedAt(Math.min(now, now + lifetime - 1))
      .setExpirationTime(now + lifetime)
      .setJti(random())
      .sign(k.privateKey);
  }

  /** For the API gateway: an ID token this provider signed, in date; the claims or what is wrong. */
  async verifyIdToken(token: string): Promise<IdTokenCheck | { ok: false; description: string }> {
    const k = await this.key();
    try {
      const { payload } = await jwtVerify(token, k.publicKey, {
        issuer: this.issuer(),
        algorithms: ['RS256'],
        currentDate: this.ctx.clock.now(),
      });
      return { ok: true, claims: payload as JWTPayload & Record<string, unknown> };
    } catch (e) {
      if (e instanceof errors.JWTExpired)
        return { ok: false, description: "Invalid 'exp' claim in subject_token - the ID token has expired" };
      if (e instanceof errors.JWTClaimValidationFailed)
        return { ok: false, description: `Invalid '${e.claim}' claim in subject_token` };
      return {
        ok: false,
        description: "The subject_token is not an ID token signed by this environment's CIS2 provider",
      };
    }
  }

  /** A provider session: live, ended (by end-session), or unknown. */
  sessionState(sid: string): 'live' | 'ended' | 'unknown' {
    const row = this.ctx.db.prepare('SELECT ended FROM cis2_sessions WHERE sid = ?').get(sid) as
      { ended: number | null } | undefined;
    return !row ? 'unknown' : row.ended === null ? 'live' : 'ended';
  }

  /** The provider's access tokens of a session that are still honoured. */
  liveTokens(sid: string): number {
    return (
      this.ctx.db
        .prepare('SELECT COUNT(*) AS n FROM cis2_tokens WHERE sid = ? AND revoked = 0 AND expires >= ?')
        .get(sid, this.#now()) as { n: number }
    ).n;
  }

  /**
   * RP-initiated logout. id_token_hint names the session: its signature and issuer must be this
   * provider's, but an expired one still names it (as the spec allows: logging out late must work);
   * client_id, if sent, must be its audience; post_logout_redirect_uri, if sent, must be registered for
   * that client. The session ends and every access token issued in it is revoked. Without a redirect
   * the answer is a page saying so.
   */
  async endSession(req: SandboxRequest): Promise<SandboxResponse> {
    const p = req.method === 'POST' ? form(req) : req.query;
    const hint = p.get('id_token_hint') ?? '';
    if (!hint) return page(400, 'Logout refused', 'id_token_hint is required: it names the session to end.');
    const k = await this.key();
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(hint, k.publicKey, {
        issuer: this.issuer(),
        algorithms: ['RS256'],
        currentDate: this.ctx.clock.now(),
      }));
    } catch (e) {
      // jose checks the signature before the claims: an expired token here is genuine.
      if (e instanceof errors.JWTExpired && e.payload.iss === this.issuer()) claims = e.payload;
      else return page(400, 'Logout refused', 'id_token_hint is not an ID token this provider issued.');
    }
    const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    const clientId = p.get('client_id');
    if (clientId && !aud.includes(clientId))
      return page(400, 'Logout refused', 'client_id is not the audience of id_token_hint.');
    const sid = typeof claims.sid === 'string' ? claims.sid : '';
    if (this.sessionState(sid) === 'unknown')
      return page(400, 'Logout refused', 'The ID token names no session of this provider.');
    const redirect = p.get('post_logout_redirect_uri');
    const app = this.apps.byCis2Client(String(aud[0] ?? ''));
    if (redirect && !app?.redirectUris.some((r) => redirectMatches(r, redirect)))
      return page(400, 'Logout refused', 'post_logout_redirect_uri is not registered for this application.');
    this.ctx.db.prepare('UPDATE cis2_sessions SET ended = ? WHERE sid = ? AND ended IS NULL').run(this.#now(), sid);
    this.ctx.db.prepare('UPDATE cis2_tokens SET revoked = 1 WHERE sid = ?').run(sid);
    if (redirect) {
      const u = new URL(redirect);
      if (p.get('state')) u.searchParams.set('state', p.get('state')!);
      return { status: 302, headers: { location: u.toString() }, body: '' };
    }
    return page(
      200,
      'You have logged out',
      'Your smartcard session with this provider has ended. You can close this page.',
    );
  }

  userinfo(req: SandboxRequest): SandboxResponse {
    const m = /^Bearer\s+(\S+)$/i.exec(String(req.headers.authorization ?? ''));
    const row = m
      ? (this.ctx.db.prepare('SELECT * FROM cis2_tokens WHERE hash = ?').get(hash(m[1]!)) as
          { user_id: string; role_id: string | null; scope: string; expires: number; revoked: number } | undefined)
      : undefined;
    if (!row || row.revoked || row.expires < this.#now()) {
      return {
        ...oauthError(401, 'invalid_token', 'The access token is not valid'),
        headers: { 'content-type': 'application/json', 'www-authenticate': 'Bearer error="invalid_token"' },
      };
    }
    const user = this.ctx.directory.user(row.user_id);
    if (!user) return oauthError(401, 'invalid_token', 'The user is no longer in the directory');
    return json(200, this.userClaims(user, row.role_id, row.scope.split(' ')));
  }

  userClaims(user: DirectoryUser, roleId: string | null, scopes: string[]): Record<string, unknown> {
    const d = this.ctx.directory;
    const name = d.displayName(user);
    return {
      sub: user.id,
      nhsid_useruid: user.id,
      uid: user.id,
      name,
      given_name: user.name.given.join(' '),
      family_name: user.name.family,
      ...(scopes.includes('nationalrbacaccess')
        ? {
            nhsid_nrbac_roles: user.roles.map((r) => ({
              person_roleid: r.id,
              org_code: r.orgCode,
              role_code: r.jobRoleCode,
              role_name: r.jobRoleName,
              activity_codes: r.activities,
              activities: [],
            })),
          }
        : {}),
      ...(scopes.includes('associatedorgs')
        ? {
            nhsid_user_orgs: [...new Set(user.roles.map((r) => r.orgCode))].map((o) => ({
              org_code: o,
              org_name: d.organisation(o)?.name ?? o,
            })),
          }
        : {}),
      ...(roleId ? { selected_roleid: roleId } : {}),
    };
  }

  routes(): Route[] {
    const p = CIS2_PATH;
    return [
      { method: 'GET', path: `${p}/.well-known/openid-configuration`, handle: () => json(200, this.discovery()) },
      {
        method: 'GET',
        path: `${p}/connect/jwk_uri`,
        handle: async () => json(200, { keys: [(await this.key()).jwk] }),
      },
      { method: 'GET', path: `${p}/authorize`, handle: (r) => this.authorize(r) },
      { method: 'POST', path: `${p}/authorize/card`, handle: (r) => this.authorizeCard(r) },
      { method: 'GET', path: `${p}/authorize/card`, handle: (r) => this.transactionInfo(r) },
      { method: 'GET', path: `${p}/authorize/cancel`, handle: (r) => this.cancel(r) },
      {
        method: 'GET',
        path: `${p}/authorize/login.js`,
        handle: () => ({
          status: 200,
          headers: { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' },
          body: Cis2Provider.loginScript,
        }),
      },
      { method: 'POST', path: `${p}/access_token`, handle: (r) => this.token(r) },
      { method: 'GET', path: `${p}/userinfo`, handle: (r) => this.userinfo(r) },
      { method: 'GET', path: `${p}/connect/endSession`, handle: (r) => this.endSession(r) },
      { method: 'POST', path: `${p}/connect/endSession`, handle: (r) => this.endSession(r) },
      {
        method: 'POST',
        path: `${p}/token/revoke`,
        handle: (r) => {
          this.ctx.db
            .prepare('UPDATE cis2_tokens SET revoked = 1 WHERE hash = ?')
            .run(hash(form(r).get('token') ?? ''));
          return { status: 200, body: '' };
        },
      },
      {
        method: 'POST',
        path: '/_cis2/faults',
        handle: (r) => {
          const body = (r.body.length ? JSON.parse(r.body.toString('utf8')) : {}) as ProviderFaults;
          this.faults = {
            ...(typeof body.acr === 'string' ? { acr: body.acr } : {}),
            ...(typeof body.audience === 'string' ? { audience: body.audience } : {}),
            ...(typeof body.nonce === 'string' ? { nonce: body.nonce } : {}),
            ...(typeof body.lifetimeSeconds === 'number' ? { lifetimeSeconds: body.lifetimeSeconds } : {}),
          };
          return json(200, this.faults);
        },
      },
    ];
  }
}
