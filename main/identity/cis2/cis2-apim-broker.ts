// The identity agent's Broker for a `cis2-apim` environment: the login happens in the user's system
// browser (loginInBrowser, decision 0017) or, for the sandbox's provider, the card signs its login
// page's challenge through the agent (activate → the agent's card step → validate, decision 0011);
// the ID token is exchanged at APIM,
// and the session's token is the APIM access token — refreshed before it expires, revoked at logout
// and when the card leaves (the identity service calls logout then, as for the security broker).
import { ScripError } from '../../errors';
import type { ServiceClient } from '../../net/service-client';
import type { Broker, BrokerChallenge, BrokerRole, BrokerSession, CardChallengeSigner } from '../broker';
import type { AppKey } from './app-key';
import { ApimClient, type ApimTokens } from './apim-client';
import { Cis2Login, type BrowserOpener, type Cis2Identity, type PendingLogin } from './oidc-login';

interface Cis2ApimSettings {
  cis2Issuer: string;
  cis2ClientId: string;
  apimTokenUrl: string;
  apimClientId: string;
  /** How the login reaches the provider (decision 0017); absent: the system browser. */
  cis2Login?: Cis2LoginRoute;
}

type Cis2LoginRoute = 'system-browser' | 'agent';

interface Cis2ApimDeps {
  http: ServiceClient;
  settings: Cis2ApimSettings;
  appKey: () => Promise<AppKey>;
  /** The gateway stopped honouring the session (a refresh was refused): end it. */
  onLost: () => void;
  /** Refresh this long before the access token expires (ms). */
  refreshBeforeMs?: number;
  /** Opens the authorization request in the user's browser (the system-browser route). */
  openBrowser?: BrowserOpener;
  /** How long a login in the browser may take (ms). */
  browserTimeoutMs?: number;
}

export class Cis2ApimBroker implements Broker {
  readonly baseUrl: string;
  readonly challengeDigest = 'sha256' as const;
  readonly #login: Cis2Login;
  readonly #apim: ApimClient;
  #pending: PendingLogin | null = null;
  #session: BrokerSession | null = null;
  #refreshToken: string | null = null;
  #cis2Access: string | null = null;
  /** The login's ID token, kept only to name the provider session at logout (id_token_hint). */
  #idToken: string | null = null;
  #timer: NodeJS.Timeout | null = null;
  #ended = false;
  readonly #appKey: () => Promise<AppKey>;
  readonly loginInBrowser?: (sign: CardChallengeSigner, signal?: AbortSignal) => Promise<BrokerSession>;

  constructor(private readonly d: Cis2ApimDeps) {
    this.baseUrl = d.settings.cis2Issuer;
    let key: Promise<AppKey> | null = null;
    const appKey = (this.#appKey = () =>
      (key ??= d.appKey().catch((e: unknown) => {
        key = null;
        throw e;
      })));
    this.#login = new Cis2Login(d.http, { issuer: d.settings.cis2Issuer, clientId: d.settings.cis2ClientId }, appKey);
    this.#apim = new ApimClient(
      d.http,
      { tokenUrl: d.settings.apimTokenUrl, clientId: d.settings.apimClientId },
      appKey,
    );
    if ((d.settings.cis2Login ?? 'system-browser') === 'system-browser')
      this.loginInBrowser = (sign, signal) => this.#loginInBrowser(sign, signal);
  }

  async #loginInBrowser(sign: CardChallengeSigner, signal?: AbortSignal): Promise<BrokerSession> {
    const open = this.d.openBrowser;
    if (!open)
      throw new ScripError(
        'bad-state',
        'This part of Scrip cannot open a browser for the CIS2 login.',
        undefined,
        'Log in from the Scrip app or from `scrip start`.',
      );
    await this.#appKey(); // no key, no login: said before the browser is opened
    const who = await this.#login.loginInBrowser({
      open,
      signChallenge: sign,
      ...(signal ? { signal } : {}),
      ...(this.d.browserTimeoutMs ? { timeoutMs: this.d.browserTimeoutMs } : {}),
    });
    return this.#start(who);
  }

  async activate(): Promise<BrokerChallenge> {
    this.#pending?.redirect.close();
    await this.#appKey(); // no key, no login: said before the card is asked for anything
    this.#pending = await this.#login.begin();
    return { challenge: this.#pending.challenge, signature: this.#pending.transaction };
  }

  async validate(input: BrokerChallenge & { uid: string; response: string }): Promise<BrokerSession> {
    const p = this.#pending;
    if (!p || p.transaction !== input.signature)
      throw new ScripError('bad-state', 'No CIS2 login is waiting for this card answer.', undefined, 'Log in again.');
    this.#pending = null;
    return this.#start(await this.#login.complete(p, input.uid, input.response));
  }

  /** The CIS2 login is done: its ID token is exchanged at APIM and the session starts. */
  async #start(who: Cis2Identity): Promise<BrokerSession> {
    this.#cis2Access = who.accessToken;
    this.#idToken = who.idToken;
    const tokens = await this.#apim.exchange(who.idToken);
    const lifetime = tokens.refreshExpiresIn ?? tokens.expiresIn;
    // The identity service reads the token from this object, so a refresh replaces it in place.
    this.#session = {
      token: tokens.accessToken,
      userId: who.userId,
      name: who.name,
      roles: who.roles,
      idleSeconds: lifetime,
      maxSeconds: lifetime,
    };
    this.#keep(tokens);
    return this.#session;
  }

  #keep(tokens: ApimTokens): void {
    this.#refreshToken = tokens.refreshToken;
    if (this.#timer) clearTimeout(this.#timer);
    if (!tokens.refreshToken) return;
    const wait = Math.max(1000, tokens.expiresIn * 1000 - (this.d.refreshBeforeMs ?? 60_000));
    this.#timer = setTimeout(() => {
      void this.refresh().catch(() => this.d.onLost());
    }, wait);
    this.#timer.unref();
  }

  /** A new access token for the refresh token (rotated); the session keeps going with it. */
  async refresh(): Promise<void> {
    if (this.#ended || !this.#session || !this.#refreshToken)
      throw new ScripError('bad-state', 'There is no CIS2 session to refresh.');
    const tokens = await this.#apim.refresh(this.#refreshToken);
    if (this.#ended) {
      // Best effort: the session ended while refreshing; a token APIM does not revoke now expires by itself.
      await this.#apim.revoke(tokens.accessToken).catch(() => undefined);
      return;
    }
    this.#session.token = tokens.accessToken;
    this.#keep(tokens);
  }

  /** Roles were fixed at login (nhsid_nrbac_roles); the choice travels as NHSD-Session-URID. */
  async selectRole(_token: string, roleId: string): Promise<void> {
    if (!this.#session?.roles.some((r: BrokerRole) => r.id === roleId))
      throw new ScripError('not-found', `You do not hold the role ${roleId}.`);
  }

  roleAssertion(): Promise<{ xml: string; selectedRoleId: string | null; roles: BrokerRole[] }> {
    return Promise.reject(
      new ScripError('bad-state', 'A CIS2 session has no SAML role assertion; its roles come from nhsid_nrbac_roles.'),
    );
  }

  /** Revokes the APIM tokens (both, RFC 7009) and the provider's access token, and ends the login's session at the provider (end_session_endpoint). */
  async logout(): Promise<void> {
    this.#ended = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#pending?.redirect.close();
    const access = this.#session?.token ?? null,
      cis2 = this.#cis2Access,
      idToken = this.#idToken;
    this.#session = null;
    this.#refreshToken = null;
    this.#cis2Access = null;
    this.#idToken = null;
    const results = await Promise.allSettled([
      access ? this.#apim.revoke(access) : null,
      cis2 ? this.#login.revoke(cis2) : null,
      idToken ? this.#login.endSession(idToken) : null,
    ]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason));
  }
}
