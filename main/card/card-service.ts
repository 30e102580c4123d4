// The card operations the app exposes as commands. Each public method is one unit of work: one
// exclusive hold of the card (CardConnector.withCard), in which the driver is chosen (ATR table,
// then probing) and the operation runs. PINs pass straight through to the driver.
import type { CardConnector } from '../../native/pcsc/card-connection';
import { serialised } from '../../native/pcsc/transaction';
import { hex } from '../../protocols/card';
import { ScripError } from '../errors';
import type { EventBus } from '../events';
import { ApduSession } from './apdu-session';
import { apduDrivers, identifyFamily } from './atr-table';
import type { CardDriver, CertificateKind, DriverKind, PinInfo, SignInput } from './card-driver';
import { builtInRules, chooseDriver, type DriverRule } from './driver-table';
import { toCardError } from './card-errors';
import { identityFrom, summarise, type CardIdentity, type CertificateSummary } from './card-certificates';
import { PIV_MAX_PIN_RETRIES } from './piv-driver';
import { Pkcs11Driver, pkcs11ToScrip } from './pkcs11-driver';
import type { Pkcs11Target } from './pkcs11-tokens';

interface CardStatus {
  reader: string;
  cardType: DriverKind;
  /** The card's ATR (upper-case hex); empty for a PKCS#11 token that no PC/SC reader stands for. */
  atr: string;
  holder: { userId: string; displayName: string | null };
  /** When the authentication certificate expires (ISO 8601). */
  certificateExpiry: string;
  certificates: { auth: CertificateSummary; sign: CertificateSummary | null };
  pin: PinInfo;
}

interface CardCertificate {
  der: Uint8Array;
  pem: string;
  summary: CertificateSummary;
}

interface SignResult {
  signature: Uint8Array;
  /** The certificate of the key that signed. */
  certificate: Uint8Array;
  keyAlgorithm: string;
}

/** What the reader panel can show about a card without asking it again. */
interface CardFacts {
  cardType: DriverKind | null;
  pinRetries: number | null;
  pinPad?: boolean | null;
}

/** What the card layer needs of the PKCS#11 modules (main/card/pkcs11-tokens.ts). */
interface TokenRouter {
  /** The driver table in force (configured modules, then the built-in ATR rows). */
  table(): DriverRule[];
  /** The module whose own slot `reader` is (a token reader), else null. */
  ownerOf(reader: string): string | null;
  target(module: string, reader: string): Promise<Pkcs11Target | null>;
}

interface CardServiceOptions {
  /** Readers and whether a card is present; used when a call names no reader. */
  listReaders?: () => Array<{ name: string; present: boolean; atr?: string | null }>;
  /** PKCS#11 modules; without it every card goes through PC/SC. */
  tokens?: TokenRouter;
  /** Called after an operation learnt something new about a reader's card (PIN retries, type). */
  onFacts?: (reader: string, facts: CardFacts) => void;
  /** Reader events: a card leaving a reader takes what was learnt about it along. */
  events?: EventBus;
}

interface Unit {
  driver: CardDriver;
  atr: Uint8Array;
}

export class CardService {
  readonly #connector: CardConnector;
  readonly #opts: CardServiceOptions;
  readonly #identity = new Map<
    string,
    { cardId: string; auth: Uint8Array; sign: Uint8Array | null; identity: CardIdentity }
  >();
  readonly #facts = new Map<string, CardFacts>();
  /** APDUs sent by the last operation (benchmarks, diagnostics). */
  lastApduCount = 0;

  readonly #unsubscribe: (() => void) | undefined;

  constructor(connector: CardConnector, opts: CardServiceOptions = {}) {
    this.#connector = connector;
    this.#opts = opts;
    this.#unsubscribe = opts.events?.subscribe((e) => {
      if (e.type !== 'reader.changed') return;
      for (const r of e.data.readers) if (!r.present && this.facts(r.name).cardType) this.forget(r.name);
    });
  }

  /** Stops following the readers. */
  dispose(): void {
    this.#unsubscribe?.();
  }

  /** Last known facts about the card in `reader` (null fields: not known). */
  facts(reader: string): CardFacts {
    return this.#facts.get(reader) ?? { cardType: null, pinRetries: null };
  }

  /** Forget what is known about the card in `reader` (call on card removal). */
  forget(reader: string): void {
    this.#identity.delete(reader);
    if (this.#facts.delete(reader)) this.#opts.onFacts?.(reader, this.facts(reader));
  }

  async status(reader?: string): Promise<CardStatus> {
    return this.#run(reader, async (name, u) => {
      const { identity } = await this.#readIdentity(name, u.driver);
      const pin = await u.driver.pinInfo();
      this.#learn(name, pin, u.driver.kind);
      return {
        reader: name,
        cardType: u.driver.kind,
        atr: hex(u.atr),
        holder: { userId: identity.userId, displayName: identity.displayName },
        certificateExpiry: identity.auth.notAfter,
        certificates: { auth: identity.auth, sign: identity.sign },
        pin,
      };
    });
  }

  async certificates(
    reader?: string,
  ): Promise<{ reader: string; auth: CardCertificate; sign: CardCertificate | null }> {
    return this.#run(reader, async (name, u) => {
      const { auth, sign } = await this.#readIdentity(name, u.driver);
      return { reader: name, auth: certificateOut(auth), sign: sign ? certificateOut(sign) : null };
    });
  }

  async pinInfo(reader?: string): Promise<PinInfo> {
    return this.#run(reader, async (name, u) => this.#learn(name, await u.driver.pinInfo(), u.driver.kind));
  }

  /** Verifies the PIN; on a wrong PIN the error's details carry `retriesLeft`. */
  async verifyPin(input: { reader?: string; pin: string }): Promise<PinInfo> {
    return this.#run(input.reader, async (name, u) => {
      await this.#pinOp(name, u, () => u.driver.verifyPin(input.pin));
      // PIV: a good VERIFY resets the counter, so no need to ask; a token's flags are read again.
      return this.#learn(
        name,
        u.driver.kind === 'piv'
          ? { retriesLeft: PIV_MAX_PIN_RETRIES, maxRetries: PIV_MAX_PIN_RETRIES, blocked: false, verified: true }
          : await u.driver.pinInfo(),
        u.driver.kind,
      );
    });
  }

  async changePin(input: { reader?: string; oldPin: string; newPin: string }): Promise<PinInfo> {
    return this.#run(input.reader, async (name, u) => {
      await this.#pinOp(name, u, () => u.driver.changePin(input.oldPin, input.newPin));
      return this.#learn(name, await u.driver.pinInfo(), u.driver.kind);
    });
  }

  async unblockPin(input: { reader?: string; puk: string; newPin: string }): Promise<PinInfo> {
    return this.#run(input.reader, async (name, u) => {
      await u.driver.unblockPin(input.puk, input.newPin);
      return this.#learn(name, await u.driver.pinInfo(), u.driver.kind);
    });
  }

  /**
   * Signs with the auth or sign key. The PIN is sent only if the card demands it; without one, a
   * card that demands it yields `bad-state` with details.pinRequired.
   */
  async sign(input: { reader?: string; kind: CertificateKind; data: SignInput; pin?: string }): Promise<SignResult> {
    return this.#run(input.reader, async (name, u) => {
      // Certificates come from the cache when the card (CHUID GUID) is the one read before.
      const known = await this.#readIdentity(name, u.driver);
      u.driver.primeCertificate('auth', known.auth);
      if (known.sign) u.driver.primeCertificate('sign', known.sign);
      const certificate = await u.driver.certificate(input.kind);
      const signature = await this.#pinOp(name, u, () => u.driver.sign(input.kind, input.data, input.pin));
      return { signature, certificate, keyAlgorithm: summarise(certificate).keyAlgorithm };
    });
  }

  /**
   * Signs several inputs in one hold of the card (batch signing): certificates are read once and
   * the PIN, if given, is presented for each signature that needs it (a PIN-always key needs a
   * VERIFY before every one) without asking the person again. Each result is a signature or the
   * error for that input. A PIN error, a missing PIN or a card that is gone stops the batch at once
   * (so a wrong PIN is never tried twice); the inputs not attempted get that same error.
   * `onSigned` runs as each signature arrives, so the caller can commit it before the next.
   */
  async signMany(input: {
    reader?: string;
    kind: CertificateKind;
    items: SignInput[];
    pin?: string;
    onSigned?: (index: number, r: SignResult) => void;
  }): Promise<Array<SignResult | ScripError>> {
    const out: Array<SignResult | ScripError> = [];
    const stopping = (e: ScripError) =>
      [
        'pin-wrong',
        'pin-blocked',
        'pin-format',
        'card-removed',
        'no-card',
        'no-service',
        'no-readers',
        'card-busy',
      ].includes(e.code) ||
      (e.code === 'bad-state' && !!e.details?.pinRequired);
    try {
      await this.#run(input.reader, async (name, u) => {
        const known = await this.#readIdentity(name, u.driver);
        u.driver.primeCertificate('auth', known.auth);
        if (known.sign) u.driver.primeCertificate('sign', known.sign);
        const certificate = await u.driver.certificate(input.kind);
        const keyAlgorithm = summarise(certificate).keyAlgorithm;
        for (const [i, data] of input.items.entries()) {
          try {
            const signature = await this.#pinOp(name, u, () => u.driver.sign(input.kind, data, input.pin));
            const r = { signature, certificate, keyAlgorithm };
            out.push(r);
            input.onSigned?.(i, r);
          } catch (e) {
            const err = toCardError(e);
            out.push(err);
            if (stopping(err)) throw err;
          }
        }
      });
    } catch (e) {
      const err = e instanceof ScripError ? e : toCardError(e);
      while (out.length < input.items.length) out.push(err);
    }
    return out;
  }

  /** Runs a PIN-consuming step; a wrong or blocked PIN updates the known retry count. */
  async #pinOp<T>(name: string, u: Unit, f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      if (
        e instanceof ScripError &&
        e.code === 'pin-wrong' &&
        typeof e.details?.retriesLeft === 'number' &&
        !e.details.puk
      ) {
        this.#learn(
          name,
          { retriesLeft: e.details.retriesLeft, maxRetries: PIV_MAX_PIN_RETRIES, blocked: false, verified: false },
          u.driver.kind,
        );
      } else if (e instanceof ScripError && e.code === 'pin-blocked' && !e.details?.puk) {
        this.#learn(
          name,
          { retriesLeft: 0, maxRetries: PIV_MAX_PIN_RETRIES, blocked: true, verified: false },
          u.driver.kind,
        );
      }
      throw e;
    }
  }

  #learn(reader: string, pin: PinInfo, kind: DriverKind = 'piv'): PinInfo {
    const next: CardFacts = {
      cardType: kind,
      pinRetries: pin.retriesLeft,
      ...(pin.pinPad !== undefined ? { pinPad: pin.pinPad } : {}),
    };
    const prev = this.#facts.get(reader);
    this.#facts.set(reader, next);
    if (!prev || prev.pinRetries !== next.pinRetries || prev.cardType !== next.cardType || prev.pinPad !== next.pinPad)
      this.#opts.onFacts?.(reader, next);
    return pin;
  }

  async #readIdentity(
    reader: string,
    driver: CardDriver,
  ): Promise<{ auth: Uint8Array; sign: Uint8Array | null; identity: CardIdentity }> {
    const cardId = await driver.cardId();
    const cached = this.#identity.get(reader);
    if (cached && cached.cardId === cardId) return cached;
    const auth = await driver.certificate('auth');
    let sign: Uint8Array | null = null;
    try {
      sign = await driver.certificate('sign');
    } catch (e) {
      if (!(e instanceof ScripError && e.code === 'unsupported-card')) throw e;
    }
    const entry = { cardId, auth, sign, identity: identityFrom(auth, sign) };
    this.#identity.set(reader, entry);
    return entry;
  }

  #resolveReader(reader: string | undefined): string {
    if (reader) return reader;
    const readers = this.#opts.listReaders?.() ?? [];
    if (readers.length === 0) throw new ScripError('no-readers');
    const withCard = readers.filter((r) => r.present);
    if (withCard.length === 0) throw new ScripError('no-card');
    return withCard[0]!.name;
  }

  async #run<T>(reader: string | undefined, op: (name: string, u: Unit) => Promise<T>): Promise<T> {
    const name = this.#resolveReader(reader);
    const tokens = this.#opts.tokens;
    const atr = this.#opts.listReaders?.().find((r) => r.name === name)?.atr ?? null;
    const route = chooseDriver(tokens?.table() ?? builtInRules, { atr, ownedBy: tokens?.ownerOf(name) ?? null });
    if (route.driver === 'pkcs11' && tokens) return this.#runToken(name, tokens, route.module, atr, op);
    let session: ApduSession | null = null;
    try {
      return await this.#connector.withCard(name, async (channel) => {
        session = new ApduSession(channel);
        const family = await identifyFamily(session);
        if (family === 'unsupported') throw new ScripError('unsupported-card');
        return op(name, { driver: apduDrivers[family].open(session), atr: channel.atr });
      });
    } catch (e) {
      const err = toCardError(e);
      if (err.code === 'card-removed' || err.code === 'no-card') this.forget(name);
      throw err;
    } finally {
      this.lastApduCount = (session as ApduSession | null)?.apdus ?? 0;
    }
  }

  /** One unit of work on a PKCS#11 token: no PC/SC connection of Scrip's own (the module has one). */
  async #runToken<T>(
    name: string,
    tokens: TokenRouter,
    module: string,
    atr: string | null,
    op: (name: string, u: Unit) => Promise<T>,
  ): Promise<T> {
    this.lastApduCount = 0; // the module's APDUs are its own (bench/card.ts counts them at vpcd)
    return serialised(`pkcs11:${name}`, async () => {
      try {
        const t = await tokens.target(module, name);
        if (!t)
          throw new ScripError(
            'no-card',
            'There is no token in that slot.',
            { module },
            'Insert your smartcard (or check the PKCS#11 module in Settings).',
          );
        return await op(name, {
          driver: new Pkcs11Driver(t.module, t.slot, t.token),
          atr: atr ? Buffer.from(atr, 'hex') : new Uint8Array(0),
        });
      } catch (e) {
        const err = pkcs11ToScrip(e);
        if (err.code === 'card-removed' || err.code === 'no-card') this.forget(name);
        throw err;
      }
    });
  }
}

function certificateOut(der: Uint8Array): CardCertificate {
  const b64 = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '');
  return { der, pem: `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`, summary: summarise(der) };
}
