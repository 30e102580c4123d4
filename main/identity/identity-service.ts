// The identity agent: card login to the security broker, roles, and a session that dies with the
// card. The token lives in this object's memory only; removal of the card wipes it and destroys it
// at the broker at once. Every step is gated by the session state machine.
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import type { sessionView } from './schemas';
import { ScripError } from '../errors';
import type { EventBus } from '../events';
import type { AuditLog } from '../store/audit';
import type { Preferences } from '../store/preferences';
import type { CardService } from '../card/card-service';
import type { ReadersView } from '../card/reader-service';
import type { Broker, BrokerRole, BrokerSession } from './broker';
import { SessionMachine } from './session-machine';
import { logFailure } from '../log';
import { checkCardForEnvironment, type EnvironmentTrust } from './environment-interlock';

export type AuthResponseBuilder = (input: {
  signature: Uint8Array;
  certificate: Uint8Array;
  challenge: Uint8Array;
  digestAlgorithm: 'sha1' | 'sha256';
}) => string;

interface IdentityDeps {
  cards: CardService;
  events: EventBus;
  audit: AuditLog;
  preferences: Preferences;
  broker: () => Broker;
  /** The environment in use: a test card and a live environment must never meet (environment-interlock.ts). */
  environment: () => EnvironmentTrust;
  buildAuthResponse: AuthResponseBuilder;
  /** The broker's challenge digest: the legacy IA signs SHA-1; Scrip's default is SHA-256. */
  challengeDigest?: 'sha1' | 'sha256';
  /** Warn this long before a timeout (ms). */
  warnBeforeMs?: number;
  now?: () => number;
}

/** What session.get answers: its command's output schema, so the two cannot drift. */
type SessionView = z.output<typeof sessionView>;

interface TicketHandout {
  at: string;
  to: string;
  keyId: string | null;
  roleProfileId: string | null;
}

interface LiveSession {
  broker: Broker;
  data: BrokerSession;
  startedAt: number;
  lastActivity: number;
  selected: BrokerRole | null;
  roles: BrokerRole[];
}

export class IdentityService {
  readonly #d: IdentityDeps;
  readonly machine = new SessionMachine();
  #reader: string | null = null;
  #present: string[] = [];
  #session: LiveSession | null = null;
  #timers: NodeJS.Timeout[] = [];
  #loginInFlight = false;
  /** Stops a login that is waiting on the user's browser (the card left, or Scrip is closing). */
  #browserLogin: AbortController | null = null;
  /** Broker logouts still in flight (close() waits for them). */
  #logouts = new Set<Promise<void>>();
  #closed = false;

  readonly #unsubscribe: () => void;

  constructor(deps: IdentityDeps) {
    this.#d = deps;
    // The readers drive the session: a card arriving arms login, the session's card leaving ends it.
    this.#unsubscribe = deps.events.subscribe((e) => {
      if (e.type === 'reader.changed') this.onReaders(e.data);
    });
  }

  #now(): number {
    return this.#d.now?.() ?? Date.now();
  }

  /** A login has been started and has not finished (it talks to the environment's broker). */
  loginInProgress(): boolean {
    return this.#loginInFlight;
  }

  view(): SessionView {
    const s = this.#session;
    return {
      state: this.machine.state,
      reader: this.#reader,
      cards: [...this.#present],
      user: s ? { id: s.data.userId, name: s.data.name } : null,
      roles: s?.roles ?? [],
      selectedRole: s?.selected ?? null,
      startedAt: s ? new Date(s.startedAt).toISOString() : null,
      idleExpiresAt: s ? new Date(s.lastActivity + s.data.idleSeconds * 1000).toISOString() : null,
      expiresAt: s ? new Date(s.startedAt + s.data.maxSeconds * 1000).toISOString() : null,
      environment: s ? s.broker.baseUrl : null,
      browserLogin: this.#browserLogin !== null,
    };
  }

  #publish(): void {
    this.#d.events.emit('session.changed', this.view());
  }

  /** Follows the readers: a card in a reader arms login; the session's card leaving ends the session. */
  onReaders(view: ReadersView): void {
    const present = view.readers.filter((r) => r.present).map((r) => r.name);
    const changed = present.join('\n') !== this.#present.join('\n');
    this.#present = present;
    if (this.#reader && !present.includes(this.#reader)) this.#cardGone();
    // Another card already in a reader is armed at once: no reader event would come for it.
    if (!this.#reader && present.length && (this.machine.state === 'no-card' || this.machine.state === 'ended')) {
      this.#reader = present[0]!;
      this.machine.apply({ type: 'card-inserted', reader: this.#reader });
      this.#publish();
    } else if (changed) this.#publish();
  }

  /** Chooses which of several cards to log in with; only before a session starts (one card, one session). */
  useCard(reader: string): SessionView {
    this.machine.require(['no-card', 'card-present', 'ended'], 'choose a card');
    if (this.#loginInFlight)
      throw new ScripError(
        'bad-state',
        'A login is in progress with the card already chosen.',
        undefined,
        'Wait for it to finish, or take that card out.',
      );
    if (!this.#present.includes(reader)) {
      throw new ScripError(
        'no-card',
        `There is no card in the reader "${reader}".`,
        { readers: this.#present },
        'Insert the card, or choose one of the readers that has a card.',
      );
    }
    if (reader !== this.#reader) {
      if (this.#reader) this.#d.cards.forget(this.#reader);
      this.#reader = reader;
      if (this.machine.state === 'no-card') this.machine.apply({ type: 'card-inserted', reader });
      this.#publish();
    }
    return this.view();
  }

  #cardGone(): void {
    this.#browserLogin?.abort(); // a login waiting in the browser for this card stops now
    const reader = this.#reader;
    this.#reader = null;
    if (reader) this.#d.cards.forget(reader);
    // The state moves first, so everything published from here on says the session is over.
    this.machine.apply({ type: 'card-removed' });
    this.#end('card-removed');
    this.#publish();
  }

  /** Wipes the token and destroys it at the broker; tells every surface. */
  #end(reason: 'card-removed' | 'logout' | 'timeout' | 'broker-refused'): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers = [];
    const s = this.#session;
    this.#session = null; // from here the token exists only in this closure, for the logout call
    if (!s) return;
    const token = s.data.token;
    const uid = s.data.userId;
    this.#d.audit.append(uid, 'session.end', { reason, roleProfileId: s.selected?.id ?? null });
    this.#d.events.emit('session.ended', { reason, userId: uid, at: new Date(this.#now()).toISOString() });
    const done: Promise<void> = s.broker
      .logout(token, uid)
      .catch((e: unknown) => {
        // The broker will also time the session out; say so rather than pretend.
        if (!this.#closed)
          this.#d.audit.append(uid, 'session.logout-failed', { error: e instanceof Error ? e.message : String(e) });
      })
      .finally(() => this.#logouts.delete(done));
    this.#logouts.add(done);
  }

  /** Card + PIN → broker challenge signed by the card's authentication key → session. */
  async login(input: { pin: string; roleId?: string }): Promise<SessionView> {
    if (this.#loginInFlight) throw new ScripError('bad-state', 'A login is already in progress.');
    this.machine.require(['card-present', 'ended'], 'log in');
    const reader = this.#reader;
    if (!reader) throw new ScripError('no-card');
    this.#loginInFlight = true;
    try {
      // Before any PIN try or signature: a test card never meets a live environment, nor the reverse.
      const card = await this.#d.cards.status(reader);
      checkCardForEnvironment(card.certificates.auth, this.#d.environment());
      const pinInfo = await this.#d.cards.verifyPin({ reader, pin: input.pin });
      void pinInfo;
      this.machine.apply({ type: 'pin-verified' });
      this.#publish();
      const broker = this.#d.broker();
      let data: BrokerSession;
      // The card signs a broker's (or CIS2 login page's) challenge with its authentication key.
      const signChallenge = async (challenge: string): Promise<{ uid: string; response: string }> => {
        if (this.#reader !== reader) throw new ScripError('card-removed', 'The card was removed while logging in.');
        const challengeBytes = Buffer.from(challenge, 'base64');
        const algorithm = broker.challengeDigest ?? this.#d.challengeDigest ?? 'sha256';
        const hash = createHash(algorithm).update(challengeBytes).digest();
        const signed = await this.#d.cards.sign({ reader, kind: 'auth', data: { hash, algorithm }, pin: input.pin });
        const response = this.#d.buildAuthResponse({
          signature: signed.signature,
          certificate: signed.certificate,
          challenge: challengeBytes,
          digestAlgorithm: algorithm,
        });
        return { uid: card.holder.userId, response };
      };
      try {
        if (broker.loginInBrowser) {
          // The system-browser route (decision 0017): the provider's pages do the card step.
          const abort = (this.#browserLogin = new AbortController());
          this.#publish(); // every screen says where the login is waiting
          try {
            data = await broker.loginInBrowser(signChallenge, abort.signal);
          } finally {
            if (this.#browserLogin === abort) this.#browserLogin = null;
          }
        } else {
          const challenge = await broker.activate();
          data = await broker.validate({ ...challenge, ...(await signChallenge(challenge.challenge)) });
        }
      } catch (e) {
        if (this.#reader === reader && this.machine.state === 'pin-verified') this.machine.apply({ type: 'failed' });
        this.#publish();
        throw e;
      }
      if (this.#reader !== reader) {
        // The card left while the broker answered: the session must not outlive it.
        await broker
          .logout(data.token, data.userId)
          .catch(
            logFailure(
              'broker logout after the card left mid-login failed; the broker ends the session at its idle timeout',
            ),
          );
        throw new ScripError('card-removed', 'The card was removed while logging in.');
      }
      const now = this.#now();
      let roles = data.roles;
      try {
        roles = mergeRoles(roles, (await broker.roleAssertion(data.token)).roles);
      } catch {
        /* names only; codes come after selection */
      }
      this.#session = { broker, data, startedAt: now, lastActivity: now, selected: null, roles };
      this.machine.apply({ type: 'authenticated' });
      this.#d.audit.append(data.userId, 'session.start', {
        reader,
        broker: broker.baseUrl,
        roles: roles.map((r) => r.id),
      });
      this.#arm();
      const remembered = this.#d.preferences.get(`last-role:${data.userId}`);
      const pick =
        input.roleId ??
        (roles.length === 1 ? roles[0]!.id : roles.some((r) => r.id === remembered) ? remembered : null);
      if (pick) await this.selectRole(pick);
      else this.#publish();
      return this.view();
    } finally {
      this.#loginInFlight = false;
    }
  }

  /** Picks or switches role without removing the card. */
  async selectRole(roleId: string): Promise<SessionView> {
    this.machine.require(['authenticated', 'role-selected'], 'choose a role');
    const s = this.#session!;
    const role = s.roles.find((r) => r.id === roleId);
    if (!role)
      throw new ScripError(
        'not-found',
        `You do not hold the role ${roleId}.`,
        { roles: s.roles.map((r) => r.id) },
        'Choose one of your roles.',
      );
    await this.#call(() => s.broker.selectRole(s.data.token, roleId));
    let selected = role;
    try {
      const assertion = await s.broker.roleAssertion(s.data.token);
      s.roles = mergeRoles(s.roles, assertion.roles);
      selected = s.roles.find((r) => r.id === roleId) ?? role;
    } catch {
      /* the selection stands; the assertion can be read again */
    }
    if (this.#session !== s) throw new ScripError('card-removed', 'The session ended while the role was being chosen.');
    s.selected = selected;
    this.#touch();
    this.machine.apply({ type: 'role-selected' });
    this.#d.preferences.set(`last-role:${s.data.userId}`, roleId);
    this.#d.audit.append(s.data.userId, 'session.role', { roleProfileId: roleId, orgCode: selected.orgCode });
    this.#publish();
    return this.view();
  }

  /** The broker (or APIM) stopped honouring the session outside any call (a refused refresh): end it. */
  sessionLost(): void {
    if (!this.#session) return;
    this.machine.apply({ type: 'expired' });
    this.#end('broker-refused');
    this.#publish();
  }

  async roleAssertion(): Promise<string> {
    this.machine.require(['authenticated', 'role-selected'], 'read the role assertion');
    const s = this.#session!;
    return (await this.#call(() => s.broker.roleAssertion(s.data.token))).xml;
  }

  logout(): SessionView {
    this.machine.require(['authenticated', 'role-selected', 'pin-verified'], 'log out');
    this.machine.apply({ type: 'logged-out' });
    this.#end('logout');
    this.#publish();
    return this.view();
  }

  /** The session for a local program (Ticket API). Audited; visible in handouts(). */
  ticket(to: { label: string; keyId: string | null }): {
    token: string;
    userId: string;
    roleProfileId: string | null;
    expiresAt: string;
  } {
    this.machine.require(['authenticated', 'role-selected'], 'hand out the session');
    const s = this.#session!;
    this.#touch();
    const handout: TicketHandout = {
      at: new Date(this.#now()).toISOString(),
      to: to.label,
      keyId: to.keyId,
      roleProfileId: s.selected?.id ?? null,
    };
    this.#d.audit.append(s.data.userId, 'session.ticket', {
      to: to.label,
      keyId: to.keyId,
      roleProfileId: handout.roleProfileId,
      handedOutAt: handout.at,
    });
    this.#d.events.emit('session.ticket', handout);
    return {
      token: s.data.token,
      userId: s.data.userId,
      roleProfileId: s.selected?.id ?? null,
      expiresAt: this.view().expiresAt!,
    };
  }

  /** The latest hand-outs, newest first, from the audit log: they outlive a restart. */
  handouts(limit = 200): TicketHandout[] {
    return this.#d.audit.list({ action: 'session.ticket', limit }).map((e) => ({
      at: typeof e.detail.handedOutAt === 'string' ? e.detail.handedOutAt : e.at,
      to: String(e.detail.to ?? ''),
      keyId: typeof e.detail.keyId === 'string' ? e.detail.keyId : null,
      roleProfileId: typeof e.detail.roleProfileId === 'string' ? e.detail.roleProfileId : null,
    }));
  }

  /** For services that act as the user (EPS, PDS): the token and role, or bad-state. */
  requireRole(): { token: string; userId: string; role: BrokerRole; broker: Broker } {
    this.machine.require(['role-selected'], 'do that');
    const s = this.#session!;
    const role = s.selected!;
    this.#touch();
    return { token: s.data.token, userId: s.data.userId, role, broker: s.broker };
  }

  /** Ends any session and waits (at most `waitMs`) for the broker logouts still in flight, so none
   *  outlives the database it reports to. */
  async dispose(waitMs = 3000): Promise<void> {
    this.#unsubscribe();
    this.#browserLogin?.abort(); // a login waiting on the browser ends with Scrip
    if (this.#session) {
      this.#end('logout');
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.#logouts]),
      new Promise((r) => {
        timer = setTimeout(r, waitMs);
      }),
    ]);
    clearTimeout(timer);
    this.#closed = true;
  }

  async #call<T>(f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      if (e instanceof ScripError && e.code === 'unauthenticated') {
        // The broker no longer knows the token: never stay half logged in.
        this.machine.apply({ type: 'expired' });
        this.#end('broker-refused');
        this.#publish();
      }
      throw e;
    }
  }

  #touch(): void {
    if (!this.#session) return;
    this.#session.lastActivity = this.#now();
    this.#arm();
  }

  /** Idle and absolute timeouts from the broker, with a warning before each. */
  #arm(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers = [];
    const s = this.#session;
    if (!s) return;
    const now = this.#now();
    const idleEnd = s.lastActivity + s.data.idleSeconds * 1000;
    const hardEnd = s.startedAt + s.data.maxSeconds * 1000;
    const end = Math.min(idleEnd, hardEnd);
    const warnAt = end - (this.#d.warnBeforeMs ?? 60_000);
    const schedule = (at: number, f: () => void) => {
      const t = setTimeout(f, Math.max(0, at - now));
      t.unref();
      this.#timers.push(t);
    };
    if (warnAt > now)
      schedule(warnAt, () =>
        this.#d.events.emit('session.expiring', {
          at: new Date(end).toISOString(),
          reason: end === hardEnd ? 'absolute' : 'idle',
        }),
      );
    schedule(end, () => {
      if (this.#session !== s) return;
      this.machine.apply({ type: 'expired' });
      this.#end('timeout');
      this.#publish();
    });
  }
}

/** Adds codes and activities from the RoleAssertion to the roles named in authvalidate. */
function mergeRoles(base: BrokerRole[], detail: BrokerRole[]): BrokerRole[] {
  const byId = new Map(detail.map((r) => [r.id, r]));
  const merged = base.map((r) => {
    const d = byId.get(r.id);
    return d
      ? {
          ...r,
          jobRoleCode: d.jobRoleCode ?? r.jobRoleCode,
          activities: d.activities.length ? d.activities : r.activities,
          orgName: r.orgName || d.orgName,
        }
      : r;
  });
  for (const d of detail) if (!base.some((r) => r.id === d.id)) merged.push(d);
  return merged;
}
