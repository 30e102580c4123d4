// The CIS2 side of a login, with oauth4webapi for the protocol (discovery, PKCE, the authorization
// response, the code grant with private_key_jwt) and jose for the ID token's signature against the
// provider's JWKS. Two routes to the same loopback listener (RFC 8252 §7.3):
// - the system browser (decision 0017): the authorization request is opened in the user's browser,
//   the provider's pages do the card step (real CIS2: its own identity agent; Scrip's sandbox: its
//   page asks this login's listener to have the card sign its challenge), and the browser brings
//   the code back to the listener;
// - the agent (decision 0011, the sandbox only): Scrip's identity agent completes the provider's
//   smartcard page itself, then follows the redirect to its own listener.
import * as oauth from 'oauth4webapi';
import { createLocalJWKSet, errors, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import { ScripError } from '../../errors';
import type { ServiceClient } from '../../net/service-client';
import type { BrokerRole } from '../broker';
import { serviceFetch, type FetchLike } from './service-fetch';
import { openLoopbackRedirect, type CardStepAnswer, type LoopbackRedirect } from './loopback-redirect';
import type { AppKey } from './app-key';

const CIS2_SCOPES = 'openid profile nationalrbacaccess associatedorgs selectedrole';

interface Cis2Config {
  issuer: string;
  clientId: string;
}

export interface PendingLogin {
  transaction: string;
  challenge: string;
  cardUrl: string;
  state: string;
  nonce: string;
  verifier: string;
  redirect: LoopbackRedirect;
}

/** What a redeemed authorization response needs from the login that sent the request. */
type SentRequest = Pick<PendingLogin, 'state' | 'nonce' | 'verifier' | 'redirect'>;

/** Opens a URL in the user's browser (system-browser.ts; Electron's shell in the desktop app). */
export type BrowserOpener = (url: string) => Promise<void>;

interface BrowserLoginOptions {
  open: BrowserOpener;
  /** Has the card sign a provider's challenge (base64), for a provider whose page asks Scrip (the sandbox's). */
  signChallenge?: (challenge: string) => Promise<CardStepAnswer>;
  timeoutMs?: number;
  /** Stops the login (the card was removed): the listener closes and this login fails. */
  signal?: AbortSignal;
}

export interface Cis2Identity {
  idToken: string;
  accessToken: string;
  userId: string;
  name: string;
  roles: BrokerRole[];
  selectedRoleId: string | null;
}

const refused = (
  check: string,
  message: string,
  action = "Log in again; if it keeps happening, the environment's CIS2 settings may be wrong.",
) => new ScripError('service-error', `CIS2 login refused: ${message}.`, { check }, action);

interface NrbacRole {
  person_roleid?: unknown;
  org_code?: unknown;
  role_code?: unknown;
  role_name?: unknown;
  activity_codes?: unknown;
}

/** Roles from userinfo's nhsid_nrbac_roles (ODS names from nhsid_user_orgs). */
function rolesFromUserinfo(info: Record<string, unknown>): BrokerRole[] {
  const orgs = new Map<string, string>();
  for (const o of Array.isArray(info.nhsid_user_orgs) ? (info.nhsid_user_orgs as Array<Record<string, unknown>>) : []) {
    if (typeof o.org_code === 'string') orgs.set(o.org_code, typeof o.org_name === 'string' ? o.org_name : o.org_code);
  }
  const list = Array.isArray(info.nhsid_nrbac_roles) ? (info.nhsid_nrbac_roles as NrbacRole[]) : [];
  return list
    .filter((r) => typeof r.person_roleid === 'string' && /^\d+$/.test(r.person_roleid))
    .map((r) => ({
      id: r.person_roleid as string,
      orgCode: typeof r.org_code === 'string' ? r.org_code : '',
      orgName: typeof r.org_code === 'string' ? (orgs.get(r.org_code) ?? r.org_code) : '',
      jobRoleName: typeof r.role_name === 'string' ? r.role_name : '',
      jobRoleCode: typeof r.role_code === 'string' ? r.role_code : null,
      activities: Array.isArray(r.activity_codes)
        ? r.activity_codes.filter((a): a is string => typeof a === 'string')
        : [],
    }));
}

export class Cis2Login {
  readonly #fetch: FetchLike;
  #as: oauth.AuthorizationServer | null = null;
  #jwks: JSONWebKeySet | null = null;

  constructor(
    private readonly http: ServiceClient,
    private readonly cfg: Cis2Config,
    private readonly key: () => Promise<AppKey>,
  ) {
    this.#fetch = serviceFetch(http);
  }

  #opts(): { [oauth.customFetch]: FetchLike } {
    return { [oauth.customFetch]: this.#fetch };
  }
  #client(): oauth.Client {
    return { client_id: this.cfg.clientId };
  }

  async discover(): Promise<oauth.AuthorizationServer> {
    if (this.#as) return this.#as;
    const issuer = new URL(this.cfg.issuer);
    try {
      this.#as = await oauth.processDiscoveryResponse(
        issuer,
        await oauth.discoveryRequest(issuer, { ...this.#opts(), algorithm: 'oidc' }),
      );
    } catch (e) {
      if (e instanceof ScripError) throw e;
      throw new ScripError(
        'service-error',
        `The CIS2 discovery document at ${this.cfg.issuer} is not usable: ${e instanceof Error ? e.message : String(e)}.`,
        { check: 'discovery' },
        'Check the CIS2 issuer URL of this environment in Settings.',
      );
    }
    return this.#as;
  }

  async jwks(fresh = false): Promise<JSONWebKeySet> {
    if (this.#jwks && !fresh) return this.#jwks;
    const as = await this.discover();
    if (!as.jwks_uri) throw refused('jwks', 'the provider publishes no jwks_uri');
    const res = await this.http.send(as.jwks_uri, { headers: { accept: 'application/json' } });
    let set: unknown;
    try {
      set = JSON.parse(res.body.toString('utf8'));
    } catch {
      set = null;
    }
    if (res.status !== 200 || !set || !Array.isArray((set as JSONWebKeySet).keys))
      throw refused('jwks', `the JWKS at ${as.jwks_uri} is not a key set (HTTP ${res.status})`);
    this.#jwks = set as JSONWebKeySet;
    return this.#jwks;
  }

  /** Discovery, PKCE and the loopback listener, then the provider's login page: its card challenge. */
  async begin(): Promise<PendingLogin> {
    const as = await this.discover();
    if (!as.authorization_endpoint) throw refused('discovery', 'the provider publishes no authorization_endpoint');
    const state = oauth.generateRandomState(),
      nonce = oauth.generateRandomNonce(),
      verifier = oauth.generateRandomCodeVerifier();
    const redirect = await openLoopbackRedirect(state);
    try {
      const url = await this.#authorizeUrl(as.authorization_endpoint, redirect.redirectUri, state, nonce, verifier);
      const res = await this.http.send(url.toString(), { headers: { accept: 'application/json' } });
      if (res.status === 302 || res.status === 303) {
        const back = new URL(String(res.headers.location ?? ''), url);
        throw refused(
          'authorize',
          `${back.searchParams.get('error') ?? 'error'}: ${back.searchParams.get('error_description') ?? 'no description'}`,
        );
      }
      if (res.status !== 200) {
        const title = /<title>([^<]{1,200})<\/title>/.exec(res.body.toString('utf8'))?.[1] ?? '';
        throw refused(
          'authorize',
          `the provider refused the authorization request (HTTP ${res.status}${title ? `: ${title}` : ''})`,
          "Check the CIS2 client ID of this environment and that Scrip's loopback redirect is registered for it.",
        );
      }
      let page: { transaction?: unknown; challenge?: unknown; cardUrl?: unknown } = {};
      try {
        page = JSON.parse(res.body.toString('utf8')) as typeof page;
      } catch {
        /* below */
      }
      if (
        typeof page.transaction !== 'string' ||
        typeof page.challenge !== 'string' ||
        typeof page.cardUrl !== 'string'
      ) {
        throw refused(
          'authorize',
          `the provider's login page offers no smartcard challenge Scrip can answer (HTTP ${res.status})`,
          "This provider's login page needs a browser: set this environment's CIS2 login to the system browser (decision 0017).",
        );
      }
      return {
        transaction: page.transaction,
        challenge: page.challenge,
        cardUrl: page.cardUrl,
        state,
        nonce,
        verifier,
        redirect,
      };
    } catch (e) {
      redirect.close();
      throw e;
    }
  }

  /** Posts the card's answer; the provider's redirect is delivered to the loopback listener, then the code is exchanged and the ID token checked. */
  async complete(p: PendingLogin, uid: string, response: string): Promise<Cis2Identity> {
    try {
      const res = await this.http.send(p.cardUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({ transaction: p.transaction, uid, response }).toString(),
      });
      if (res.status !== 302 && res.status !== 303) {
        let why = `HTTP ${res.status}`;
        try {
          const j = JSON.parse(res.body.toString('utf8')) as { error_description?: string };
          if (j.error_description) why = j.error_description;
        } catch {
          /* status only */
        }
        throw refused('card', why, 'Check the card is yours and in date, and log in again.');
      }
      const location = String(res.headers.location ?? '');
      if (!location.startsWith(`${p.redirect.redirectUri}?`))
        throw refused('redirect', "the provider redirected somewhere other than Scrip's loopback address");
      // Scrip is the user agent here: the redirect goes to its own listener, as a browser's would.
      const delivered = await fetch(location, { redirect: 'manual' });
      await delivered.arrayBuffer();
      const callback = await p.redirect.result;
      return await this.#redeem(p, callback);
    } finally {
      p.redirect.close();
    }
  }

  async #authorizeUrl(
    endpoint: string,
    redirectUri: string,
    state: string,
    nonce: string,
    verifier: string,
  ): Promise<URL> {
    const url = new URL(endpoint);
    for (const [k, v] of Object.entries({
      response_type: 'code',
      client_id: this.cfg.clientId,
      redirect_uri: redirectUri,
      scope: CIS2_SCOPES,
      state,
      nonce,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    }))
      url.searchParams.set(k, v);
    return url;
  }

  /**
   * The system-browser route (RFC 8252, decision 0017): a listener on 127.0.0.1 for this login only,
   * the authorization request opened in the user's browser, the code brought back by the browser,
   * then the same redemption and checks as the agent route. The listener closes after the one
   * callback, at the timeout, or when this throws.
   */
  async loginInBrowser(o: BrowserLoginOptions): Promise<Cis2Identity> {
    const as = await this.discover();
    if (!as.authorization_endpoint) throw refused('discovery', 'the provider publishes no authorization_endpoint');
    const endpoint = as.authorization_endpoint;
    const state = oauth.generateRandomState(),
      nonce = oauth.generateRandomNonce(),
      verifier = oauth.generateRandomCodeVerifier();
    let redirectUri = '';
    const sign = o.signChallenge;
    const redirect = await openLoopbackRedirect(state, {
      ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}),
      ...(sign
        ? {
            cardStep: {
              origin: new URL(endpoint).origin,
              sign: async (req) => sign(await this.#providerChallenge(endpoint, req, state, redirectUri)),
            },
          }
        : {}),
    });
    redirectUri = redirect.redirectUri;
    const stop = (): void => redirect.close();
    o.signal?.addEventListener('abort', stop);
    try {
      if (o.signal?.aborted) throw new ScripError('card-removed', 'The card was removed while logging in.');
      const url = await this.#authorizeUrl(endpoint, redirectUri, state, nonce, verifier);
      await o.open(url.toString());
      let callback: URL;
      try {
        callback = await redirect.result;
      } catch (e) {
        if (o.signal?.aborted) throw new ScripError('card-removed', 'The card was removed while logging in.');
        throw e;
      }
      return await this.#redeem({ state, nonce, verifier, redirect }, callback);
    } finally {
      o.signal?.removeEventListener('abort', stop);
      redirect.close();
    }
  }

  /**
   * The challenge a provider's page asks the card to sign, read from the provider itself (over the
   * environment's TLS), never taken from the page: the card signs only a challenge the provider
   * issued for this login (its state and redirect URI), so the listener cannot be used to have the
   * card sign anything else.
   */
  async #providerChallenge(
    endpoint: string,
    req: { transaction: string; cardUrl: string },
    state: string,
    redirectUri: string,
  ): Promise<string> {
    let cardUrl: URL;
    try {
      cardUrl = new URL(req.cardUrl);
    } catch {
      throw refused('card', 'the login page named no valid card address');
    }
    if (cardUrl.origin !== new URL(endpoint).origin)
      throw refused('card', `the login page's card address ${cardUrl.origin} is not the provider's`);
    cardUrl.searchParams.set('transaction', req.transaction);
    const res = await this.http.send(cardUrl.toString(), { headers: { accept: 'application/json' } });
    let tx: { challenge?: unknown; state?: unknown; redirectUri?: unknown } = {};
    try {
      tx = JSON.parse(res.body.toString('utf8')) as typeof tx;
    } catch {
      /* below */
    }
    if (res.status !== 200 || typeof tx.challenge !== 'string')
      throw refused('card', `the provider does not know this login transaction (HTTP ${res.status})`);
    if (tx.state !== state || tx.redirectUri !== redirectUri)
      throw refused('card', 'the login transaction is not the one Scrip started');
    return tx.challenge;
  }

  async #redeem(p: SentRequest, callback: URL): Promise<Cis2Identity> {
    const as = await this.discover();
    let params: URLSearchParams;
    try {
      params = oauth.validateAuthResponse(as, this.#client(), callback, p.state);
    } catch (e) {
      throw refused(
        'authorize',
        e instanceof oauth.AuthorizationResponseError
          ? `${e.error}: ${e.error_description ?? ''}`
          : e instanceof Error
            ? e.message
            : String(e),
      );
    }
    const key = await this.key();
    const res = await oauth.authorizationCodeGrantRequest(
      as,
      this.#client(),
      oauth.PrivateKeyJwt({ key: key.key, kid: key.kid }),
      params,
      p.redirect.redirectUri,
      p.verifier,
      this.#opts(),
    );
    const body = (await res
      .clone()
      .json()
      .catch(() => ({}))) as { id_token?: unknown; error?: unknown; error_description?: unknown };
    if (res.status !== 200)
      throw refused('token', `${String(body.error ?? `HTTP ${res.status}`)}: ${String(body.error_description ?? '')}`);
    if (typeof body.id_token !== 'string') throw refused('id_token', 'the token endpoint answered without an ID token');
    const claims = await this.verifyIdToken(body.id_token, p.nonce);
    let tokens: oauth.TokenEndpointResponse;
    try {
      tokens = await oauth.processAuthorizationCodeResponse(as, this.#client(), res, {
        expectedNonce: p.nonce,
        requireIdToken: true,
      });
    } catch (e) {
      throw refused('id_token', e instanceof Error ? e.message : String(e));
    }
    const info = await this.#userinfo(tokens.access_token, String(claims.sub));
    const selected =
      typeof claims.selected_roleid === 'string'
        ? claims.selected_roleid
        : typeof info.selected_roleid === 'string'
          ? info.selected_roleid
          : null;
    let roles = rolesFromUserinfo(info);
    if (!roles.length)
      throw refused(
        'roles',
        'nhsid_nrbac_roles names no role for this user',
        'Ask your Registration Authority to give you a role.',
      );
    // A role chosen at the provider binds the session to it (APIM checks NHSD-Session-URID against it).
    if (selected) {
      roles = roles.filter((r) => r.id === selected);
      if (!roles.length)
        throw refused('selected_roleid', `selected_roleid ${selected} is not one of the user's nhsid_nrbac_roles`);
    }
    return {
      idToken: body.id_token,
      accessToken: tokens.access_token,
      userId: String(claims.sub),
      name: typeof info.name === 'string' ? info.name : String(claims.sub),
      roles,
      selectedRoleId: selected,
    };
  }

  /** Signature by the provider's JWKS (fetched again once for an unknown kid), issuer, audience, expiry, nonce, AAL3. */
  async verifyIdToken(idToken: string, nonce: string): Promise<JWTPayload & Record<string, unknown>> {
    const as = await this.discover();
    const verify = async (fresh: boolean) =>
      jwtVerify(idToken, createLocalJWKSet(await this.jwks(fresh)), {
        issuer: as.issuer,
        audience: this.cfg.clientId,
        algorithms: ['RS256', 'RS512', 'PS256', 'ES256'],
        clockTolerance: 30,
      });
    let payload: JWTPayload;
    try {
      try {
        ({ payload } = await verify(false));
      } catch (e) {
        if (!(e instanceof errors.JWKSNoMatchingKey)) throw e;
        ({ payload } = await verify(true));
      }
    } catch (e) {
      if (e instanceof errors.JWTExpired)
        throw refused(
          'exp',
          `the ID token expired at ${new Date(Number(e.payload.exp) * 1000).toISOString()}`,
          "Check this computer's clock, then log in again.",
        );
      if (e instanceof errors.JWTClaimValidationFailed && e.claim === 'aud')
        throw refused(
          'aud',
          `the ID token is for ${JSON.stringify(e.payload.aud)}, not this application (${this.cfg.clientId})`,
        );
      if (e instanceof errors.JWTClaimValidationFailed && e.claim === 'iss')
        throw refused('iss', `the ID token was issued by ${String(e.payload.iss)}, not ${as.issuer}`);
      if (e instanceof errors.JWTClaimValidationFailed)
        throw refused(e.claim, `the ID token's ${e.claim} claim is wrong: ${e.message}`);
      if (e instanceof errors.JWSSignatureVerificationFailed || e instanceof errors.JWKSNoMatchingKey)
        throw refused('signature', "the ID token's signature does not verify with the provider's published keys");
      throw refused('id_token', e instanceof Error ? e.message : String(e));
    }
    if (payload.nonce !== nonce)
      throw refused('nonce', "the ID token's nonce is not the one this login sent (a replayed or mixed-up response)");
    const acr = payload.acr;
    if (typeof acr !== 'string' || !/^AAL3_/.test(acr))
      throw refused(
        'acr',
        `the ID token's acr is ${typeof acr === 'string' ? acr : 'missing'}, but prescribing needs AAL3 (a smartcard with its passcode)`,
      );
    return payload as JWTPayload & Record<string, unknown>;
  }

  async #userinfo(accessToken: string, sub: string): Promise<Record<string, unknown>> {
    const as = await this.discover();
    try {
      const res = await oauth.userInfoRequest(as, this.#client(), accessToken, this.#opts());
      return (await oauth.processUserInfoResponse(as, this.#client(), sub, res)) as Record<string, unknown>;
    } catch (e) {
      throw refused('userinfo', `userinfo could not be read: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /**
   * RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0) where the provider publishes an
   * end_session_endpoint: the login's session at the provider ends, not just this token. Sent as a
   * form POST with id_token_hint and client_id and no post_logout_redirect_uri (no browser here to
   * send back); the provider's answer page is not followed.
   */
  async endSession(idToken: string): Promise<void> {
    const as = await this.discover();
    const url = as.end_session_endpoint;
    if (typeof url !== 'string') return;
    const res = await this.http.send(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html, application/json' },
      body: new URLSearchParams({ id_token_hint: idToken, client_id: this.cfg.clientId }).toString(),
    });
    if (res.status >= 400) {
      const title = /<title>([^<]{1,200})<\/title>/.exec(res.body.toString('utf8'))?.[1] ?? '';
      throw new ScripError(
        'service-error',
        `CIS2 did not end the login session (HTTP ${res.status}${title ? `: ${title}` : ''}).`,
        { check: 'end_session' },
        'Your session in Scrip has ended; if this computer is shared, close the CIS2 session from its own page too.',
      );
    }
  }

  /** Ends the provider's access token (RFC 7009) where the provider offers revocation. */
  async revoke(accessToken: string): Promise<void> {
    const as = await this.discover();
    if (!as.revocation_endpoint) return;
    const key = await this.key();
    const res = await oauth.revocationRequest(
      as,
      this.#client(),
      oauth.PrivateKeyJwt({ key: key.key, kid: key.kid }),
      accessToken,
      this.#opts(),
    );
    await oauth.processRevocationResponse(res);
  }
}
