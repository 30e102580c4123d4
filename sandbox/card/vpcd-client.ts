// Puts a virtual card into vsmartcard's vpcd reader: a TCP client speaking vpcd's protocol
// (every message = 2-byte big-endian length + payload; a 1-byte payload is a control byte:
// 00 power off, 01 power on, 02 reset, 04 get ATR; anything else is a command APDU).
// Connected = card inserted, closed = card removed. If vpcd goes away (pcscd restarted) the
// client reconnects, so the card comes back by itself.
//
// Run this in a process that makes no synchronous PC/SC calls (e.g. `scrip card virtual`): the
// `smartcard` binding's synchronous calls (disconnect, listReaders, new Context) can wait on pcscd
// while pcscd waits on this card, whose answer would be stuck behind the blocked event loop.
import { EventEmitter } from 'node:events';
import { Socket } from 'node:net';

/** What vpcd needs from a card. */
export interface VpcdCard {
  readonly atr: Uint8Array;
  powerOn(): void;
  powerOff(): void;
  reset(): void;
  transmit(apdu: Uint8Array): Uint8Array;
}

interface VpcdOptions {
  host?: string;
  /** 35963 = "Virtual PCD 00 00", 35964 = "Virtual PCD 00 01". */
  port?: number;
  /** Delay between connection attempts (default 250 ms). */
  retryMs?: number;
}

const VPCD_DEFAULT_PORT = 35963;

export function parseVpcdAddress(s: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(s);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535) throw new Error(`expected HOST:PORT, got "${s}"`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

/**
 * Events: `inserted` (connected to vpcd), `removed` (connection closed), `apdu` (command, response).
 */
export class VpcdAttachment extends EventEmitter {
  readonly #card: VpcdCard;
  readonly #host: string;
  readonly #port: number;
  readonly #retryMs: number;
  #socket: Socket | null = null;
  #wanted = false;
  #timer: NodeJS.Timeout | null = null;
  #buffer: Buffer = Buffer.alloc(0);
  #connected = false;

  constructor(card: VpcdCard, opts: VpcdOptions = {}) {
    super();
    this.#card = card;
    this.#host = opts.host ?? '127.0.0.1';
    this.#port = opts.port ?? VPCD_DEFAULT_PORT;
    this.#retryMs = opts.retryMs ?? 250;
  }

  get inserted(): boolean {
    return this.#connected;
  }

  /** Inserts the card: connects now and whenever the connection is lost. Resolves once inserted. */
  insert(): Promise<void> {
    this.#wanted = true;
    if (this.inserted) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.once('inserted', () => resolve()));
    if (!this.#socket && !this.#timer) this.#connect();
    return done;
  }

  /** Removes the card (closes the connection); resolves when the socket is closed. */
  remove(): Promise<void> {
    this.#wanted = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const s = this.#socket;
    if (!s) return Promise.resolve();
    return new Promise<void>((resolve) => {
      s.once('close', () => resolve());
      s.destroy();
    });
  }

  #connect(): void {
    this.#timer = null;
    if (!this.#wanted) return;
    const s = new Socket();
    this.#socket = s;
    this.#buffer = Buffer.alloc(0);
    s.setNoDelay(true);
    s.on('connect', () => {
      this.#connected = true;
      this.#card.powerOff();
      this.emit('inserted');
    });
    s.on('data', (chunk: Buffer) => this.#onData(s, chunk));
    s.on('error', () => {
      /* 'close' follows; reconnecting is handled there */
    });
    s.on('close', () => {
      if (this.#socket !== s) return;
      const wasConnected = this.#connected;
      this.#socket = null;
      this.#connected = false;
      this.#card.powerOff();
      if (wasConnected) this.emit('removed', { requested: !this.#wanted });
      if (this.#wanted && !this.#timer) {
        this.#timer = setTimeout(() => this.#connect(), this.#retryMs);
      }
    });
    s.connect(this.#port, this.#host);
  }

  #onData(s: Socket, chunk: Buffer): void {
    this.#buffer = this.#buffer.length ? Buffer.concat([this.#buffer, chunk]) : chunk;
    while (this.#buffer.length >= 2) {
      const len = this.#buffer.readUInt16BE(0);
      if (this.#buffer.length < 2 + len) return;
      const msg = this.#buffer.subarray(2, 2 + len);
      this.#buffer = this.#buffer.subarray(2 + len);
      if (len === 1) {
        switch (msg[0]) {
          case 0x00:
            this.#card.powerOff();
            break;
          case 0x01:
            this.#card.powerOn();
            break;
          case 0x02:
            this.#card.reset();
            break;
          case 0x04:
            send(s, this.#card.atr);
            break;
          default:
            break; // unknown control bytes are ignored, as vicc does
        }
      } else if (len > 1) {
        const response = this.#card.transmit(new Uint8Array(msg));
        send(s, response);
        this.emit('apdu', msg, response);
      }
    }
  }
}

function send(s: Socket, payload: Uint8Array): void {
  const head = Buffer.alloc(2);
  head.writeUInt16BE(payload.length);
  s.write(Buffer.concat([head, payload]));
}
