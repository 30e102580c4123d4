// The user allows each program (API key) once before it may take their session; the choice is
// remembered per key (in preferences: not a secret) and can be withdrawn at any time.
import type { Preferences } from '../store/preferences';

const PREFIX = 'ticket-approval:';

interface TicketApproval {
  keyId: string;
  approvedAt: string;
}

export class TicketApprovals {
  constructor(private readonly prefs: Preferences) {}
  approved(keyId: string): boolean {
    return this.prefs.get(PREFIX + keyId) !== null;
  }
  approve(keyId: string, at = new Date()): TicketApproval {
    const a = { keyId, approvedAt: at.toISOString() };
    this.prefs.set(PREFIX + keyId, JSON.stringify({ approvedAt: a.approvedAt }));
    return a;
  }
  revoke(keyId: string): boolean {
    const had = this.approved(keyId);
    this.prefs.delete(PREFIX + keyId);
    return had;
  }
  list(): TicketApproval[] {
    return this.prefs.withPrefix(PREFIX).map((e) => ({
      keyId: e.key.slice(PREFIX.length),
      approvedAt: (JSON.parse(e.value) as { approvedAt: string }).approvedAt,
    }));
  }
}
