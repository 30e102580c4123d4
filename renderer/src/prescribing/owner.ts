// Whose prescriptions a screen lists: the logged-in user's own, and drafts started before anyone
// logged in (nobody owns them yet); everyone's only when asked. With nobody logged in, all. Pure.

interface Owned {
  ownerUserId: string | null;
}

export function ownedBy<T extends Owned>(list: readonly T[], me: string | null, everyone = false): T[] {
  return me && !everyone ? list.filter((r) => r.ownerUserId === me || r.ownerUserId === null) : [...list];
}
