// The security broker over HTTPS in its own wire format (gpOBJECT requests and answers, S/MIME CMS
// response, SAML role assertion). Errors become ScripErrors a person can act on.
import { randomBytes } from 'node:crypto';
import { encodeGpObject, parseGpObject, gpValue, GpObjectError } from '../../protocols/spine/gpobject';
import { rolesFromGp } from '../../protocols/spine/roles';
import { parseRoleAssertion, SamlError } from '../../protocols/spine/saml';
import { buildSignedData, wrapSmime } from '../../protocols/spine/cms';
import { ScripError } from '../errors';
import type { ServiceClient } from '../net/service-client';
import type { Broker, BrokerChallenge, BrokerRole, BrokerSession } from './broker';
import type { AuthResponseBuilder } from './identity-service';

const USER_AGENT = 'Mozilla/4.0(compatible;IE;GACv10. 0. 0. 1) Scrip/0.1';

/** The CMS/S-MIME answer to a challenge, around the card's signature. */
export const buildAuthResponse: AuthResponseBuilder = ({ signature, certificate, challenge, digestAlgorithm }) =>
  wrapSmime(buildSignedData({ content: challenge, certificateDer: certificate, signature, digest: digestAlgorithm }));

export class HttpBroker implements Broker {
  readonly baseUrl: string;
  readonly #http: ServiceClient;
  readonly #logSessionId = randomBytes(8).toString('base64url').slice(0, 10);
  readonly #deviceId = `${randomBytes(4).toString('hex')},ClientIP=127.0.0.1`;

  readonly challengeDigest: 'sha1' | 'sha256';

  constructor(http: ServiceClient, baseUrl: string, challengeDigest: 'sha1' | 'sha256' = 'sha256') {
    this.#http = http;
    this.baseUrl = baseUrl.replace(/\/$/, '');
    this.challengeDigest = challengeDigest;
  }

  async #post(
    path: string,
    params: Array<{ name: string; value: string; attrs?: Record<string, string> }>,
  ): Promise<{ status: number; text: string }> {
    const res = await this.#http.send(`${this.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml; charset=utf-8', 'user-agent': USER_AGENT },
      body: encodeGpObject(params),
    });
    return { status: res.status, text: res.body.toString('utf8') };
  }

  async #get(path: string): Promise<{ status: number; text: string }> {
    const res = await this.#http.send(`${this.baseUrl}${path}`, { headers: { 'user-agent': USER_AGENT } });
    return { status: res.status, text: res.body.toString('utf8') };
  }

  /** A broker refusal, with its own words and what the user can do. */
  #refused(status: number, text: string, doing: string): ScripError {
    let code: string | undefined, message: string | undefined;
    try {
      const p = parseGpObject(text);
      code = gpValue(p, 'error');
      message = gpValue(p, 'message');
    } catch {
      /* not gpOBJECT */
    }
    const tokenGone = code?.startsWith('token-');
    return new ScripError(
      tokenGone ? 'unauthenticated' : 'service-error',
      `The security broker refused to ${doing}: ${message ?? (text.slice(0, 200) || `HTTP ${status}`)}.`,
      { brokerError: code ?? null, httpStatus: status },
      tokenGone
        ? 'Log in again with your card.'
        : code?.startsWith('certificate-')
          ? "Your card's certificate cannot be used: contact your Registration Authority."
          : 'Try again; if it keeps failing, copy the diagnostics for your service desk.',
    );
  }

  async activate(): Promise<BrokerChallenge> {
    const r = await this.#post('/login/authactivate', [
      { name: 'auth_method', value: '3' },
      { name: 'app_url', value: 'NHST' },
      { name: 'log_session_id', value: this.#logSessionId },
      { name: 'device_id', value: this.#deviceId },
      { name: 'service', value: 'ACTIVATION' },
    ]);
    if (r.status !== 200) throw this.#refused(r.status, r.text, 'start a login');
    const p = this.#parse(r.text);
    const challenge = gpValue(p, 'challenge'),
      signature = gpValue(p, 'signature');
    if (!challenge || !signature) throw new ScripError('service-error', 'The security broker sent no challenge.');
    return { challenge, signature };
  }

  async validate(input: BrokerChallenge & { uid: string; response: string }): Promise<BrokerSession> {
    const r = await this.#post('/login/authvalidate', [
      { name: 'auth_method', value: '3' },
      { name: 'app_url', value: 'NHST' },
      { name: 'log_session_id', value: this.#logSessionId },
      { name: 'device_id', value: this.#deviceId },
      { name: 'service', value: 'AUTHENTICATION' },
      { name: 'challenge', value: input.challenge },
      { name: 'signature', value: input.signature },
      { name: 'uid', value: input.uid },
      { name: 'card_type', value: 'p11' },
      { name: 'response', value: input.response, attrs: { encoding: 'base64' } },
      { name: 'mobility', value: '0' },
    ]);
    if (r.status !== 200) throw this.#refused(r.status, r.text, 'log you in');
    const p = this.#parse(r.text);
    const token = gpValue(p, 'sso_ticket');
    if (!token) throw new ScripError('service-error', 'The security broker answered without a session.');
    const roles: BrokerRole[] = rolesFromGp(p).map((x) => ({ ...x, jobRoleCode: null, activities: [] }));
    return {
      token,
      userId: input.uid,
      name: gpValue(p, 'cn') ?? input.uid,
      roles,
      idleSeconds: Number(gpValue(p, 'sso_session_time') ?? 600) || 600,
      maxSeconds: Number(gpValue(p, 'sso_max_session_time') ?? 43200) || 43200,
    };
  }

  async selectRole(token: string, roleId: string): Promise<void> {
    const r = await this.#get(
      `/saml/RoleSelectionGP.jsp?token=${encodeURIComponent(token)}&selectedRoleUid=${encodeURIComponent(roleId)}&ssbMode=0&fallbackStatus=0`,
    );
    if (r.status !== 200 || !/OK/.test(r.text)) throw this.#refused(r.status, r.text, 'select that role');
  }

  async roleAssertion(token: string): Promise<{ xml: string; selectedRoleId: string | null; roles: BrokerRole[] }> {
    const r = await this.#get(`/saml/RoleAssertion?token=${encodeURIComponent(token)}`);
    if (r.status !== 200) throw this.#refused(r.status, r.text, 'confirm your session');
    try {
      const a = parseRoleAssertion(r.text);
      return {
        xml: r.text,
        selectedRoleId: a.selectedRoleId,
        roles: a.roles.map((x) => ({ ...x, jobRoleCode: x.jobRoleCode || null })),
      };
    } catch (e) {
      if (e instanceof SamlError)
        throw new ScripError('service-error', `The security broker's role assertion could not be read: ${e.message}.`);
      throw e;
    }
  }

  async logout(token: string, uid: string): Promise<void> {
    const r = await this.#post('/login/authlogout', [
      { name: 'service', value: 'LOGOUT' },
      { name: 'sso_ticket', value: token },
      { name: 'log_session_id', value: this.#logSessionId },
      { name: 'device_id', value: this.#deviceId },
      { name: 'uid', value: uid },
    ]);
    if (r.status !== 200) throw this.#refused(r.status, r.text, 'end the session');
  }

  #parse(text: string) {
    try {
      return parseGpObject(text);
    } catch (e) {
      if (e instanceof GpObjectError)
        throw new ScripError('service-error', `The security broker's answer could not be read: ${e.message}.`);
      throw e;
    }
  }
}
