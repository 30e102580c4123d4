// Browser mode's credentials. A one-time link token (a minute to live) is traded by the page for a
// per-tab secret, which the page keeps in sessionStorage and sends in a header. Nothing is a cookie:
// cookies for 127.0.0.1 ignore the port, so any other loopback server would receive (and could
// replay) one; a header is sent only by script running on Scrip's own origin.
import { randomBytes, timingSafeEqual } from 'node:crypto';

export const SESSION_HEADER = 'x-scrip-session';

interface BrowserTimeouts {
  /** How long a link's token may wait to be used. */
  linkMs?: number;
  /** A tab's session ends after this long without a command. */
  idleMs?: number;
  /** …and this long after it began, whatever happens. */
  absoluteMs?: number;
}

const defaults = { linkMs: 60_000, idleMs: 60 * 60_000, absoluteMs: 12 * 60 * 60_000 };

function same(a: string, b: string): boolean {
  const x = Buffer.from(a),
    y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class BrowserSessions {
  readonly #t: Required<BrowserTimeouts>;
  readonly #tokens = new Map<string, number>(); // token → expires at
  readonly #tabs = new Map<string, { started: number; used: number; locked: boolean }>();

  constructor(
    timeouts: BrowserTimeouts = {},
    private readonly now: () => number = Date.now,
  ) {
    this.#t = { ...defaults, ...timeouts };
  }

  issueToken(): string {
    const token = randomBytes(24).toString('base64url');
    this.#tokens.set(token, this.now() + this.#t.linkMs);
    return token;
  }

  /** The tab's new secret, or null when the token was used, has expired or was never issued. */
  redeem(token: string): string | null {
    let hit: string | null = null;
    for (const [t, expires] of this.#tokens) {
      if (expires <= this.now()) this.#tokens.delete(t);
      else if (same(t, token)) hit = t;
    }
    if (!hit) return null;
    this.#tokens.delete(hit);
    const secret = randomBytes(32).toString('base64url');
    const now = this.now();
    this.#tabs.set(secret, { started: now, used: now, locked: false });
    return secret;
  }

  /**
   * A live tab's state (and its idle clock restarts), or null when `secret` is no live tab's.
   * `locked`: the card session ended since the tab last logged in (lockAll); it may only read the
   * readers and the session, and log in.
   */
  check(secret: string): 'open' | 'locked' | null {
    const now = this.now();
    for (const [s, tab] of this.#tabs) {
      if (now - tab.used > this.#t.idleMs || now - tab.started > this.#t.absoluteMs) {
        this.#tabs.delete(s);
        continue;
      }
      if (same(s, secret)) {
        tab.used = now;
        return tab.locked ? 'locked' : 'open';
      }
    }
    return null;
  }

  /** The card session ended (card out, logout, timeout): whoever is at the screen now must prove themselves again. */
  lockAll(): void {
    for (const tab of this.#tabs.values()) tab.locked = true;
  }

  /** This tab logged in with a card and its passcode. */
  unlock(secret: string): void {
    for (const [s, tab] of this.#tabs) if (same(s, secret)) tab.locked = false;
  }

  close(): void {
    this.#tokens.clear();
    this.#tabs.clear();
  }
}
