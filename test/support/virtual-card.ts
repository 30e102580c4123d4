// A virtual test card for a user of a Scrip data directory's embedded sandbox, put into vpcd.
import { join } from 'node:path';
import { issueCard } from '../../sandbox/card/issue';
import { PivCard } from '../../sandbox/card/piv-card';
import { VpcdAttachment } from '../../sandbox/card/vpcd-client';

export interface TestCard {
  attachment: VpcdAttachment;
  card: PivCard;
  insert(): Promise<void>;
  remove(): Promise<void>;
}

export function virtualCardFor(
  scripDataDir: string,
  opts: { userId?: string; name?: string; pin: string; port?: number },
): TestCard {
  const issued = issueCard({
    userId: opts.userId ?? '555086689106',
    displayName: opts.name ?? 'DR CLARE BOIN',
    pin: opts.pin,
    puk: '12345678',
    ca: join(scripDataDir, 'sandbox', 'ca'),
  });
  const card = new PivCard(issued.card);
  const attachment = new VpcdAttachment(card, { port: opts.port ?? 35963 });
  return { attachment, card, insert: () => attachment.insert(), remove: () => attachment.remove() };
}
