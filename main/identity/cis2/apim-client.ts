// NHS England's API platform (APIM) as an OAuth client sees it: the CIS2 ID token exchanged for an
// access token (RFC 8693), refreshed, and revoked — each call authenticated by a private_key_jwt
// client assertion: RS512, iss = sub = the application's client ID, aud = the token endpoint, a new
// jti and a five-minute exp (spine-identity.md §6.6).
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { ScripError } from '../../errors';
import type { ServiceClient } from '../../net/service-client';
import type { AppKey } from './app-key';

export interface ApimTokens {
  accessToken: string;
  expiresIn: number;
  refreshToken: string | null;
  refreshExpiresIn: number | null;
}

interface ApimConfig {
  tokenUrl: string;
  clientId: string;
}

export class ApimClient {
  constructor(
    private readonly http: ServiceClient,
    private readonly cfg: ApimConfig,
    private readonly key: () => Promise<AppKey>,
  ) {}

  async assertion(audience = this.cfg.tokenUrl): Promise<string> {
    const k = await this.key();
    return new SignJWT({})
      .setProtectedHeader({ alg: 'RS512', kid: k.kid, typ: 'JWT' })
      .setIssuer(this.cfg.clientId)
      .setSubject(this.cfg.clientId)
      .setAudience(audience)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(k.key);
  }

  async #post(url: string, params: Record<string, string>): Promise<{ status: number; json: Record<string, unknown> }> {
    const body = new URLSearchParams({
      ...params,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: await this.assertion(),
    }).toString();
    const res = await this.http.send(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body,
    });
    let json: Record<string, unknown> = {};
    try {
      json = res.body.length ? (JSON.parse(res.body.toString('utf8')) as Record<string, unknown>) : {};
    } catch {
      /* described below */
    }
    return { status: res.status, json };
  }

  #tokens(r: { status: number; json: Record<string, unknown> }, doing: string): ApimTokens {
    if (r.status !== 200 || typeof r.json.access_token !== 'string') {
      const why =
        typeof r.json.error_description === 'string'
          ? r.json.error_description
          : typeof r.json.error === 'string'
            ? r.json.error
            : `HTTP ${r.status}`;
      throw new ScripError(
        r.status >= 500 ? 'service-unreachable' : 'service-error',
        `The API platform refused ${doing}: ${why}.`,
        { httpStatus: r.status, error: typeof r.json.error === 'string' ? r.json.error : null },
        r.status >= 500
          ? 'Try again in a moment.'
          : "Check this environment's application ID and key in Settings, then log in again.",
      );
    }
    const num = (v: unknown) =>
      typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : null;
    return {
      accessToken: r.json.access_token,
      expiresIn: num(r.json.expires_in) ?? 599,
      refreshToken: typeof r.json.refresh_token === 'string' ? r.json.refresh_token : null,
      refreshExpiresIn: num(r.json.refresh_token_expires_in),
    };
  }

  /** The CIS2 ID token for an APIM access token. */
  async exchange(idToken: string): Promise<ApimTokens> {
    return this.#tokens(
      await this.#post(this.cfg.tokenUrl, {
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
        subject_token_type: 'urn:ietf:params:oauth:token-type:id_token',
        subject_token: idToken,
      }),
      'the token exchange',
    );
  }

  async refresh(refreshToken: string): Promise<ApimTokens> {
    return this.#tokens(
      await this.#post(this.cfg.tokenUrl, { grant_type: 'refresh_token', refresh_token: refreshToken }),
      'to refresh the session',
    );
  }

  /** RFC 7009 at <token endpoint's base>/revoke; ends the access and refresh token together. */
  async revoke(token: string): Promise<void> {
    const r = await this.#post(this.cfg.tokenUrl.replace(/\/token$/, '/revoke'), { token });
    if (r.status !== 200)
      throw new ScripError('service-error', `The API platform did not revoke the session (HTTP ${r.status}).`);
  }
}
