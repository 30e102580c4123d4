// Local prescription statuses (main/prescribing/store.ts) in a prescriber's words.
const words: Record<string, { text: string; tag: string; explain: string }> = {
  draft: { text: 'Draft', tag: 'grey', explain: 'Not signed yet.' },
  signed: {
    text: 'Signed, waiting to send',
    tag: 'yellow',
    explain: 'Signed and safe on this computer; Scrip is sending it to EPS.',
  },
  sending: {
    text: 'Sending',
    tag: 'yellow',
    explain: 'Scrip is sending it to EPS and keeps trying until EPS answers.',
  },
  accepted: { text: 'Accepted by EPS', tag: 'green', explain: 'EPS has it: the pharmacy can dispense it.' },
  rejected: { text: 'Refused by EPS', tag: 'red', explain: 'EPS refused it. Read the reason, then write it again.' },
  cancelled: { text: 'Cancelled', tag: 'grey', explain: 'Cancelled at EPS.' },
  'partly-cancelled': { text: 'Partly cancelled', tag: 'orange', explain: 'Some items were cancelled at EPS.' },
};

export function statusWords(status: string): { text: string; tag: string; explain: string } {
  return words[status] ?? { text: status, tag: 'grey', explain: '' };
}
