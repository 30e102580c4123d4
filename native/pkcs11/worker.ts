// A PKCS#11 module driven from a worker thread, so its blocking calls (a C_Login or C_Sign that
// talks to a card for a second, a blocking C_WaitForSlotEvent) never stall Scrip's event loop.
// Two roles share one loaded module: `ops` initialises it and answers requests one at a time;
// `events` waits for token changes with a blocking C_WaitForSlotEvent where the module supports it,
// else the host polls the slot list and token serials through `ops` every `pollMs`.
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import type * as P from 'pkcs11js';
import type {
  CertificateObject,
  MechanismView,
  ModuleInfo,
  Pkcs11Failure,
  Reply,
  Request,
  SignAttempt,
  SlotView,
  WorkerEvent,
} from './protocol';

export interface WorkerData {
  role: 'ops' | 'events';
  path: string;
  pollMs: number;
  /** Poll even where C_WaitForSlotEvent works (tests, benchmarks). */ forcePoll?: boolean;
}

const data = workerData as WorkerData;
const port = parentPort!;
const p11 = createRequire(import.meta.url)('pkcs11js') as typeof P;
const ckrName = new Map<number, string>();
const ckmName = new Map<number, string>();
for (const [k, v] of Object.entries(p11)) {
  if (typeof v !== 'number') continue;
  if (k.startsWith('CKR_') && !ckrName.has(v)) ckrName.set(v, k);
  if (k.startsWith('CKM_') && !ckmName.has(v)) ckmName.set(v, k);
}

class StepError extends Error {
  constructor(readonly failure: Pkcs11Failure) {
    super(failure.message);
  }
}

/** Runs one PKCS#11 call, naming the step in any failure. */
function step<T>(name: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof StepError) throw e;
    const code = typeof (e as { code?: unknown }).code === 'number' ? (e as { code: number }).code : 0;
    const ckr = code ? (ckrName.get(code) ?? '') : '';
    throw new StepError({ ckr, code, message: e instanceof Error ? e.message : String(e), step: name });
  }
}

const trim = (s: string): string => s.replace(/[\s\0]+$/, '');
const ver = (v: { major: number; minor: number }): string => `${v.major}.${v.minor}`;
// Not exported by the binding's typings (CKF_TOKEN_PRESENT) or at all (CKS_*): PKCS#11 v2.40 values.
const CKF_TOKEN_PRESENT = 0x1;
const CKS_RO_USER_FUNCTIONS = 1,
  CKS_RW_USER_FUNCTIONS = 3;
const slotBuf = (slot: string): Buffer => Buffer.from(slot, 'hex');

const mod = new p11.PKCS11();
step('load', () => mod.load(data.path));
try {
  mod.C_Initialize({ flags: p11.CKF_OS_LOCKING_OK });
} catch (e) {
  // The events thread joins the module the ops thread already initialised.
  if ((e as { code?: number }).code !== p11.CKR_CRYPTOKI_ALREADY_INITIALIZED)
    step('C_Initialize', () => {
      throw e;
    });
}

function slots(): SlotView[] {
  return step('C_GetSlotList', () => mod.C_GetSlotList(false)).map((s) => {
    const si = step('C_GetSlotInfo', () => mod.C_GetSlotInfo(s));
    let token: SlotView['token'] = null;
    if (si.flags & CKF_TOKEN_PRESENT) {
      try {
        const t = mod.C_GetTokenInfo(s);
        token = {
          label: trim(t.label),
          manufacturer: trim(t.manufacturerID),
          model: trim(t.model),
          serial: trim(t.serialNumber),
          flags: t.flags,
          minPinLength: t.minPinLen,
          maxPinLength: t.maxPinLen,
        };
      } catch {
        /* removed between the two calls, or not recognised: no token */
      }
    }
    return {
      id: s.toString('hex'),
      description: trim(si.slotDescription),
      manufacturer: trim(si.manufacturerID),
      flags: si.flags,
      token,
    };
  });
}

// ---- the ops role ------------------------------------------------------------------------------

/** One open session per slot, kept so the token's login state lasts until the token goes. */
const sessions = new Map<string, Buffer>();
const GONE = new Set([
  'CKR_DEVICE_REMOVED',
  'CKR_TOKEN_NOT_PRESENT',
  'CKR_SESSION_HANDLE_INVALID',
  'CKR_SESSION_CLOSED',
  'CKR_DEVICE_ERROR',
  'CKR_TOKEN_NOT_RECOGNIZED',
]);

function session(slot: string): Buffer {
  const had = sessions.get(slot);
  if (had) {
    try {
      mod.C_GetSessionInfo(had);
      return had;
    } catch {
      sessions.delete(slot);
    }
  }
  const flags = p11.CKF_SERIAL_SESSION | p11.CKF_RW_SESSION;
  let h: Buffer;
  try {
    h = mod.C_OpenSession(slotBuf(slot), flags);
  } catch (e) {
    // A read-only token (OpenSC without write support): a read-only session still signs.
    if ((e as { code?: number }).code !== p11.CKR_TOKEN_WRITE_PROTECTED)
      step('C_OpenSession', () => {
        throw e;
      });
    h = step('C_OpenSession', () => mod.C_OpenSession(slotBuf(slot), p11.CKF_SERIAL_SESSION));
  }
  sessions.set(slot, h);
  return h;
}

function loggedIn(h: Buffer): boolean {
  const st = mod.C_GetSessionInfo(h).state;
  return st === CKS_RO_USER_FUNCTIONS || st === CKS_RW_USER_FUNCTIONS;
}

function find(h: Buffer, template: P.Template, max = 32): Buffer[] {
  step('C_FindObjectsInit', () => mod.C_FindObjectsInit(h, template));
  try {
    return step('C_FindObjects', () => mod.C_FindObjects(h, max));
  } finally {
    try {
      mod.C_FindObjectsFinal(h);
    } catch {
      /* the session is gone */
    }
  }
}

function certificates(slot: string): CertificateObject[] {
  const h = session(slot);
  return find(h, [
    { type: p11.CKA_CLASS, value: p11.CKO_CERTIFICATE },
    { type: p11.CKA_CERTIFICATE_TYPE, value: p11.CKC_X_509 },
  ]).map((o) => {
    const [id, label, value] = step('C_GetAttributeValue', () =>
      mod.C_GetAttributeValue(h, o, [{ type: p11.CKA_ID }, { type: p11.CKA_LABEL }, { type: p11.CKA_VALUE }]),
    );
    return { id: id!.value.toString('hex'), label: label!.value.toString('utf8'), der: new Uint8Array(value!.value) };
  });
}

function logout(h: Buffer): void {
  try {
    mod.C_Logout(h);
  } catch {
    /* not logged in */
  }
}

/**
 * C_Login as `user`; a null PIN is a protected authentication path (the reader's keypad). PKCS#11
 * asks for pPin NULL_PTR there, but pkcs11js 2.1.7 takes only a string (its typings say optional,
 * its C++ requires three arguments), so the module gets a zero-length PIN, which PIN-pad
 * middleware takes the same way (decision 0016).
 */
function loginAs(h: Buffer, user: number, pin: string | null): void {
  step('C_Login', () => mod.C_Login(h, user, pin ?? ''));
}

function login(slot: string, pin: string | null): void {
  const h = session(slot);
  logout(h); // C_Login on a logged-in token does not check the PIN again
  loginAs(h, p11.CKU_USER, pin);
}

function sign(
  slot: string,
  keyId: string,
  attempts: SignAttempt[],
  pin: string | null,
  keypad = false,
): { signature: Uint8Array; attempt: number } {
  // On a keypad token a null PIN means "log in on the keypad" (decision 0016), not "no login".
  const canLogin = pin !== null || keypad;
  const h = session(slot);
  const template = [
    { type: p11.CKA_CLASS, value: p11.CKO_PRIVATE_KEY },
    { type: p11.CKA_ID, value: Buffer.from(keyId, 'hex') },
  ];
  let [key] = find(h, template, 1);
  if (!key && !loggedIn(h)) {
    // Private keys are often CKA_PRIVATE: invisible until the user logs in.
    if (!canLogin)
      throw new StepError({
        ckr: 'CKR_USER_NOT_LOGGED_IN',
        code: p11.CKR_USER_NOT_LOGGED_IN,
        message: 'the key is hidden until login',
        step: 'C_FindObjects',
      });
    login(slot, pin);
    [key] = find(h, template, 1);
  }
  if (!key)
    throw new StepError({
      ckr: 'CKR_KEY_HANDLE_INVALID',
      code: p11.CKR_KEY_HANDLE_INVALID,
      message: `no private key with CKA_ID ${keyId}`,
      step: 'C_FindObjects',
    });
  const [always] = mod.C_GetAttributeValue(h, key, [{ type: p11.CKA_ALWAYS_AUTHENTICATE }]);
  const alwaysAuth = !!always && always.value.length > 0 && always.value[0] !== 0;
  if (!alwaysAuth && !loggedIn(h) && canLogin) login(slot, pin);
  let last: unknown;
  for (const [i, a] of attempts.entries()) {
    const mech = { mechanism: a.mechanism };
    try {
      if (a.operation === 'sign') step('C_SignInit', () => mod.C_SignInit(h, mech, key));
      else step('C_DecryptInit', () => mod.C_DecryptInit(h, mech, key));
      if (alwaysAuth) {
        // A PIN-always key (PIV 9C): the PIN again for this one operation.
        loginAs(h, p11.CKU_CONTEXT_SPECIFIC, pin);
      }
      const out = Buffer.alloc(1024);
      const sig =
        a.operation === 'sign'
          ? step('C_Sign', () => mod.C_Sign(h, Buffer.from(a.data), out))
          : step('C_Decrypt', () => mod.C_Decrypt(h, Buffer.from(a.data), out));
      return { signature: new Uint8Array(sig), attempt: i };
    } catch (e) {
      last = e;
      const ckr = e instanceof StepError ? e.failure.ckr : '';
      // Only "this key or mechanism cannot do that" moves on to the next way.
      if (
        ![
          'CKR_KEY_FUNCTION_NOT_PERMITTED',
          'CKR_MECHANISM_INVALID',
          'CKR_KEY_TYPE_INCONSISTENT',
          'CKR_FUNCTION_NOT_SUPPORTED',
          'CKR_DATA_LEN_RANGE',
        ].includes(ckr)
      )
        throw e;
    }
  }
  throw last;
}

function setPin(slot: string, oldPin: string | null, newPin: string | null): void {
  const h = session(slot);
  step('C_SetPIN', () => mod.C_SetPIN(h, oldPin ?? '', newPin ?? ''));
}

function unblock(slot: string, puk: string | null, newPin: string | null): void {
  const h = session(slot);
  logout(h);
  loginAs(h, p11.CKU_SO, puk);
  try {
    step('C_InitPIN', () => mod.C_InitPIN(h, newPin ?? '')); // the keypad's, as for C_Login
  } finally {
    logout(h);
  }
}

function mechanisms(slot: string): MechanismView[] {
  return step('C_GetMechanismList', () => mod.C_GetMechanismList(slotBuf(slot))).map((type) => {
    const i = step('C_GetMechanismInfo', () => mod.C_GetMechanismInfo(slotBuf(slot), type));
    return {
      type,
      name: ckmName.get(type) ?? `0x${type.toString(16)}`,
      minKeySize: i.minKeySize,
      maxKeySize: i.maxKeySize,
      flags: i.flags,
    };
  });
}

function info(): ModuleInfo {
  const i = step('C_GetInfo', () => mod.C_GetInfo());
  return {
    library: trim(i.libraryDescription),
    manufacturer: trim(i.manufacturerID),
    version: ver(i.libraryVersion),
    cryptokiVersion: ver(i.cryptokiVersion),
  };
}

function handle(r: Request): unknown {
  switch (r.op) {
    case 'info':
      return info();
    case 'slots':
      return slots();
    case 'fingerprint':
      return fingerprint();
    case 'mechanisms':
      return mechanisms(r.slot);
    case 'certificates':
      return certificates(r.slot);
    case 'session':
      return { user: loggedIn(session(r.slot)) };
    case 'login':
      return login(r.slot, r.pin);
    case 'logout':
      return logout(session(r.slot));
    case 'sign':
      return sign(r.slot, r.keyId, r.attempts, r.pin, r.keypad ?? false);
    case 'set-pin':
      return setPin(r.slot, r.oldPin, r.newPin);
    case 'unblock':
      return unblock(r.slot, r.puk, r.newPin);
    case 'close':
      sessions.clear();
      // Ends the module for the process; a blocking C_WaitForSlotEvent in the events thread returns.
      try {
        mod.C_Finalize();
      } catch {
        /* already */
      }
      return null;
  }
}

function serve(): void {
  port.on('message', (m: { id: number; request: Request }) => {
    let reply: Reply;
    try {
      reply = { id: m.id, ok: true, value: handle(m.request) ?? null };
    } catch (e) {
      const failure =
        e instanceof StepError
          ? e.failure
          : { ckr: '', code: 0, message: e instanceof Error ? e.message : String(e), step: m.request.op };
      if (GONE.has(failure.ckr) && 'slot' in m.request) sessions.delete(m.request.slot);
      reply = { id: m.id, ok: false, error: failure };
    }
    port.postMessage(reply);
  });
  port.postMessage({ event: 'ready' } satisfies WorkerEvent);
}

// ---- the events role ---------------------------------------------------------------------------

const post = (e: WorkerEvent): void => port.postMessage(e);

/** What a poll compares: which slots exist and which token (by serial) sits in each. */
export function fingerprint(): string {
  return slots()
    .map((s) => `${s.id}:${s.token ? `${s.token.serial}/${s.token.label}/${s.token.flags}` : '-'}`)
    .join(',');
}

function watch(): void {
  // Blocking wait first: it returns at once with each change, or says it is not supported.
  let blocking = !data.forcePoll;
  try {
    mod.C_WaitForSlotEvent(p11.CKF_DONT_BLOCK); // drain what happened before we started
  } catch {
    /* not supported without blocking either */
  }
  // Said before 'ready', so the module's eventMode is right once open() returns; a module that
  // turns out not to support the blocking wait is reported as polled straight after.
  post(blocking ? { event: 'mode', mode: 'wait', pollMs: 0 } : { event: 'mode', mode: 'poll', pollMs: data.pollMs });
  post({ event: 'ready' });
  const loop = (): void => {
    while (blocking) {
      try {
        const s = mod.C_WaitForSlotEvent(0);
        post({ event: 'slot', slot: s ? s.toString('hex') : null });
      } catch (e) {
        const code = (e as { code?: number }).code;
        if (code === p11.CKR_FUNCTION_NOT_SUPPORTED) {
          blocking = false;
          break;
        }
        if (code === p11.CKR_CRYPTOKI_NOT_INITIALIZED) return; // C_Finalize by the ops thread: stop
        post({
          event: 'failed',
          error: {
            ckr: ckrName.get(code ?? 0) ?? '',
            code: code ?? 0,
            message: String((e as Error).message),
            step: 'C_WaitForSlotEvent',
          },
        });
        return;
      }
    }
    // Polling is done by the host through the ops thread (pkcs11-module.ts): calls into a module
    // from two threads at once, other than a waiting C_WaitForSlotEvent, are not safe with every
    // module (OpenSC 0.23 stalled when a poll here met a removal).
    post({ event: 'mode', mode: 'poll', pollMs: data.pollMs });
  };
  loop();
}

if (data.role === 'ops') serve();
else watch();
