// Sends command APDUs over a channel with ISO 7816-4's plumbing handled: command chaining for
// long data, 61xx GET RESPONSE loops and 6Cxx re-sends. Counts APDUs for the benchmarks.
import {
  chainCommand,
  concat,
  encodeCommand,
  parseResponse,
  SW,
  type CommandApdu,
  type ResponseApdu,
} from '../../protocols/card';
import type { CardChannel } from '../../native/pcsc/card-connection';
import { ScripError } from '../errors';

const MAX_RESPONSE = 65536;

export class ApduSession {
  readonly #channel: CardChannel;
  apdus = 0;
  constructor(channel: CardChannel) {
    this.#channel = channel;
  }

  get atr(): Uint8Array {
    return this.#channel.atr;
  }

  async #raw(c: CommandApdu): Promise<ResponseApdu> {
    this.apdus++;
    return parseResponse(await this.#channel.transmit(encodeCommand(c)));
  }

  /** Sends `c` (chained if its data exceeds 255 bytes) and returns the complete response. */
  async send(c: CommandApdu): Promise<ResponseApdu> {
    const parts = chainCommand(c);
    let r: ResponseApdu | undefined;
    for (const [i, part] of parts.entries()) {
      r = await this.#raw(part);
      if (i < parts.length - 1 && r.sw !== SW.OK) return r; // the card refused mid-chain
    }
    let res = r!;
    if (res.sw1 === 0x6c) res = await this.#raw({ ...parts[parts.length - 1]!, le: res.sw2 || 256 });
    let data = res.data;
    while (res.sw1 === 0x61) {
      res = await this.#raw({ cla: 0x00, ins: 0xc0, p1: 0x00, p2: 0x00, le: res.sw2 || 256 });
      data = concat(data, res.data);
      if (data.length > MAX_RESPONSE) throw new ScripError('card-error', 'The card sent an over-long response.');
    }
    return { ...res, data };
  }
}
