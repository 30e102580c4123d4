// The Spine-style security broker: authactivate, authvalidate, role selection, SAML role
// assertion, logout — in the gpOBJECT wire format — with every failure named precisely and
// nothing changed by a refused request.
import { createVerify, X509Certificate, randomUUID } from 'node:crypto';
import { encodeGpObject, parseGpObject, gpValue, GpObjectError, type GpParam } from '../../protocols/spine/gpobject';
import { certificateIdentity, parseSignedData, unwrapSmime, CmsError } from '../../protocols/spine/cms';
import { roleToGp } from '../../protocols/spine/roles';
import { buildRoleAssertion } from '../../protocols/spine/saml';
import type { TestCa } from '../ca';
import type { Clock } from '../clock';
import type { DirectoryStore, DirectoryUser } from '../directory/directory';
import { HttpError, type Route, type SandboxRequest, type SandboxResponse } from '../http/router';
import type { ChallengeIssuer } from './challenge';
import type { SessionStore, SsoSession } from './sessions';

type BrokerFailure =
  | 'invalid-request'
  | 'challenge-malformed'
  | 'challenge-forged'
  | 'challenge-expired'
  | 'challenge-replayed'
  | 'server-signature-mismatch'
  | 'response-malformed'
  | 'content-mismatch'
  | 'certificate-untrusted'
  | 'certificate-subject-mismatch'
  | 'certificate-key-mismatch'
  | 'certificate-not-yet-valid'
  | 'certificate-expired'
  | 'certificate-revoked'
  | 'signature-invalid'
  | 'uid-mismatch'
  | 'unknown-user'
  | 'no-roles'
  | 'role-not-held'
  | 'token-unknown'
  | 'token-logged-out'
  | 'token-idle-timeout'
  | 'token-expired'
  | 'token-revoked';

export const brokerFailureMessages: Record<BrokerFailure, string> = {
  'invalid-request': 'Invalid input request',
  'challenge-malformed': 'Failed To Validate: the challenge is not one this broker issued',
  'challenge-forged': 'Failed To Validate: the challenge was altered',
  'challenge-expired': 'Failed To Validate: the challenge has expired; request a new one',
  'challenge-replayed': 'Failed To Validate: the challenge was already used',
  'server-signature-mismatch': 'Failed To Validate: the server signature does not match the challenge',
  'response-malformed': 'Failed To Validate: the response is not a CMS SignedData in an S/MIME body',
  'content-mismatch': 'Failed To Validate: the signed content is not the challenge',
  'certificate-untrusted': "Failed To Validate: the certificate was not issued by this environment's Authentication CA",
  'certificate-subject-mismatch':
    "Failed To Validate: the certificate's subject is not the one issued under its serial number",
  'certificate-key-mismatch':
    "Failed To Validate: the certificate's public key is not the one issued under its serial number",
  'certificate-not-yet-valid': 'Failed To Validate: the certificate is not valid yet',
  'certificate-expired': 'Failed To Validate: the certificate has expired',
  'certificate-revoked': 'Failed To Validate: the certificate has been revoked',
  'signature-invalid': 'Failed To Validate: the signature does not verify with the certificate',
  'uid-mismatch': 'Failed To Validate: the uid is not the certificate holder',
  'unknown-user': 'Failed To Validate: the user is not in the directory',
  'no-roles': 'Failed To Validate: the user has no role profiles',
  'role-not-held': 'The user does not hold that role',
  'token-unknown': 'The session token is not known',
  'token-logged-out': 'The session has ended',
  'token-idle-timeout': 'The session timed out after being idle',
  'token-expired': 'The session reached its maximum length',
  'token-revoked': "The session ended because the card's certificate was revoked",
};

export class BrokerError extends HttpError {
  /** `detail` narrows the message (which issuer, which serial) without a new error code. */
  constructor(
    readonly failure: BrokerFailure,
    status = 401,
    detail?: string,
  ) {
    super(
      status,
      encodeGpObject([
        { name: 'error', value: failure },
        {
          name: 'message',
          value: detail ? `${brokerFailureMessages[failure]}: ${detail}` : brokerFailureMessages[failure],
        },
      ]),
      'text/xml; charset=utf-8',
    );
  }
}

interface BrokerDeps {
  ca: TestCa;
  clock: Clock;
  directory: DirectoryStore;
  challenges: ChallengeIssuer;
  sessions: SessionStore;
  baseUrl: () => string;
}

const gp = (
  params: Array<{ name: string; value: string; attrs?: Record<string, string> }>,
  doctype: string,
): SandboxResponse => ({
  status: 200,
  headers: { 'content-type': 'text/xml; charset=utf-8' },
  body: encodeGpObject(params, doctype),
});

function parseBody(req: SandboxRequest): GpParam[] {
  try {
    return parseGpObject(req.body.toString('utf8'));
  } catch (e) {
    if (e instanceof GpObjectError) throw new BrokerError('invalid-request', 400);
    throw e;
  }
}

function cnOf(cert: X509Certificate): string | null {
  const line = cert.subject
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('CN='));
  return line ? line.slice(3) : null;
}

export class SandboxBroker {
  constructor(private readonly d: BrokerDeps) {}

  /** Issued certificates already checked against the Authentication CA, by serial (they never change). */
  readonly #registered = new Map<string, X509Certificate>();

  #authCaCache: { der: Buffer; cert: X509Certificate | null } | null = null;
  /** The Authentication intermediate, parsed and checked against the root once (it never changes while running). */
  #authCa(): X509Certificate | null {
    const der = Buffer.from(this.d.ca.auth.der);
    if (!this.#authCaCache || !this.#authCaCache.der.equals(der)) {
      const auth = new X509Certificate(der),
        root = new X509Certificate(this.d.ca.root.der);
      this.#authCaCache = { der, cert: auth.checkIssued(root) && auth.verify(root.publicKey) ? auth : null };
    }
    return this.#authCaCache.cert;
  }

  /** Resolves a token for other services; refreshes its idle timer. */
  session(token: string): { session: SsoSession; user: DirectoryUser } | BrokerFailure {
    const c = this.d.sessions.check(token);
    if (!c.ok)
      return c.reason === 'unknown'
        ? 'token-unknown'
        : c.reason === 'logged-out'
          ? 'token-logged-out'
          : c.reason === 'idle-timeout'
            ? 'token-idle-timeout'
            : c.reason === 'revoked'
              ? 'token-revoked'
              : 'token-expired';
    // Checked on every request, not cached: a revocation made by another process (`scrip sandbox
    // revoke`) ends the card's sessions from the next request on, even if it could not end them itself.
    if (c.session.authSerial && this.d.ca.isRevoked(c.session.authSerial)) {
      this.d.sessions.end(token, 'revoked');
      return 'token-revoked';
    }
    const user = this.d.directory.user(c.session.userId);
    if (!user) return 'unknown-user';
    return { session: c.session, user };
  }

  /**
   * A session without a card (sandbox only: `scrip sandbox token`, tests): the same token, timeouts
   * and role selection as a card login, so the services accept it alike.
   */
  scriptedSession(
    userId: string,
    roleId: string,
  ): { token: string; userId: string; roleProfileId: string; expiresAt: string; idleSeconds: number } | BrokerFailure {
    const user = this.d.directory.user(userId);
    if (!user) return 'unknown-user';
    if (!user.roles.some((r) => r.id === roleId)) return 'role-not-held';
    const s = this.d.sessions.create(userId);
    this.d.sessions.selectRole(s.token, roleId);
    return {
      token: s.token,
      userId,
      roleProfileId: roleId,
      expiresAt: new Date(s.createdAt + this.d.sessions.maxSeconds * 1000).toISOString(),
      idleSeconds: this.d.sessions.idleSeconds,
    };
  }

  activate(req: SandboxRequest): SandboxResponse {
    const p = parseBody(req);
    if (gpValue(p, 'service') !== 'ACTIVATION') throw new BrokerError('invalid-request', 400);
    const { challenge, signature } = this.issueChallenge();
    const base = this.d.baseUrl();
    return gp(
      [
        { name: 'gas_version', value: '5.2.7' },
        { name: 'signature', value: signature },
        { name: 'ssp_url', value: '' },
        { name: 'app_url', value: gpValue(p, 'app_url') ?? 'NHST' },
        { name: 'log_session_id', value: gpValue(p, 'log_session_id') ?? '' },
        { name: 'service', value: 'ACTIVATION' },
        { name: 'error_url', value: `${base}/login/error` },
        { name: 'ticket', value: '' },
        { name: 'auth_method', value: '3' },
        { name: 'reply_url', value: `${base}/login/authvalidate` },
        { name: 'challenge', value: challenge },
      ],
      `${base}/login/dtd`,
    );
  }

  /** A fresh challenge for a card to sign (authactivate; the CIS2-style login page too). */
  issueChallenge(): { challenge: string; signature: string } {
    return this.d.challenges.issue(this.d.clock.now());
  }

  /**
   * Checks a card's answer to a challenge this broker issued — MAC and age, the S/MIME CMS over
   * exactly the challenge, the certificate (Authentication CA, validity, revocation), the
   * signature, the holder — and uses the challenge up. Throws BrokerError naming what failed.
   */
  verifyCard(input: { challenge: string; serverSignature: string; uid: string; response: string }): {
    user: DirectoryUser;
    cert: X509Certificate;
  } {
    const { challenge, uid, response } = input;
    const now = this.d.clock.now();
    const check = this.d.challenges.check(challenge, now);
    if (!check.ok)
      throw new BrokerError(
        check.reason === 'forged'
          ? 'challenge-forged'
          : check.reason === 'malformed'
            ? 'challenge-malformed'
            : 'challenge-expired',
      );
    if (input.serverSignature !== this.d.challenges.serverSignature(challenge))
      throw new BrokerError('server-signature-mismatch');
    let parsed;
    try {
      parsed = parseSignedData(unwrapSmime(response));
    } catch (e) {
      if (e instanceof CmsError) throw new BrokerError('response-malformed', 400);
      throw e;
    }
    if (!Buffer.from(parsed.content).equals(Buffer.from(challenge, 'base64')))
      throw new BrokerError('content-mismatch');
    const cert = this.#issuedCertificate(parsed.certificateDer);
    if (now < new Date(cert.validFrom)) throw new BrokerError('certificate-not-yet-valid');
    if (now > new Date(cert.validTo)) throw new BrokerError('certificate-expired');
    if (this.d.ca.isRevoked(cert.serialNumber)) throw new BrokerError('certificate-revoked');
    const ok = createVerify(parsed.digest).update(parsed.content).verify(cert.publicKey, parsed.signature);
    if (!ok) throw new BrokerError('signature-invalid');
    if (cnOf(cert) !== uid) throw new BrokerError('uid-mismatch');
    const user = this.d.directory.user(uid);
    if (!user) throw new BrokerError('unknown-user');
    if (!user.roles.length) throw new BrokerError('no-roles');
    // Only now, with everything checked, is anything recorded.
    if (!this.d.sessions.useChallenge(challenge)) throw new BrokerError('challenge-replayed');
    return { user, cert };
  }

  validate(req: SandboxRequest): SandboxResponse {
    const p = parseBody(req);
    const challenge = gpValue(p, 'challenge') ?? '',
      serverSig = gpValue(p, 'signature') ?? '',
      uid = gpValue(p, 'uid') ?? '',
      response = gpValue(p, 'response') ?? '';
    if (gpValue(p, 'service') !== 'AUTHENTICATION' || !challenge || !response)
      throw new BrokerError('invalid-request', 400);
    const { user, cert } = this.verifyCard({ challenge, serverSignature: serverSig, uid, response });
    const s = this.d.sessions.create(uid, cert.serialNumber);
    const base = this.d.baseUrl();
    return gp(
      [
        { name: 'log_session_id', value: gpValue(p, 'log_session_id') ?? '' },
        { name: 'error_url', value: `${base}/login/error` },
        { name: 'cn', value: this.d.directory.displayName(user) },
        ...user.roles.map((r, i) =>
          roleToGp(i, {
            id: r.id,
            orgCode: r.orgCode,
            orgName: this.d.directory.organisation(r.orgCode)?.name ?? r.orgCode,
            jobRoleName: r.jobRoleName,
          }),
        ),
        { name: 'gas_version', value: '5.2.7' },
        { name: 'sso_ticket', value: s.token },
        { name: 'sso_domain', value: 'localhost' },
        { name: 'sso_max_session_time', value: String(this.d.sessions.maxSeconds) },
        { name: 'sso_keep_alive', value: 'false' },
        { name: 'sso_session_time', value: String(this.d.sessions.idleSeconds) },
        { name: 'sso_logout_url', value: `${base}/login/authlogout` },
        { name: 'auth_method', value: '3' },
        { name: 'app_url', value: gpValue(p, 'app_url') ?? 'NHST' },
        { name: 'service', value: 'AUTHENTICATION' },
      ],
      `${base}/login/dtd`,
    );
  }

  /**
   * The authentication certificate the CA issued that the presented one names (decision 0005): found
   * by issuer and serial number in the CA's register, and the presented subject and public key must
   * be the issued ones. The presented bytes themselves need not be DER (clients that re-encode the
   * certificate in BER break its CA signature without changing what it says); everything after this
   * — dates, revocation, the CMS signature, the uid — is read from the certificate as issued.
   */
  #issuedCertificate(presented: Uint8Array): X509Certificate {
    let id;
    try {
      id = certificateIdentity(presented);
    } catch (e) {
      if (e instanceof CmsError) throw new BrokerError('response-malformed', 400);
      throw e;
    }
    const authCa = this.#authCa();
    if (!authCa)
      throw new BrokerError('certificate-untrusted', 401, 'the Authentication CA does not chain to the root');
    if (!Buffer.from(id.issuerDer).equals(this.#authCaSubject(authCa))) {
      throw new BrokerError('certificate-untrusted', 401, 'its issuer is another authority');
    }
    const record = this.d.ca.issued('auth', id.serialHex);
    if (!record)
      throw new BrokerError(
        'certificate-untrusted',
        401,
        `no certificate with serial number ${id.serialHex} was issued`,
      );
    let issued = this.#registered.get(record.serial);
    if (!issued) {
      // Entries from before the register kept certificates: only the presented bytes can say, so they must verify as they are.
      const candidate = record.der ?? Buffer.from(presented);
      let cert: X509Certificate;
      try {
        cert = new X509Certificate(candidate);
      } catch {
        throw new BrokerError(
          'certificate-untrusted',
          401,
          `the certificate issued under serial number ${id.serialHex} is not on record`,
        );
      }
      if (!cert.checkIssued(authCa) || !cert.verify(authCa.publicKey))
        throw new BrokerError(
          'certificate-untrusted',
          401,
          `the certificate issued under serial number ${id.serialHex} is not on record`,
        );
      issued = cert;
      if (record.der) {
        if (this.#registered.size >= 1024) this.#registered.clear();
        this.#registered.set(record.serial, cert);
      }
    }
    const original = certificateIdentity(issued.raw);
    if (!Buffer.from(id.subjectDer).equals(Buffer.from(original.subjectDer)))
      throw new BrokerError('certificate-subject-mismatch');
    if (!Buffer.from(id.spkiDer).equals(Buffer.from(original.spkiDer)))
      throw new BrokerError('certificate-key-mismatch');
    return issued;
  }

  #authCaSubjectCache: { raw: Buffer; subject: Buffer } | null = null;
  /** The Authentication CA's subject Name in DER: what an issued certificate's issuer field holds. */
  #authCaSubject(authCa: X509Certificate): Buffer {
    if (this.#authCaSubjectCache?.raw !== authCa.raw)
      this.#authCaSubjectCache = { raw: authCa.raw, subject: Buffer.from(certificateIdentity(authCa.raw).subjectDer) };
    return this.#authCaSubjectCache.subject;
  }

  #live(token: string): { session: SsoSession; user: DirectoryUser } {
    const r = this.session(token);
    if (typeof r === 'string') throw new BrokerError(r);
    return r;
  }

  selectRole(req: SandboxRequest): SandboxResponse {
    const { session, user } = this.#live(req.query.get('token') ?? '');
    const roleId = req.query.get('selectedRoleUid') ?? '';
    if (!user.roles.some((r) => r.id === roleId)) throw new BrokerError('role-not-held', 403);
    this.d.sessions.selectRole(session.token, roleId);
    return {
      status: 200,
      headers: { 'content-type': 'text/html; charset=utf-8' },
      body: '<HTML><STATUS>OK</STATUS></HTML>',
    };
  }

  roleAssertion(req: SandboxRequest): SandboxResponse {
    const { session, user } = this.#live(req.query.get('token') ?? '');
    const now = this.d.clock.now();
    const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const xml = buildRoleAssertion(
      {
        uid: user.id,
        cn: this.d.directory.displayName(user),
        selectedRoleId: session.selectedRole,
        ssbMode: '0',
        token: session.token,
        issueInstant: iso(now.getTime()),
        notBefore: iso(now.getTime() - 180_000),
        notOnOrAfter: iso(now.getTime() + 180_000),
        roles: user.roles.map((r) => ({
          id: r.id,
          orgCode: r.orgCode,
          orgName: this.d.directory.organisation(r.orgCode)?.name ?? r.orgCode,
          jobRoleName: r.jobRoleName,
          jobRoleCode: r.jobRoleCode,
          activities: r.activities,
        })),
      },
      { responseId: `_${randomUUID()}`, assertionId: `_${randomUUID()}`, issuer: this.d.baseUrl() },
    );
    return { status: 200, headers: { 'content-type': 'text/xml; charset=utf-8' }, body: xml };
  }

  logout(req: SandboxRequest): SandboxResponse {
    const p = parseBody(req);
    const token = gpValue(p, 'sso_ticket') ?? '';
    if (!token) throw new BrokerError('invalid-request', 400);
    this.d.sessions.end(token, 'logged-out');
    return {
      status: 200,
      headers: { 'content-type': 'text/html; charset=utf-8' },
      body: '<HTML><STATUS>OK</STATUS></HTML>',
    };
  }

  routes(): Route[] {
    return [
      { method: 'POST', path: '/login/authactivate', handle: (r) => this.activate(r) },
      { method: 'POST', path: '/login/authvalidate', handle: (r) => this.validate(r) },
      { method: 'GET', path: '/saml/RoleSelectionGP.jsp', handle: (r) => this.selectRole(r) },
      { method: 'GET', path: '/saml/RoleAssertion', handle: (r) => this.roleAssertion(r) },
      { method: 'POST', path: '/login/authlogout', handle: (r) => this.logout(r) },
      {
        method: 'GET',
        path: '/login/dtd',
        handle: () => ({
          status: 200,
          headers: { 'content-type': 'application/xml-dtd' },
          body: '<!ELEMENT gpOBJECT (gpPARAM*)>\n<!ELEMENT gpPARAM (#PCDATA)>\n<!ATTLIST gpPARAM name CDATA #REQUIRED id CDATA #IMPLIED orgcode CDATA #IMPLIED encoding CDATA #IMPLIED>\n',
        }),
      },
      // For tests and evidence: what became of a token (404 if never issued).
      {
        method: 'GET',
        path: '/_sessions/{token}',
        handle: (r) => {
          const d = this.d.sessions.describe(r.params.token ?? '');
          return {
            status: d.known ? 200 : 404,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(d),
          };
        },
      },
    ];
  }
}
