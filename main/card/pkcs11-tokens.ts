// The PKCS#11 modules Scrip uses and the tokens in their slots. Modules come from the user's choice
// (Settings, `pkcs11.set-modules`) and from managed configuration (a JSON file an administrator
// places, SCRIP_PKCS11_MANAGED or /etc/scrip/pkcs11-modules.json); each is loaded in its own worker
// threads (native/pkcs11). Slots that no PC/SC reader stands for are shown as readers of their own
// ("<slot description> [<module file>]"); the rest are reached through the PC/SC reader's name.
import { EventEmitter } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { z } from 'zod';
import { Pkcs11Module, PKCS11_POLL_MS } from '../../native/pkcs11/pkcs11-module';
import type { MechanismView, ModuleInfo, SlotView, TokenView } from '../../native/pkcs11/protocol';
import type { PcscReaderSnapshot } from '../../native/pcsc/reader-watch';
import { driverTable, type DriverRule } from './driver-table';

const CKF_TOKEN_INITIALIZED = 0x400;

export const moduleConfig = z.object({
  path: z.string().min(1).max(4096).describe('The PKCS#11 module file (.so, .dylib or .dll)'),
  cards: z
    .union([
      z.literal('all'),
      z.literal('none'),
      z
        .array(
          z.object({
            atr: z.string().regex(/^([0-9A-Fa-f]{2})+$/),
            mask: z
              .string()
              .regex(/^([0-9A-Fa-f]{2})+$/)
              .optional(),
          }),
        )
        .max(64),
    ])
    .default('none')
    .describe('Cards in PC/SC readers this module handles: "all", "none" (only its own slots), or ATR rows'),
});
export type ModuleConfig = z.infer<typeof moduleConfig>;

/** Where the usual modules live, per OS: OpenSC, SoftHSM2 and card vendors' middleware. */
const wellKnownModules: Record<string, string[]> = {
  linux: [
    '/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so',
    '/usr/lib/aarch64-linux-gnu/opensc-pkcs11.so',
    '/usr/lib64/opensc-pkcs11.so',
    '/usr/lib/opensc-pkcs11.so',
    '/usr/lib/softhsm/libsofthsm2.so',
    '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
    '/usr/lib64/pkcs11/libsofthsm2.so',
    '/usr/lib/libOcsCryptoki.so',
    '/usr/lib/libeTPkcs11.so',
    '/usr/lib/libIDPrimePKCS11.so',
  ],
  darwin: [
    '/Library/OpenSC/lib/opensc-pkcs11.so',
    '/opt/homebrew/lib/softhsm/libsofthsm2.so',
    '/usr/local/lib/softhsm/libsofthsm2.so',
    '/usr/local/lib/libeTPkcs11.dylib',
  ],
  win32: [
    'C:\\Windows\\System32\\opensc-pkcs11.dll',
    'C:\\Windows\\System32\\OcsCryptoki.dll',
    'C:\\Windows\\System32\\eTPKCS11.dll',
    'C:\\Windows\\System32\\IDPrimePKCS11.dll',
  ],
};

/** Module files found in the usual places on this machine. */
export function discoverModules(
  platform: string = process.platform,
  exists: (p: string) => boolean = existsSync,
): string[] {
  return (wellKnownModules[platform] ?? []).filter((p) => exists(p));
}

export function managedConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return (
    env.SCRIP_PKCS11_MANAGED ??
    (process.platform === 'win32' ? 'C:\\ProgramData\\Scrip\\pkcs11-modules.json' : '/etc/scrip/pkcs11-modules.json')
  );
}

/** The administrator's modules; a file that is absent gives none, one that is malformed says why. */
export function readManaged(path: string): { modules: ModuleConfig[]; error: string | null } {
  if (!existsSync(path)) return { modules: [], error: null };
  try {
    return {
      modules: z.object({ modules: z.array(moduleConfig).max(16) }).parse(JSON.parse(readFileSync(path, 'utf8')))
        .modules,
      error: null,
    };
  } catch (e) {
    return { modules: [], error: `${path}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}` };
  }
}

interface LoadedModule {
  config: ModuleConfig;
  source: 'user' | 'managed';
  name: string;
  module: Pkcs11Module | null;
  info: ModuleInfo | null;
  error: string | null;
  slots: SlotView[];
}

export interface Pkcs11Target {
  module: Pkcs11Module;
  slot: string;
  token: TokenView;
}

/** How the module's token changes are learnt, in words. */
export function eventsText(m: LoadedModule): string {
  const ev = m.module?.eventMode;
  return !ev ? 'not loaded' : ev.mode === 'wait' ? 'C_WaitForSlotEvent' : `polled every ${ev.pollMs} ms`;
}

const tokenReaderName = (m: LoadedModule, s: SlotView): string => `${s.description} [${m.name}]`;
const hasToken = (s: SlotView): boolean => !!s.token && (s.token.flags & CKF_TOKEN_INITIALIZED) !== 0;

export class Pkcs11Tokens extends EventEmitter {
  readonly #loaded = new Map<string, LoadedModule>();
  readonly #pollMs: number;
  #managedError: string | null = null;
  #pcscNames = new Set<string>();

  constructor(opts: { pollMs?: number } = {}) {
    super();
    this.#pollMs = opts.pollMs ?? PKCS11_POLL_MS;
  }

  /** Loads what `user` and `managed` name (managed wins on the same path) and unloads the rest. */
  async configure(user: ModuleConfig[], managed: { modules: ModuleConfig[]; error: string | null }): Promise<void> {
    this.#managedError = managed.error;
    const want = new Map<string, { config: ModuleConfig; source: 'user' | 'managed' }>();
    for (const c of user) want.set(c.path, { config: c, source: 'user' });
    for (const c of managed.modules) want.set(c.path, { config: c, source: 'managed' });
    for (const [path, m] of this.#loaded) {
      if (want.has(path)) continue;
      this.#loaded.delete(path);
      await m.module?.close();
    }
    for (const [path, w] of want) {
      const had = this.#loaded.get(path);
      if (had) {
        had.config = w.config;
        had.source = w.source;
        continue;
      }
      const entry: LoadedModule = { ...w, name: basename(path), module: null, info: null, error: null, slots: [] };
      this.#loaded.set(path, entry);
      try {
        const module = await Pkcs11Module.open(path, { pollMs: this.#pollMs });
        entry.module = module;
        entry.info = await module.call<ModuleInfo>({ op: 'info' });
        module.on('change', () => {
          void this.#refresh(entry);
        });
        await this.#refresh(entry);
      } catch (e) {
        entry.error = e instanceof Error ? e.message : String(e);
      }
    }
    this.emit('change');
  }

  async #refresh(m: LoadedModule): Promise<void> {
    if (!m.module) return;
    try {
      m.slots = await m.module.call<SlotView[]>({ op: 'slots' });
      m.error = null;
    } catch (e) {
      m.error = e instanceof Error ? e.message : String(e);
      m.slots = [];
    }
    this.emit('change');
  }

  list(): LoadedModule[] {
    return [...this.#loaded.values()];
  }
  get managedError(): string | null {
    return this.#managedError;
  }

  /** The rows configured modules add to the driver table. */
  table(): DriverRule[] {
    return driverTable(this.list().map((m) => ({ path: m.config.path, name: m.name, cards: m.config.cards })));
  }

  /** Slots shown as readers of their own: those no PC/SC reader (by name) stands for. */
  snapshots(pcscNames: Iterable<string>): PcscReaderSnapshot[] {
    this.#pcscNames = new Set(pcscNames);
    const out: PcscReaderSnapshot[] = [];
    for (const m of this.#loaded.values()) {
      for (const s of m.slots) {
        if (this.#pcscNames.has(s.description)) continue;
        out.push({
          name: tokenReaderName(m, s),
          present: hasToken(s),
          atr: null,
          exclusive: false,
          inUse: false,
          mute: false,
        });
      }
    }
    return out;
  }

  /** The module whose own slot `reader` is, or null (a PC/SC reader or nothing known). */
  ownerOf(reader: string): string | null {
    for (const m of this.#loaded.values())
      if (m.slots.some((s) => tokenReaderName(m, s) === reader)) return m.config.path;
    return null;
  }

  /** The token `module` shows for `reader` (its own slot, or the slot named after the PC/SC reader). */
  async target(modulePath: string, reader: string): Promise<Pkcs11Target | null> {
    const m = this.#loaded.get(modulePath);
    if (!m?.module) return null;
    // Read the slots afresh: a token put in just now may not have been reported yet.
    await this.#refresh(m);
    const s = m.slots.find((x) => tokenReaderName(m, x) === reader || x.description === reader);
    return s && hasToken(s) && s.token ? { module: m.module, slot: s.id, token: s.token } : null;
  }

  /** Modules, slots, tokens and each token's mechanisms, for Diagnostics. */
  async report(): Promise<
    Array<{
      path: string;
      source: 'user' | 'managed';
      info: ModuleInfo | null;
      error: string | null;
      events: string;
      slots: Array<SlotView & { mechanisms: MechanismView[] }>;
    }>
  > {
    const out = [];
    for (const m of this.#loaded.values()) {
      const slots = [];
      for (const s of m.slots) {
        let mechanisms: MechanismView[] = [];
        if (m.module && hasToken(s)) {
          try {
            mechanisms = await m.module.call<MechanismView[]>({ op: 'mechanisms', slot: s.id });
          } catch {
            /* removed meanwhile */
          }
        }
        slots.push({ ...s, mechanisms });
      }
      out.push({ path: m.config.path, source: m.source, info: m.info, error: m.error, slots, events: eventsText(m) });
    }
    return out;
  }

  async dispose(): Promise<void> {
    for (const m of this.#loaded.values()) await m.module?.close();
    this.#loaded.clear();
  }
}
