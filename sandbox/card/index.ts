// The virtual PIV test card: emulator, issuing, and its two attachments (vpcd, in-process).
export { PivCard, type CardCounters } from './piv-card';
export { issueCard, VIRTUAL_CARD_ATR, CardIssueError, type IssueCardRequest, type IssuedCard } from './issue';
export { readCardFile, writeCardFile, cardFileSchema, type CardFile } from './card-file';
export { VpcdAttachment, parseVpcdAddress, VPCD_DEFAULT_PORT, type VpcdCard, type VpcdOptions } from './vpcd-client';
export { inProcessReader, CardRemovedError, type InProcessReader } from './in-process';
export { runCardCli } from './cli';
