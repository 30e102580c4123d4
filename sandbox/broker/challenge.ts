// Stateless challenges: 20 random bytes ‖ 8-byte millisecond timestamp ‖ 20-byte MAC — the layout
// seen in a real INT challenge (spine-identity.md §2.3) — so the broker needs no state to issue one,
// and checks the MAC and age when it comes back. Single use is enforced separately.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

type ChallengeCheck =
  { ok: true; issuedAt: number } | { ok: false; reason: 'malformed' | 'forged' | 'expired' | 'from-the-future' };

export class ChallengeIssuer {
  constructor(
    private readonly secret: Buffer,
    private readonly lifetimeMs = 5 * 60_000,
  ) {}

  #mac(data: Buffer): Buffer {
    return createHmac('sha256', this.secret).update(data).digest().subarray(0, 20);
  }

  issue(now: Date): { challenge: string; signature: string } {
    const body = Buffer.alloc(28);
    randomBytes(20).copy(body, 0);
    body.writeBigUInt64BE(BigInt(now.getTime()), 20);
    const challenge = Buffer.concat([body, this.#mac(body)]).toString('base64');
    return { challenge, signature: this.serverSignature(challenge) };
  }

  /** The `signature` param the client echoes back: the broker's MAC over the challenge text. */
  serverSignature(challenge: string): string {
    return createHmac('sha256', this.secret).update(`sig:${challenge}`).digest('base64');
  }

  check(challenge: string, now: Date): ChallengeCheck {
    const raw = Buffer.from(challenge, 'base64');
    if (raw.length !== 48 || raw.toString('base64') !== challenge) return { ok: false, reason: 'malformed' };
    if (!timingSafeEqual(this.#mac(raw.subarray(0, 28)), raw.subarray(28))) return { ok: false, reason: 'forged' };
    const issuedAt = Number(raw.readBigUInt64BE(20));
    if (issuedAt > now.getTime() + 60_000) return { ok: false, reason: 'from-the-future' };
    if (now.getTime() - issuedAt > this.lifetimeMs) return { ok: false, reason: 'expired' };
    return { ok: true, issuedAt };
  }
}
