// The user's choice of PKCS#11 modules (kept in preferences) beside the administrator's (managed
// configuration), applied to the running Pkcs11Tokens. A module that will not load is refused when
// saved, naming the file and why, and nothing is changed.
import { z } from 'zod';
import { ScripError } from '../errors';
import type { Preferences } from '../store/preferences';
import {
  discoverModules,
  eventsText,
  managedConfigPath,
  moduleConfig,
  readManaged,
  type ModuleConfig,
  type Pkcs11Tokens,
} from './pkcs11-tokens';
import { Pkcs11Module } from '../../native/pkcs11/pkcs11-module';

const KEY = 'pkcs11.modules';

export interface ModulesView {
  modules: Array<{
    path: string;
    cards: ModuleConfig['cards'];
    source: 'user' | 'managed';
    loaded: boolean;
    library: string | null;
    error: string | null;
    tokens: number;
    events: string;
  }>;
  /** Module files found in the usual places, to choose from. */
  found: string[];
  managedFile: string;
  managedError: string | null;
}

export class Pkcs11Settings {
  readonly tokens: Pkcs11Tokens;
  readonly #prefs: Preferences;
  readonly #managedPath: string;

  constructor(tokens: Pkcs11Tokens, prefs: Preferences, managedPath: string = managedConfigPath()) {
    this.tokens = tokens;
    this.#prefs = prefs;
    this.#managedPath = managedPath;
  }

  #user(): ModuleConfig[] {
    const raw = this.#prefs.get(KEY);
    if (!raw) return [];
    try {
      return z.array(moduleConfig).parse(JSON.parse(raw));
    } catch {
      return []; // written by an older Scrip; the user chooses again
    }
  }

  /** Loads the modules in force (at start, and after a save). */
  apply(): Promise<void> {
    return this.tokens.configure(this.#user(), readManaged(this.#managedPath));
  }

  async save(modules: ModuleConfig[]): Promise<ModulesView> {
    for (const m of modules) {
      if (this.tokens.list().some((l) => l.config.path === m.path && l.module)) continue;
      try {
        const probe = await Pkcs11Module.open(m.path);
        await probe.close();
      } catch (e) {
        throw new ScripError(
          'invalid-input',
          `The PKCS#11 module ${m.path} could not be loaded: ${e instanceof Error ? e.message : String(e)}`,
          { field: 'path', path: m.path },
          "Choose the module file your card's middleware installed (Settings lists the ones found), or install OpenSC.",
        );
      }
    }
    this.#prefs.set(KEY, JSON.stringify(modules));
    await this.apply();
    return this.view();
  }

  view(): ModulesView {
    return {
      modules: this.tokens.list().map((m) => ({
        path: m.config.path,
        cards: m.config.cards,
        source: m.source,
        loaded: !!m.module,
        library: m.info ? `${m.info.manufacturer} ${m.info.library} ${m.info.version}` : null,
        error: m.error,
        tokens: m.slots.filter((s) => s.token).length,
        events: eventsText(m),
      })),
      found: discoverModules(),
      managedFile: this.#managedPath,
      managedError: this.tokens.managedError,
    };
  }
}
