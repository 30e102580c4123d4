// What the identity agent needs from a Spine-style security broker (SSB/GAS). The wire format
// (gpOBJECT, CMS envelope, SAML) lives in protocols/spine; this is the client's view of it.

export interface BrokerRole {
  /** Role profile ID (URPID), 12 digits. */
  id: string;
  orgCode: string;
  orgName: string;
  /** "Clinical":"Clinical Provision":"Clinical Practitioner Access Role" */
  jobRoleName: string;
  /** S8000:G8000:R8000, when the broker says (RoleAssertion). */
  jobRoleCode: string | null;
  /** RBAC activity (business function) codes, e.g. B0570, when the broker says. */
  activities: string[];
}

export interface BrokerSession {
  token: string;
  userId: string;
  name: string;
  roles: BrokerRole[];
  /** Idle timeout and absolute lifetime, in seconds. */
  idleSeconds: number;
  maxSeconds: number;
}

export interface BrokerChallenge {
  challenge: string;
  signature: string;
}

export interface Broker {
  readonly baseUrl: string;
  /** The digest this broker expects the card to sign its challenge with (legacy GAS: sha1). */
  readonly challengeDigest?: 'sha1' | 'sha256';
  activate(): Promise<BrokerChallenge>;
  /** `response` is the base64 S/MIME-wrapped CMS SignedData over the challenge. */
  validate(input: BrokerChallenge & { uid: string; response: string }): Promise<BrokerSession>;
  selectRole(token: string, roleId: string): Promise<void>;
  /** The SAML 1.1 RoleAssertion XML for the session, and the roles it describes. */
  roleAssertion(token: string): Promise<{ xml: string; selectedRoleId: string | null; roles: BrokerRole[] }>;
  logout(token: string, uid: string): Promise<void>;
  /**
   * Present when the login happens in the user's browser (CIS2 over RFC 8252, decision 0017) rather
   * than through activate/validate: the identity service hands it a way to have the card sign a
   * challenge (base64) that the provider's page asks for, and gets the session back. `signal`
   * stops a login still waiting on the browser (the card was removed).
   */
  readonly loginInBrowser?: (signChallenge: CardChallengeSigner, signal?: AbortSignal) => Promise<BrokerSession>;
}

export type CardChallengeSigner = (challenge: string) => Promise<{ uid: string; response: string }>;
