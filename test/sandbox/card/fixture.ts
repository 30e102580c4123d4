// Shared fixture: one CA and freshly issued cards, in a temporary directory.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openTestCa, type TestCa } from '../../../sandbox/ca';
import { issueCard, type IssueCardRequest } from '../../../sandbox/card/issue';
import type { CardFile } from '../../../sandbox/card/card-file';

let ca: TestCa | null = null;
export function testCa(): TestCa {
  ca ??= openTestCa(mkdtempSync(join(tmpdir(), 'scrip-card-ca-')));
  return ca;
}

export const PIN = '123456';
export const PUK = '87654321';

export function newCard(over: Partial<IssueCardRequest> = {}): CardFile {
  return issueCard({ userId: '555123456789', displayName: 'Dr Test Person', pin: PIN, puk: PUK, ca: testCa(), ...over })
    .card;
}
